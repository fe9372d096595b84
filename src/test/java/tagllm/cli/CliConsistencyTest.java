package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.embedded.EmbeddedSamples;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The rules every command follows, on a QED tag trained here on the embedded model and data: results are not
 * overwritten without --force, the output format follows the extension, predict's column is what score reads, a
 * file without splits is "all rows", an experiment file's paths are relative to its folder.
 */
class CliConsistencyTest {
    @TempDir
    static Path dir;
    static Path tags, input;

    @BeforeAll
    static void trainATinyQedTag() throws Exception {
        Path zinc = EmbeddedSamples.data().resolve("smiles/zinc20k.csv");
        // the experiment sits in its own folder and names its data relative to itself; it is run from elsewhere
        Path expDir = Files.createDirectories(dir.resolve("exp"));
        Files.copy(zinc, expDir.resolve("zinc.csv"));
        Files.writeString(expDir.resolve("qed.yaml"), """
                model: %s
                output: run
                tag_length: 2
                defaults: {lr: 0.003, batch_size: 4, max_steps: 3}
                tasks:
                  qed: {preset: QED, data: {path: zinc.csv, max_train: 16, max_eval: 8}, head: {bias: true, standardize: true}}
                stages:
                  - {name: qed, stage: 2, tasks: [qed]}
                """.formatted(EmbeddedSamples.model().toString().replace("\\", "/")));
        CliRun r = CliRun.of("train", expDir.resolve("qed.yaml").toString(), "--quiet");
        assertEquals(0, r.exit(), r.err());
        // stdout is JSON Lines (one summary per stage), so train ... | jq works; "wrote ..." is said on stderr
        assertEquals(List.of("qed"), r.out().strip().lines().map(l -> {
            try {
                return new ObjectMapper().readTree(l).get("stage").asText();
            } catch (java.io.IOException notJson) {
                return "not JSON: " + l;
            }
        }).toList());
        assertTrue(r.err().contains("wrote "), r.err());
        tags = expDir.resolve("run/final.tags.safetensors");
        assertTrue(Files.exists(tags), "output: run resolves against the file's folder");
        // a file without a split column: the first 20 zinc rows, smiles and qed
        List<String> lines = Files.readAllLines(zinc).subList(0, 21);
        StringBuilder b = new StringBuilder("smiles,qed\n");
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            b.append(f[0]).append(',').append(f[1]).append('\n');
        }
        input = Files.writeString(dir.resolve("mols.csv"), b.toString());
    }

    private static CliRun predict(Path output, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("predict", "--model", EmbeddedSamples.model().toString(), "--tags", tags.toString(),
                "--task", "qed", "--input", input.toString(), "--output", output.toString(), "--quiet"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    /**
     * predict's file holds each prediction in full: it reads back as the double the Java API (and so serve and Spark)
     * gives, not rounded (it was written with 6 significant digits).
     */
    @Test
    void predictWritesEachValueSoThatItReadsBackAsTheSameDouble() throws Exception {
        Path csv = dir.resolve("full.csv");
        assertEquals(0, predict(csv).exit());
        List<String> lines = Files.readAllLines(csv);
        {
            var api = tagllm.task.TagPredictor.open(EmbeddedSamples.model().toString(), List.of(tags));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",");
                double want = api.predict("qed", java.util.Map.of("smiles", f[0]));
                assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(Double.parseDouble(f[2])), line + " against " + want);
            }
        }
    }

    @Test
    void predictWritesTheFormatItsExtensionSaysAndScoreReadsItsColumn() throws Exception {
        Path csv = dir.resolve("p.csv"), tsv = dir.resolve("p.tsv"), jsonl = dir.resolve("p.jsonl");
        for (Path p : List.of(csv, tsv, jsonl)) assertEquals(0, predict(p).exit());
        List<String> c = Files.readAllLines(csv), t = Files.readAllLines(tsv), j = Files.readAllLines(jsonl);
        assertEquals("smiles,qed,prediction,error", c.getFirst());
        assertEquals("smiles\tqed\tprediction\terror", t.getFirst());
        assertEquals(21, c.size());
        assertEquals(20, j.size(), "JSONL: one object per row, no header");
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < 20; i++) {
            JsonNode o = om.readTree(j.get(i));
            String[] row = c.get(i + 1).split(",");
            assertEquals(row[0], o.get("smiles").asText());
            assertTrue(o.get("prediction").isNumber(), "the prediction is a JSON number");
            assertEquals(Double.parseDouble(row[2]), o.get("prediction").asDouble(), 0, "same values in every format");
            assertEquals(row[2], t.get(i + 1).split("\t")[2]);
        }
        // score reads predict's column without --pred
        CliRun s = CliRun.of("score", "regression", csv.toString(), "--gold", "qed", "--json");
        assertEquals(0, s.exit(), s.err());
        assertEquals(20, om.readTree(s.out()).get("n").asInt());

        CliRun unknown = predict(dir.resolve("p.out"));
        assertEquals(2, unknown.exit(), unknown.err()); // a usage error: the call lacks --output-format
        assertTrue(unknown.err().contains("--output-format"), unknown.err());
        assertEquals(0, predict(dir.resolve("p.out"), "--output-format", "jsonl").exit());
        assertEquals(20, Files.readAllLines(dir.resolve("p.out")).size());
    }

    @Test
    void resultsAreNotOverwrittenWithoutForce() throws Exception {
        Path out = dir.resolve("once.csv");
        assertEquals(0, predict(out).exit());
        Files.writeString(out, "earlier run\n");
        CliRun again = predict(out);
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("already exists") && again.err().contains("--force"), again.err());
        assertEquals("earlier run\n", Files.readString(out));
        assertEquals(0, predict(out, "--force").exit());
        assertEquals("smiles,qed,prediction,error", Files.readAllLines(out).getFirst());

        Path chem = dir.resolve("chem.csv");
        Files.writeString(chem, "kept\n");
        CliRun c = CliRun.of("chem", "qed", "--input", input.toString(), "--output", chem.toString());
        assertEquals(1, c.exit());
        assertTrue(c.err().contains("--force"), c.err());
        assertEquals("kept\n", Files.readString(chem));
        assertEquals(0, CliRun.of("chem", "qed", "--input", input.toString(), "--output", chem.toString(), "--force").exit());

        CliRun merge = CliRun.of("tags", "merge", tags.toString(), tags.toString(), "-o", chem.toString());
        assertEquals(1, merge.exit());
        assertTrue(merge.err().contains("already exists") && merge.err().contains("--force"), merge.err());
    }

    /** A device such as /dev/stdout or /dev/null always exists, and nothing in it is an earlier result: no --force needed. */
    @Test
    void aDeviceOutputNeedsNoForce() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/null")), "no /dev/null");
        CliRun c = CliRun.of("chem", "qed", "--input", input.toString(), "--output", "/dev/null", "--format", "csv", "--quiet");
        assertEquals(0, c.exit(), c.err());
        CliRun m = CliRun.of("tags", "merge", tags.toString(), tags.toString(), "-o", "/dev/null");
        assertEquals(0, m.exit(), m.err());
        // tags merge -o - (or /dev/stdout) > composed.tags.safetensors: a line on stdout would be appended to the binary file
        assertEquals("", m.out(), "stdout carries the file only");
        assertTrue(m.err().contains("wrote /dev/null: "), m.err());
        CliRun p = predict(Path.of("/dev/null"), "--output-format", "csv");
        assertEquals(0, p.exit(), p.err());
    }

    /**
     * eval --max-rows stops reading once that many rows are scored: its count of rows read was printed as the split's
     * size (bbbp.csv's scaffold test split, 205 rows, --max-rows 40: "42 rows (test split), 40 scored, 2 left out").
     */
    @Test
    void evalMaxRowsSaysHowManyOfTheRowsItRead() {
        CliRun r = CliRun.of("eval", "--model", EmbeddedSamples.model().toString(), "--tags", tags.toString(), "--task", "qed",
                "--input", input.toString(), "--quiet", "--max-rows", "5");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("task qed, all rows, 5 rows"), r.out());
        assertTrue(r.err().contains("5 of 20 rows (all rows) read, to --max-rows 5, 5 scored, 0 left out"), r.err());
        // a cap the file does not reach reads every row, and says so as before
        CliRun all = CliRun.of("eval", "--model", EmbeddedSamples.model().toString(), "--tags", tags.toString(), "--task", "qed",
                "--input", input.toString(), "--quiet", "--max-rows", "20");
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.err().contains(": 20 rows (all rows), 20 scored, 0 left out"), all.err());
    }

    /** --max-tokens bounds a text task's generated tokens: on a regression task predict and eval accepted it and generated nothing. */
    @Test
    void maxTokensOnATaskThatGeneratesNothingIsAUsageError(@TempDir Path dir) {
        for (String command : List.of("predict", "eval")) {
            List<String> args = new java.util.ArrayList<>(List.of(command, "--model", EmbeddedSamples.model().toString(), "--tags",
                    tags.toString(), "--task", "qed", "--input", input.toString(), "--quiet", "--max-tokens", "5"));
            if (command.equals("predict")) args.addAll(List.of("--output", dir.resolve("p.csv").toString()));
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().startsWith("--max-tokens: task qed is a regression task, read through its head; only a text task generates"
                    + " tokens"), r.err());
            assertFalse(Files.exists(dir.resolve("p.csv")), "nothing written");
        }
    }

    @Test
    void evalOnAFileWithoutSplitsSaysAllRows() {
        CliRun r = CliRun.of("eval", "--model", EmbeddedSamples.model().toString(), "--tags", tags.toString(), "--task", "qed",
                "--input", input.toString(), "--quiet");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("task qed, all rows, 20 rows"), r.out());
        assertTrue(r.err().contains("all rows are scored"), r.err());
        assertFalse((r.out() + r.err()).contains("test split"), r.out() + r.err());
        assertTrue(r.err().contains("20 scored, 0 left out\n") || r.err().contains("20 scored, 0 left out" + System.lineSeparator()), r.err());
        // a split asked for by name that the file cannot give is refused: every row would include the training rows
        for (String[] asked : List.of(new String[]{"--split-column", "fold"}, new String[]{"--split", "valid"})) {
            CliRun named = CliRun.of("eval", "--model", EmbeddedSamples.model().toString(), "--tags", tags.toString(), "--task", "qed",
                    "--input", input.toString(), "--quiet", asked[0], asked[1]);
            assertEquals(1, named.exit(), named.err());
            assertTrue(named.err().contains("cannot be honoured"), named.err());
        }
        CliRun negative = CliRun.of("eval", "--model", EmbeddedSamples.model().toString(), "--tags", tags.toString(), "--task", "qed",
                "--input", input.toString(), "--quiet", "--max-rows", "-3");
        assertEquals(2, negative.exit(), negative.err()); // a usage error
        assertTrue(negative.err().contains("--max-rows: expected 0 (all) or more, got -3"), negative.err());
    }
}
