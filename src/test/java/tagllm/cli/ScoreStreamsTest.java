package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * score reads a predictions file row by row and keeps only the numbers it scores: it held every row of the file (all
 * its columns as text) until the end, so a 1,000,000-row predict output (66 MB of CSV) ran out of a 256 MB heap. Run
 * in a JVM whose heap holds the numbers of the rows several times over but not the rows themselves.
 */
class ScoreStreamsTest {
    @TempDir
    Path dir;

    /** Rows of predict's output shape: a SMILES, the true value, the prediction and the empty error column. */
    private static final int ROWS = 300_000;

    /**
     * Regression keeps 16 bytes a row and classification ~90 (a row's probabilities and label as arrays) where the
     * old reading held ~300 and ~400 (every column as text): ~90 MB and ~120 MB for ROWS.
     */
    private static final String REGRESSION_HEAP = "-Xmx40m", CLASSIFICATION_HEAP = "-Xmx64m";

    private Path predictions() throws IOException {
        Path f = dir.resolve("preds.csv");
        try (BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
            w.write("smiles,qed,prediction,error\n");
            for (int i = 0; i < ROWS; i++) {
                // gold i mod 10, prediction gold + 1 on even rows, gold - 1 on odd ones: MSE 1 and MAE 1 exactly
                int gold = i % 10;
                w.write("CC(C)(C)c1ccc2occ(CC(=O)Nc3ccccc3F)c2c1" + i + "," + gold + "," + (i % 2 == 0 ? gold + 1 : gold - 1) + ",\n");
            }
        }
        return f;
    }

    private static String[] java(String heap, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), heap,
                "-XX:+UseSerialGC", "--add-modules", "jdk.incubator.vector", "-D" + Relaunch.MARKER + "=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    private static String[] run(String heap, String... args) throws Exception {
        Path out = Files.createTempFile("score-out", ".txt"), err = Files.createTempFile("score-err", ".txt");
        try {
            Process p = new ProcessBuilder(java(heap, args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "score did not finish");
            return new String[]{String.valueOf(p.exitValue()), Files.readString(out), Files.readString(err)};
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void regressionOfALargeFileFitsASmallHeap() throws Exception {
        Path f = predictions();
        String[] r = run(REGRESSION_HEAP, "score", "regression", f.toString(), "--gold", "qed", "--json");
        assertEquals("0", r[0], r[2]);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r[1]);
        assertEquals(ROWS, json.get("n").asInt(), r[1]);
        assertEquals(1.0, json.get("mse").asDouble(), 1e-12, r[1]);
        assertEquals(1.0, json.get("mae").asDouble(), 1e-12, r[1]);
        assertFalse(r[2].contains("error"), r[2]);
    }

    @Test
    void classificationOfALargeFileFitsASmallHeap() throws Exception {
        Path f = dir.resolve("classes.csv");
        String[] names = {"a", "b", "c"};
        try (BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
            w.write("smiles,label,prob_a,prob_b,prob_c,prediction,error\n");
            for (int i = 0; i < ROWS; i++) {
                // gold i mod 3; 0.6 on the gold class, except every fourth row, which puts it on the next class
                int gold = i % 3, top = i % 4 == 0 ? (gold + 1) % 3 : gold;
                StringBuilder b = new StringBuilder("CC(C)(C)c1ccc2occ(CC(=O)Nc3ccccc3F)c2c1" + i + "," + names[gold]);
                for (int c = 0; c < 3; c++) b.append(c == top ? ",0.6" : ",0.2");
                w.write(b.append(",").append(names[top]).append(",\n").toString());
            }
        }
        String[] r = run(CLASSIFICATION_HEAP, "score", "classification", f.toString(), "--gold", "label", "--json");
        assertEquals("0", r[0], r[2]);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r[1]);
        assertEquals(ROWS, json.get("n").asInt(), r[1]);
        assertEquals(0.75, json.get("accuracy").asDouble(), 1e-12, r[1]);
        for (String c : names) assertEquals(ROWS / 3, json.get("class_counts").get(c).asInt(), r[1]);
    }
}
