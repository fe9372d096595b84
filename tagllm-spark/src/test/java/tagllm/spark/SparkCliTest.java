package tagllm.spark;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * tagllm spark score through the core's command line (found by ServiceLoader): CSV in, Parquet out, the same
 * numbers as tagllm predict's CSV, every input row present, Parquet input too, and no overwrite without --force.
 */
class SparkCliTest {
    @TempDir
    Path dir;

    record Run(int exit, String err) {}

    static Run tagllm(String... args) {
        CommandLine cl = tagllm.cli.Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return new Run(cl.execute(args), err.toString());
    }

    @Test
    void sparkScoreEqualsPredict() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = new ArrayList<>(Fixtures.smiles(40));
        smiles.add(20, "C".repeat(3000)); // too long: no prediction from either, spark score says why in its error column
        Path in = dir.resolve("in.csv");
        StringBuilder csv = new StringBuilder("smiles\n");
        smiles.forEach(s -> csv.append(s).append('\n'));
        Files.writeString(in, csv);
        Path pred = dir.resolve("pred.csv"), out = dir.resolve("out.parquet"), again = dir.resolve("again.parquet");
        String model = Fixtures.model();

        Run p = tagllm("predict", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", in.toString(), "--output", pred.toString());
        assertEquals(0, p.exit(), p.err());
        Map<String, String> expected = new HashMap<>();
        try (Reader r = Files.newBufferedReader(pred)) {
            // predict keeps a row it cannot score with an empty prediction (and says why in its status column)
            for (CSVRecord rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
                if (!rec.get("prediction").isEmpty()) expected.put(rec.get("smiles"), rec.get("prediction"));
            }
        }
        assertEquals(smiles.size() - 1, expected.size());

        Run s = tagllm("spark", "score", "--master", "local[2]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", out.toString(), "--partitions", "3", "--output-col", "qed_pred");
        assertEquals(0, s.exit(), s.err());
        assertTrue(s.err().contains("wrote " + smiles.size() + " rows (1 with an error"), s.err());
        Run again1 = tagllm("spark", "score", "--master", "local[1]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", out.toString(), "--input-cols", "smiles", "--output-col", "second", "--output", again.toString());
        assertEquals(0, again1.exit(), again1.err());
        Run refused = tagllm("spark", "score", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", out.toString());
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("already exists; use --force"), refused.err());

        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            List<Row> rows = spark.read().parquet(again.toString()).collectAsList();
            assertEquals(smiles.size(), rows.size(), "every input row is in the output");
            for (Row r : rows) {
                String sm = r.getString(r.fieldIndex("smiles"));
                String want = expected.get(sm);
                if (want == null) {
                    assertTrue(r.isNullAt(r.fieldIndex("qed_pred")));
                    assertTrue(r.getString(r.fieldIndex("qed_pred_error")).contains("too long"));
                } else {
                    double v = r.getDouble(r.fieldIndex("qed_pred"));
                    assertEquals(want, String.format(Locale.ROOT, "%.6g", v), sm);
                    // the Parquet input scored again: the same bits
                    assertEquals(Double.doubleToRawLongBits(v), Double.doubleToRawLongBits(r.getDouble(r.fieldIndex("second"))), sm);
                }
            }
        } finally {
            spark.stop();
        }
    }
}
