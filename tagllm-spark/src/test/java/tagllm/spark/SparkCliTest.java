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

    /**
     * spark score's prediction_error for a row predict gave {@code predictError} (docs/spark.md, one rule): a failed
     * row's reason without predict's "line N: ", which a Spark row does not know; a note on a predicted row (the
     * context stopped its output) as it is. Fails when a failed row's error in predict does not name its line.
     */
    static String sparkError(String predictError) {
        if (predictError.startsWith("output stopped") || predictError.startsWith("truncated")) return predictError;
        assertTrue(predictError.matches("(?s)line [1-9][0-9]*: .+"), () -> "predict's error of a failed row names its line: " + predictError);
        return predictError.substring(predictError.indexOf(": ") + 2);
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
                    // predict writes the shortest text that reads back as the same double: the same bits
                    assertEquals(Double.doubleToRawLongBits(Double.parseDouble(want)), Double.doubleToRawLongBits(v), () -> sm + ": " + want + " vs " + v);
                    // the Parquet input scored again: the same bits
                    assertEquals(Double.doubleToRawLongBits(v), Double.doubleToRawLongBits(r.getDouble(r.fieldIndex("second"))), sm);
                }
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * Rows predict refuses get an error from spark score too, with predict's words, instead of a number: an invalid
     * or empty SMILES, a protein with a digit, a record with more or fewer fields than the header (which Spark's CSV
     * reader would cut or pad silently). The reference is predict's CSV of the same file, row by row.
     */
    @Test
    void rowsPredictRefusesGetItsErrorNotANumber() throws Exception {
        Path tags = Fixtures.baTags(dir);
        String protein = "MKTAYIAKQRQISFVKSHFSRQ";
        List<String> smiles = Fixtures.smiles(2);
        Path in = dir.resolve("bad.csv");
        // id 6 has 4 fields, id 7 has 2, under a 3-column header; id 9 spans two lines inside its quotes (one record)
        Files.writeString(in, "id,protein_seq,smiles\n"
                + "1," + protein + "," + smiles.get(0) + "\n"
                + "2," + protein + ",notasmiles((\n"
                + "3," + protein + ",\n"
                + "4,MKT1AY," + smiles.get(0) + "\n"
                + "5," + protein + ",\"C C\"\n"
                + "6," + protein + ",CC,extra\n"
                + "7," + protein + "\n"
                + "8,," + smiles.get(1) + "\n"
                + "9,\"MKT\nAY\",CCO\n"
                + "10," + protein + "," + smiles.get(1) + "\n");
        List<String> ids = List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10"); // predict's output rows, in order
        Path pred = dir.resolve("bad-pred.csv"), out = dir.resolve("bad.parquet");
        String model = Fixtures.model();
        Run p = tagllm("predict", "-q", "--model", model, "--tags", tags.toString(), "--task", "BA", "--input", in.toString(),
                "--output", pred.toString());
        assertEquals(0, p.exit(), p.err());
        List<CSVRecord> predicted;
        try (Reader r = Files.newBufferedReader(pred)) {
            predicted = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r).getRecords();
        }
        assertEquals(ids.size(), predicted.size());
        int refused = 0;
        for (CSVRecord rec : predicted) if (!rec.get("error").isEmpty()) refused++;
        assertEquals(8, refused, "predict refuses all but rows 1 and 10: " + predicted);

        Run s = tagllm("spark", "score", "--master", "local[2]", "--model", model, "--tags", tags.toString(), "--task", "BA",
                "--input", in.toString(), "--output", out.toString(), "--partitions", "2");
        assertEquals(0, s.exit(), s.err());
        assertTrue(s.err().contains("wrote 10 rows (8 with an error"), s.err());
        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            Map<String, Row> scored = new HashMap<>();
            for (Row r : spark.read().parquet(out.toString()).collectAsList()) scored.put(r.getString(r.fieldIndex("id")), r);
            assertEquals(List.of("id", "protein_seq", "smiles", "prediction", "prediction_error"),
                    List.of(spark.read().parquet(out.toString()).columns()), "the read-error column is not written");
            for (int k = 0; k < ids.size(); k++) {
                String id = ids.get(k), want = predicted.get(k).get("prediction"), wantError = predicted.get(k).get("error");
                Row r = scored.get(id);
                assertNotNull(r, "row " + id + " is in the output");
                if (wantError.isEmpty()) {
                    assertTrue(r.isNullAt(r.fieldIndex("prediction_error")), () -> id + ": " + r);
                    assertEquals(Double.doubleToRawLongBits(Double.parseDouble(want)), Double.doubleToRawLongBits(r.getDouble(r.fieldIndex("prediction"))),
                            () -> id + ": " + want + " vs " + r);
                } else {
                    assertTrue(r.isNullAt(r.fieldIndex("prediction")), () -> id + " has no prediction: " + r);
                    String error = r.getString(r.fieldIndex("prediction_error"));
                    // predict names the file's line of a record it cannot read; Spark knows no line numbers
                    assertEquals(sparkError(wantError), error, id);
                }
            }
            assertTrue(scored.get("6").getString(scored.get("6").fieldIndex("prediction_error")).contains("got 4"));
        } finally {
            spark.stop();
        }
    }

    /**
     * --input-cols with a column named otherwise than the template's placeholder (a SMILES column 'mol'): in the
     * template's order (--input-cols mol) or mapped as predict's --column (--input-cols smiles=mol), every row gets
     * the bits of predict --column smiles=mol on the same file, and a bad SMILES predict's error. The old scorer
     * keyed the fields by 'mol' where the renderer looked up 'smiles': every row got "missing column" errors.
     */
    @Test
    void inputColsReadsAColumnNamedOtherwiseAsPredictsColumnOption() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = new ArrayList<>(Fixtures.smiles(12));
        smiles.add(5, "C C");
        Path in = idCsv(dir.resolve("mol.csv"), "mol", smiles);
        String model = Fixtures.model();
        Path pred = dir.resolve("mol-pred.csv");
        Run p = tagllm("predict", "-q", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", in.toString(),
                "--column", "smiles=mol", "--output", pred.toString());
        assertEquals(0, p.exit(), p.err());
        Map<String, CSVRecord> predicted = byId(pred).rows();
        assertEquals(smiles.size(), predicted.size());
        assertTrue(sparkError(predicted.get("5").get("error")).startsWith("mol: invalid SMILES 'C C'"), predicted.get("5").toString());

        List<Path> outs = new ArrayList<>();
        for (String cols : List.of("mol", "smiles=mol")) {
            Path out = dir.resolve("mol-" + outs.size() + ".parquet");
            Run s = tagllm("spark", "score", "--master", "local[2]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                    "--input", in.toString(), "--input-cols", cols, "--output", out.toString(), "--partitions", "2");
            assertEquals(0, s.exit(), s.err());
            assertTrue(s.err().contains("wrote " + smiles.size() + " rows (1 with an error"), cols + ": " + s.err());
            outs.add(out);
        }
        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            for (Path out : outs) {
                List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
                assertEquals(smiles.size(), rows.size());
                for (Row r : rows) {
                    CSVRecord want = predicted.get(r.getString(r.fieldIndex("id")));
                    if (want.get("error").isEmpty()) {
                        assertTrue(r.isNullAt(r.fieldIndex("prediction_error")), () -> out + ": " + r);
                        // predict writes the shortest text that reads back as the same double
                        assertEquals(Double.doubleToRawLongBits(Double.parseDouble(want.get("prediction"))),
                                Double.doubleToRawLongBits(r.getDouble(r.fieldIndex("prediction"))), () -> out + ": " + r);
                    } else {
                        assertTrue(r.isNullAt(r.fieldIndex("prediction")), () -> out + ": " + r);
                        assertEquals(sparkError(want.get("error")), r.getString(r.fieldIndex("prediction_error")), () -> out + ": " + r);
                    }
                }
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * A column whose name holds a comma: --input-cols split every value at each comma, so '"mol, salt"' was two
     * columns for QED's one placeholder and no such column could be named. Each value is now a CSV record, a name in
     * double quotes; the reference is predict --column 'smiles=mol, salt' on the same file, to the bit. The plain list
     * reads as before, repeated values add up, a column the data lacks is named beside the data's columns as
     * --input-cols takes them, and a value that is no CSV record is a usage error.
     */
    @Test
    void inputColsNamesAColumnWithACommaQuotedAsInCsv() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = new ArrayList<>(Fixtures.smiles(6));
        smiles.add(2, "C C");
        Path in = idCsv(dir.resolve("salt.csv"), "\"mol, salt\"", smiles);
        String model = Fixtures.model();
        Path pred = dir.resolve("salt-pred.csv");
        Run p = tagllm("predict", "-q", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", in.toString(),
                "--column", "smiles=mol, salt", "--output", pred.toString());
        assertEquals(0, p.exit(), p.err());
        Map<String, CSVRecord> predicted = byId(pred).rows();
        assertTrue(sparkError(predicted.get("2").get("error")).startsWith("mol, salt: invalid SMILES 'C C'"), predicted.get("2").toString());

        List<Path> outs = new ArrayList<>();
        for (String cols : List.of("\"mol, salt\"", "\"smiles=mol, salt\"")) {
            Path out = dir.resolve("salt-" + outs.size() + ".parquet");
            Run s = tagllm("spark", "score", "--master", "local[1]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                    "--input", in.toString(), "--input-cols", cols, "--output", out.toString());
            assertEquals(0, s.exit(), cols + ": " + s.err());
            outs.add(out);
        }
        Run unknown = tagllm("spark", "score", "--master", "local[1]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--input-cols", "\"mol,salt\"", "--output", dir.resolve("none.parquet").toString());
        assertEquals(1, unknown.exit(), unknown.err());
        assertTrue(unknown.err().contains("input column 'mol,salt' is not in the data (it has: id, \"mol, salt\")"), unknown.err());
        Run unclosed = tagllm("spark", "score", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--input-cols", "\"mol, salt", "--output", dir.resolve("none.parquet").toString());
        assertEquals(2, unclosed.exit(), unclosed.err());
        assertTrue(unclosed.err().contains("--input-cols \"mol, salt: not a comma-separated list of columns"), unclosed.err());
        assertEquals(List.of("prot", "drug"), InputColumns.parse(List.of("prot,drug")));
        assertEquals(List.of("prot", "drug", "a\"b"), InputColumns.parse(List.of("prot", "drug", "\"a\"\"b\"")));

        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            for (Path out : outs) {
                List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
                assertEquals(smiles.size(), rows.size());
                for (Row r : rows) {
                    CSVRecord want = predicted.get(r.getString(r.fieldIndex("id")));
                    if (want.get("error").isEmpty()) {
                        assertTrue(r.isNullAt(r.fieldIndex("prediction_error")), () -> out + ": " + r);
                        assertEquals(Double.doubleToRawLongBits(Double.parseDouble(want.get("prediction"))),
                                Double.doubleToRawLongBits(r.getDouble(r.fieldIndex("prediction"))), () -> out + ": " + r);
                    } else {
                        assertEquals(sparkError(want.get("error")), r.getString(r.fieldIndex("prediction_error")), () -> out + ": " + r);
                    }
                }
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * --source-cols: Spark writes rows in its own order, and the output of a file without an id column could not be
     * joined back to its input. Each row now names its file (_file) and its place in it (_row, 1 for the first row;
     * the header and a blank line not counted, a record spanning lines counted once). The reference is predict's CSV of
     * each file alone, in the file's order: row _row of it has the same prediction bits or error. Two CSV files, three
     * partitions; then a Parquet file of one partition, whose rows come in the order written; an input that has a
     * _file column is refused.
     */
    @Test
    void sourceColsJoinEachOutputRowBackToItsFileAndRow() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = new ArrayList<>(Fixtures.smiles(9));
        smiles.set(3, "C C");
        Path folder = Files.createDirectories(dir.resolve("src"));
        Files.writeString(folder.resolve("a.csv"), "smiles,note\n" + smiles.get(0) + ",x\n\n" + smiles.get(1) + ",\"two\nlines\"\n"
                + smiles.get(2) + ",y\n" + smiles.get(3) + ",z\n");
        StringBuilder b = new StringBuilder("smiles,note\n");
        for (int i = 4; i < smiles.size(); i++) b.append(smiles.get(i)).append(",n").append(i).append('\n');
        Files.writeString(folder.resolve("b.csv"), b);
        String model = Fixtures.model();
        Map<String, List<CSVRecord>> predicted = new HashMap<>();
        for (String f : List.of("a.csv", "b.csv")) {
            Path pred = dir.resolve("pred-" + f);
            Run p = tagllm("predict", "-q", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", folder.resolve(f).toString(),
                    "--output", pred.toString());
            assertEquals(0, p.exit(), p.err());
            try (Reader r = Files.newBufferedReader(pred)) {
                predicted.put(f, CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r).getRecords());
            }
        }
        assertEquals(4, predicted.get("a.csv").size());
        Path out = dir.resolve("src.parquet");
        Run s = tagllm("spark", "score", "--master", "local[2]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", folder.toString(), "--format", "csv", "--source-cols", "--partitions", "3", "--output", out.toString());
        assertEquals(0, s.exit(), s.err());
        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            org.apache.spark.sql.Dataset<Row> written = spark.read().parquet(out.toString());
            assertEquals(List.of("smiles", "note", "_file", "_row", "prediction", "prediction_error"), List.of(written.columns()));
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (Row r : written.collectAsList()) {
                String file = r.getString(r.fieldIndex("_file"));
                assertTrue(file.startsWith("file:/") && file.endsWith("/src/a.csv") || file.endsWith("/src/b.csv"), file);
                String name = file.substring(file.lastIndexOf('/') + 1);
                long row = r.getLong(r.fieldIndex("_row"));
                assertTrue(seen.add(name + ":" + row), "once: " + name + ":" + row);
                CSVRecord want = predicted.get(name).get((int) row - 1);
                assertEquals(want.get("smiles"), r.getString(r.fieldIndex("smiles")));
                assertEquals(want.get("note"), r.getString(r.fieldIndex("note")));
                if (want.get("error").isEmpty()) {
                    assertEquals(Double.doubleToRawLongBits(Double.parseDouble(want.get("prediction"))),
                            Double.doubleToRawLongBits(r.getDouble(r.fieldIndex("prediction"))), r::toString);
                } else {
                    assertEquals(sparkError(want.get("error")), r.getString(r.fieldIndex("prediction_error")), r::toString);
                }
            }
            assertEquals(smiles.size(), seen.size());

            Path pq = dir.resolve("in.parquet");
            written.select("smiles", "note").orderBy("note").coalesce(1).write().parquet(pq.toString());
            List<String> order = new ArrayList<>();
            for (Row r : spark.read().parquet(pq.toString()).collectAsList()) order.add(r.getString(0));
            Path pqOut = dir.resolve("pq-out.parquet");
            Run q = tagllm("spark", "score", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", pq.toString(),
                    "--source-cols", "--partitions", "3", "--output", pqOut.toString());
            assertEquals(0, q.exit(), q.err());
            for (Row r : spark.read().parquet(pqOut.toString()).collectAsList()) {
                assertEquals(order.get((int) r.getLong(r.fieldIndex("_row")) - 1), r.getString(r.fieldIndex("smiles")), r::toString);
            }

            Run again = tagllm("spark", "score", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", out.toString(),
                    "--source-cols", "--output", dir.resolve("again.parquet").toString());
            assertEquals(1, again.exit(), again.err());
            assertTrue(again.err().contains("--source-cols: the input already has a column '_file'"), again.err());
        } finally {
            spark.stop();
        }
    }

    /**
     * A head whose output overflows (a valid tag file: every number finite, Fixtures.overflowingQedTags): predict
     * gives such a row no prediction and "the model gave a non-finite value (Infinity)"; spark score gives each row
     * the same. The old scorer wrote the infinity as the prediction with a null error.
     */
    @Test
    void aNonFiniteOutputIsAnErrorAsInPredict() throws Exception {
        Path tags = Fixtures.overflowingQedTags(dir);
        List<String> smiles = new ArrayList<>(Fixtures.smiles(6));
        smiles.add(2, "C C");
        Path in = idCsv(dir.resolve("inf.csv"), "smiles", smiles);
        String model = Fixtures.model();
        Path pred = dir.resolve("inf-pred.csv"), out = dir.resolve("inf.parquet");
        Run p = tagllm("predict", "-q", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", in.toString(),
                "--output", pred.toString());
        assertEquals(0, p.exit(), p.err());
        Map<String, CSVRecord> predicted = byId(pred).rows();
        assertEquals(smiles.size(), predicted.size());
        for (CSVRecord rec : predicted.values()) {
            assertEquals("", rec.get("prediction"), rec.toString());
            if (!rec.get("id").equals("2")) assertTrue(sparkError(rec.get("error")).matches("the model gave a non-finite value \\(-?Infinity\\)"), rec.toString());
        }

        Run s = tagllm("spark", "score", "--master", "local[2]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", out.toString(), "--partitions", "2");
        assertEquals(0, s.exit(), s.err());
        assertTrue(s.err().contains("wrote " + smiles.size() + " rows (" + smiles.size() + " with an error"), s.err());
        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
            assertEquals(smiles.size(), rows.size());
            for (Row r : rows) {
                CSVRecord want = predicted.get(r.getString(r.fieldIndex("id")));
                assertTrue(r.isNullAt(r.fieldIndex("prediction")), r::toString);
                assertEquals(sparkError(want.get("error")), r.getString(r.fieldIndex("prediction_error")), r::toString);
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * A model whose normed hidden state overflows a float (Fixtures.overflowingModel) gives NaN class probabilities for
     * every molecule; predict gives such a row empty probability and prediction columns and "the model gave non-finite
     * class probabilities [NaN, ...]" as its error, and counts it with an error. spark score gives each row the same,
     * for the binary, softmax and multi-label tasks. The old scorer wrote the NaN probabilities and a class (argmax over
     * NaN: the first) with a null error.
     */
    @Test
    void nonFiniteClassProbabilitiesAreAnErrorAsInPredict() throws Exception {
        Path model = Fixtures.overflowingModel(dir);
        Path tags = Fixtures.overflowingClassificationTags(dir, model);
        List<String> smiles = new ArrayList<>(Fixtures.smiles(5));
        smiles.add(2, "C C");
        Path in = idCsv(dir.resolve("nan.csv"), "smiles", smiles);
        SparkSession spark = null;
        try {
            for (String task : Fixtures.CLASSIFICATION_TASKS) {
                Path pred = dir.resolve(task + "-nan-pred.csv"), out = dir.resolve(task + "-nan.parquet");
                Run p = tagllm("predict", "--model", model.toString(), "--tags", tags.toString(), "--task", task, "--input", in.toString(),
                        "--output", pred.toString());
                assertEquals(0, p.exit(), p.err());
                assertTrue(p.err().contains(smiles.size() + " rows, 0 predicted, " + smiles.size() + " with an error"), task + ": " + p.err());
                ById read = byId(pred);
                Map<String, CSVRecord> predicted = read.rows();
                assertEquals(smiles.size(), predicted.size());
                List<String> probs = read.header().stream().filter(c -> c.startsWith("prob_")).toList();
                assertEquals(task.equals("bbbp") ? 2 : 3, probs.size(), read.header()::toString);
                for (CSVRecord rec : predicted.values()) {
                    for (String c : probs) assertEquals("", rec.get(c), rec::toString);
                    assertEquals("", rec.get("prediction"), rec::toString);
                    if (!rec.get("id").equals("2")) {
                        assertTrue(sparkError(rec.get("error")).matches("the model gave non-finite class probabilities \\[NaN(, NaN)+\\]"), rec::toString);
                    }
                }

                Run s = tagllm("spark", "score", "--master", "local[2]", "--model", model.toString(), "--tags", tags.toString(), "--task", task,
                        "--input", in.toString(), "--output", out.toString(), "--partitions", "2");
                assertEquals(0, s.exit(), s.err());
                assertTrue(s.err().contains("wrote " + smiles.size() + " rows (" + smiles.size() + " with an error"), task + ": " + s.err());
                if (spark == null) spark = Sessions.start("local[1]", "read back", Map.of());
                List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
                assertEquals(smiles.size(), rows.size(), "every input row is in the output");
                java.util.Set<String> ids = new java.util.HashSet<>();
                for (Row r : rows) {
                    CSVRecord want = predicted.get(r.getString(r.fieldIndex("id")));
                    ids.add(want.get("id"));
                    for (String c : probs) assertTrue(r.isNullAt(r.fieldIndex(c)), () -> task + " " + c + ": " + r);
                    assertTrue(r.isNullAt(r.fieldIndex("prediction")), () -> task + ": " + r);
                    assertEquals(sparkError(want.get("error")), r.getString(r.fieldIndex("prediction_error")), () -> task + ": " + r);
                }
                assertEquals(predicted.keySet(), ids, task);
            }
        } finally {
            if (spark != null) spark.stop();
        }
    }

    /**
     * Classification tasks (binary, three classes, three labels: Fixtures.classificationTags) get predict's columns
     * and values: a prob_CLASS double per class with the bits of predict's text, then the predicted class (for
     * multi-label the labels with p >= 0.5, ';'-joined, possibly none) in the prediction column, and predict's error
     * for the rows it refuses. Every row of the Parquet against predict's CSV of the same file. The old scorer sent
     * every task that was not regression through text generation: a string of generated text, no probabilities.
     */
    @Test
    void classificationGetsPredictsClassAndProbabilities() throws Exception {
        Path tags = Fixtures.classificationTags(dir);
        List<String> smiles = new ArrayList<>(Fixtures.smiles(16));
        smiles.add(3, "C C");
        smiles.add(7, "");
        smiles.add(11, "C".repeat(3000));
        Path in = idCsv(dir.resolve("cls.csv"), "smiles", smiles);
        String model = Fixtures.model();
        SparkSession spark = null;
        try {
            for (String task : Fixtures.CLASSIFICATION_TASKS) {
                Path pred = dir.resolve(task + "-pred.csv"), out = dir.resolve(task + ".parquet");
                Run p = tagllm("predict", "-q", "--model", model, "--tags", tags.toString(), "--task", task, "--input", in.toString(),
                        "--output", pred.toString());
                assertEquals(0, p.exit(), p.err());
                ById read = byId(pred);
                List<String> header = read.header();
                Map<String, CSVRecord> predicted = read.rows();
                assertEquals(smiles.size(), predicted.size());
                List<String> probs = header.stream().filter(c -> c.startsWith("prob_")).toList();
                assertEquals(task.equals("bbbp") ? 2 : 3, probs.size(), header::toString);

                Run s = tagllm("spark", "score", "--master", "local[2]", "--model", model, "--tags", tags.toString(), "--task", task,
                        "--input", in.toString(), "--output", out.toString(), "--partitions", "2");
                assertEquals(0, s.exit(), s.err());
                assertTrue(s.err().contains("wrote " + smiles.size() + " rows (3 with an error"), task + ": " + s.err());
                if (spark == null) spark = Sessions.start("local[1]", "read back", Map.of());
                var written = spark.read().parquet(out.toString());
                List<String> want = new ArrayList<>(header);
                want.set(want.indexOf("error"), "prediction_error");
                assertEquals(want, List.of(written.columns()), task + ": predict's columns, in its order");
                List<Row> rows = written.collectAsList();
                assertEquals(smiles.size(), rows.size());
                java.util.Set<String> classes = new java.util.HashSet<>();
                for (Row r : rows) {
                    CSVRecord rec = predicted.get(r.getString(r.fieldIndex("id")));
                    if (rec.get("error").isEmpty()) {
                        assertTrue(r.isNullAt(r.fieldIndex("prediction_error")), () -> task + ": " + r);
                        for (String c : probs) {
                            // predict writes the shortest text that reads back as the same double
                            assertEquals(Double.doubleToRawLongBits(Double.parseDouble(rec.get(c))), Double.doubleToRawLongBits(r.getDouble(r.fieldIndex(c))),
                                    () -> task + " " + c + ": " + rec + " vs " + r);
                        }
                        assertEquals(rec.get("prediction"), r.getString(r.fieldIndex("prediction")), () -> task + ": " + r);
                        classes.add(rec.get("prediction"));
                    } else {
                        for (String c : probs) assertTrue(r.isNullAt(r.fieldIndex(c)), () -> task + ": " + r);
                        assertTrue(r.isNullAt(r.fieldIndex("prediction")), () -> task + ": " + r);
                        assertEquals(sparkError(rec.get("error")), r.getString(r.fieldIndex("prediction_error")), () -> task + ": " + r);
                    }
                }
                // the biased heads (Fixtures) give each class; the multi-label task rows with no label and with several
                if (task.equals("tox")) {
                    assertTrue(classes.contains("") && classes.stream().anyMatch(c -> c.contains(";")), task + ": " + classes);
                } else {
                    assertEquals(probs.size(), classes.size(), task + ": " + classes);
                }
            }
        } finally {
            if (spark != null) spark.stop();
        }
    }

    /**
     * A text task (Translate:en-fr) gets predict's output and error row by row: a short source its generated text, one
     * whose prompt leaves a single position of the model's context its one-token output with predict's note
     * "output stopped at the model's context of 512 after 1 of --max-tokens 20 tokens" (a prediction, not a failure),
     * and prompts that fill the context or pass it no output and predict's "too long" reason. The old scorer gave the
     * cut output without the note, so it looked like one the model had ended itself, as predict did before it said so.
     */
    @Test
    void aTextTaskGetsPredictsOutputsAndItsNoteForAnOutputCutByTheContext() throws Exception {
        Path tags = Fixtures.translateTags(dir);
        String model = Fixtures.model();
        var m = tagllm.model.Model.load(model);
        int context = m.config().maxPositions();
        var unlimited = new tagllm.task.ExampleRenderer(tagllm.task.Presets.get("Translate:en-fr", "test"), tagllm.tag.TagFile.read(tags),
                new tagllm.tag.TokenizerEncoder(m.tokenizer()), Integer.MAX_VALUE);
        // sources whose prompt leaves one position of the context, and none
        String near = null, full = null;
        for (int n = 300; n < 600 && (near == null || full == null); n++) {
            String src = "x".repeat(n);
            int length = unlimited.prompt(tagllm.data.Row.of("in", 1, Map.of("src", src))).sequence().length();
            if (length == context - 1) near = src;
            if (length == context) full = src;
        }
        assertNotNull(near);
        assertNotNull(full);
        Path in = idCsv(dir.resolve("text.csv"), "src", List.of("Hello.", near, full, "x".repeat(2000), "The cat sleeps."));
        Path pred = dir.resolve("text-pred.csv"), out = dir.resolve("text.parquet");
        Run p = tagllm("predict", "-q", "--model", model, "--tags", tags.toString(), "--task", "Translate:en-fr", "--input", in.toString(),
                "--output", pred.toString(), "--max-tokens", "20");
        assertEquals(0, p.exit(), p.err());
        Map<String, CSVRecord> predicted = byId(pred).rows();
        assertEquals("output stopped at the model's context of " + context + " after 1 of --max-tokens 20 tokens", predicted.get("1").get("error"));
        assertTrue(sparkError(predicted.get("2").get("error")).startsWith("too long"), predicted.get("2").toString());
        assertTrue(sparkError(predicted.get("3").get("error")).startsWith("too long"), predicted.get("3").toString());

        Run s = tagllm("spark", "score", "--master", "local[2]", "--model", model, "--tags", tags.toString(), "--task", "Translate:en-fr",
                "--input", in.toString(), "--output", out.toString(), "--partitions", "2", "--max-tokens", "20");
        assertEquals(0, s.exit(), s.err());
        // as predict counts them: the cut output is a prediction, with a note
        assertTrue(s.err().contains("wrote 5 rows (2 with an error in prediction_error)"), s.err());
        assertTrue(s.err().contains("note: the output of 1 row stopped at the end of the model's context before --max-tokens 20"), s.err());
        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
            assertEquals(predicted.size(), rows.size(), "every input row is in the output");
            for (Row r : rows) {
                CSVRecord want = predicted.get(r.getString(r.fieldIndex("id")));
                String error = want.get("error");
                if (error.isEmpty()) {
                    assertTrue(r.isNullAt(r.fieldIndex("prediction_error")), r::toString);
                } else {
                    assertEquals(sparkError(error), r.getString(r.fieldIndex("prediction_error")), r::toString);
                }
                if (error.isEmpty() || error.startsWith("output stopped")) {
                    assertEquals(want.get("output"), r.getString(r.fieldIndex("prediction")), r::toString);
                } else {
                    assertTrue(r.isNullAt(r.fieldIndex("prediction")), r::toString);
                }
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * --input as Spark takes it: a file: URI and a glob over two files (docs/spark.md's cluster example reads
     * hdfs:///...). The old command looked each one up as a local path, found none, and refused it ("input not
     * found") before Spark could read it. A plain path that does not exist is still refused at once.
     */
    @Test
    void inputMayBeAUriOrAGlobAsSparkReadsThem() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = Fixtures.smiles(3);
        Files.createDirectories(dir.resolve("in"));
        Path a = idCsv(dir.resolve("in/a.csv"), "smiles", smiles.subList(0, 2));
        idCsv(dir.resolve("in/b.csv"), "smiles", smiles.subList(2, 3));
        String model = Fixtures.model();
        Run uri = tagllm("spark", "score", "--master", "local[1]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", a.toUri().toString(), "--output", dir.resolve("uri.parquet").toString());
        assertEquals(0, uri.exit(), uri.err());
        assertTrue(uri.err().contains("wrote 2 rows (0 with an error"), uri.err());
        Run glob = tagllm("spark", "score", "--master", "local[1]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", dir.resolve("in") + "/*.csv", "--output", dir.resolve("glob.parquet").toString());
        assertEquals(0, glob.exit(), glob.err());
        assertTrue(glob.err().contains("wrote 3 rows (0 with an error"), glob.err());
        Run missing = tagllm("spark", "score", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", dir.resolve("nope.csv").toString(), "--output", dir.resolve("nope.parquet").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("nope.csv: input not found"), missing.err());
    }

    /**
     * A file whose name holds glob characters. Spark's readers glob every path they are given, so the old command read
     * run[1].csv as the pattern matching run1.csv: beside such a decoy it scored the decoy's rows, and without one it
     * failed with "no file matches". A Parquet input is now read as itself, given as written or matched by a glob
     * (checked against predict on the same rows). A CSV input is refused naming the file: Spark's multi-line CSV
     * reader infers the header through Hadoop's FileInputFormat, which globs the name once more whatever the escaping.
     */
    @Test
    void aFileNamedWithGlobCharactersIsThatFileOrRefused() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = Fixtures.smiles(5);
        String model = Fixtures.model();
        Files.createDirectories(dir.resolve("g"));
        Path bracketed = idCsv(dir.resolve("g/run[1].csv"), "smiles", smiles.subList(0, 3));
        Path decoy = idCsv(dir.resolve("g/run1.csv"), "smiles", smiles.subList(3, 5)); // what the pattern run[1].csv matches
        Run csv = tagllm("spark", "score", "--master", "local[1]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", bracketed.toString(), "--output", dir.resolve("bracket-csv.parquet").toString());
        assertEquals(1, csv.exit(), csv.err());
        assertTrue(csv.err().contains("run[1].csv: Spark's CSV reader takes a path holding [, ], {, }, *, ? or \\ as a pattern"), csv.err());
        assertFalse(Files.exists(dir.resolve("bracket-csv.parquet")));

        Path pred = dir.resolve("bracket-pred.csv");
        Run p = tagllm("predict", "-q", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", bracketed.toString(),
                "--output", pred.toString());
        assertEquals(0, p.exit(), p.err());
        Map<String, Double> expected = new HashMap<>();
        byId(pred).rows().forEach((id, r) -> expected.put(id, Double.parseDouble(r.get("prediction"))));
        Files.createDirectories(dir.resolve("pq"));
        Path parquet = dir.resolve("pq/run[1].parquet");
        SparkSession spark = Sessions.start("local[1]", "write inputs", Map.of());
        try {
            Files.copy(bracketed, dir.resolve("plain-in.csv"));
            spark.read().option("header", true).csv(dir.resolve("plain-in.csv").toString()).write().parquet(parquet.toString());
            spark.read().option("header", true).csv(decoy.toString()).write().parquet(dir.resolve("pq/run1.parquet").toString());
        } finally {
            spark.stop();
        }
        Run asWritten = tagllm("spark", "score", "--master", "local[1]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", parquet.toString(), "--output", dir.resolve("bracket.parquet").toString());
        assertEquals(0, asWritten.exit(), asWritten.err());
        assertTrue(asWritten.err().contains("wrote 3 rows (0 with an error"), asWritten.err());
        assertEquals(expected, predictionsById(dir.resolve("bracket.parquet")));
        // matched by a glob: each match is read as itself, not as a pattern again
        Run glob = tagllm("spark", "score", "--master", "local[1]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", dir.resolve("pq") + "/run?1?.parquet", "--output", dir.resolve("bracket-glob.parquet").toString());
        assertEquals(0, glob.exit(), glob.err());
        assertTrue(glob.err().contains("wrote 3 rows (0 with an error"), glob.err());
        assertEquals(expected, predictionsById(dir.resolve("bracket-glob.parquet")));
    }

    /**
     * A CSV input whose path holds a backslash, or a folder named with glob characters: Spark's multi-line CSV reader
     * infers the header through Hadoop's FileInputFormat, which takes the file's whole path as a pattern, where a
     * backslash escapes the next character. The old check looked at the file's name for [ ] { } * ? only, so
     * a\b.csv took its header from the decoy ab.csv (the rows then read under another file's column names), and
     * d[1]/in.csv from d1/in.csv ("input column 'smiles' is not in the data (it has: id, _corrupt_record)").
     * Both are refused naming the file, before any job, and nothing is written.
     */
    @Test
    void aCsvPathWithABackslashOrABracketedFolderIsRefused() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = Fixtures.smiles(3);
        Files.createDirectories(dir.resolve("b"));
        Path backslashed = idCsv(dir.resolve("b/a\\b.csv"), "smiles", smiles);
        Files.writeString(dir.resolve("b/ab.csv"), "name\n7\n"); // what the pattern a\b.csv matches
        Files.createDirectories(dir.resolve("d[1]"));
        Files.createDirectories(dir.resolve("d1"));
        Path inBracketedFolder = idCsv(dir.resolve("d[1]/in.csv"), "smiles", smiles);
        Files.writeString(dir.resolve("d1/in.csv"), "name\n7\n"); // what the pattern d[1]/in.csv matches
        for (Path in : List.of(backslashed, inBracketedFolder)) {
            Path out = dir.resolve("refused.parquet");
            Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                    "--input", in.toString(), "--output", out.toString());
            assertEquals(1, s.exit(), s.err());
            assertTrue(s.err().contains(in.getFileName() + ": Spark's CSV reader takes a path holding [, ], {, }, *, ? or \\ as a pattern"), s.err());
            assertFalse(Files.exists(out));
        }
    }

    /**
     * A glob over CSV files whose headers name the columns in another order. Spark's reader takes one file's header and
     * reads the others' fields by position, so the old command scored one file's rows from its note column (exit 0,
     * no word but a WARN in the log). Now it is refused naming the file, before
     * any job. Files with the same header (a gzip-compressed one among them, a header-only one and an empty file)
     * are read as before.
     */
    @Test
    void aCsvFileWithItsColumnsInAnotherOrderIsRefused() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = Fixtures.smiles(2);
        Files.createDirectories(dir.resolve("parts"));
        Files.writeString(dir.resolve("parts/part-1.csv"), "id,smiles,note\n1," + smiles.get(0) + ",x\n");
        Path swapped = Files.writeString(dir.resolve("parts/part-2.csv"), "id,note,smiles\n2,CCCl," + smiles.get(1) + "\n");
        Path out = dir.resolve("swapped.parquet");
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", dir.resolve("parts") + "/part-*.csv", "--output", out.toString());
        assertEquals(1, s.exit(), s.err());
        assertTrue(s.err().contains(swapped + ":1: CSV header: id,note,smiles differs from " + dir.resolve("parts/part-1.csv")
                + "'s id,smiles,note"), s.err());
        assertFalse(Files.exists(out));

        Files.delete(swapped);
        try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(dir.resolve("parts/part-3.csv.gz")))) {
            gz.write(("id,smiles,note\n3," + smiles.get(1) + ",y\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Files.writeString(dir.resolve("parts/part-4.csv"), " id , smiles,note\n"); // the same names once stripped, no rows
        Files.writeString(dir.resolve("parts/part-5.csv"), ""); // no header at all: Spark reads no row from it
        Run same = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", dir.resolve("parts") + "/part-*", "--format", "csv", "--output", out.toString());
        assertEquals(0, same.exit(), same.err());
        assertTrue(same.err().contains("wrote 2 rows (0 with an error"), same.err());
    }

    /**
     * Blank lines before a file's header are skipped by predict and by Spark's reader alike, so the header is the first
     * line that is not blank; the header check took the blank line for a header of one unnamed column and refused
     * the input ("part-2.csv:1: CSV header:  differs from part-1.csv's id,smiles"), and a file of one line end (no
     * header, no rows) as well.
     */
    @Test
    void blankLinesBeforeAHeaderAreSkippedAsPredictSkipsThem() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = Fixtures.smiles(2);
        Files.createDirectories(dir.resolve("parts"));
        Files.writeString(dir.resolve("parts/part-1.csv"), "id,smiles\n1," + smiles.get(0) + "\n");
        Files.writeString(dir.resolve("parts/part-2.csv"), "\n\nid,smiles\n2," + smiles.get(1) + "\n");
        Files.writeString(dir.resolve("parts/part-3.csv"), "\n");
        Path out = dir.resolve("blank.parquet");
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", dir.resolve("parts") + "/part-*.csv", "--output", out.toString());
        assertEquals(0, s.exit(), s.err());
        assertTrue(s.err().contains("wrote 2 rows (0 with an error"), s.err());
    }

    /**
     * A partitioned CSV folder (data/split=a/x 1.csv, data/split=b/y 1.csv): Spark's reader adds a column split after the
     * files' columns, which the old command renamed by place, so every row came out with "expected 3 fields as in the
     * header, got 1" and no prediction (exit 0). It is refused naming a nested file and how to give the files instead;
     * that glob then scores every row.
     */
    @Test
    void aPartitionedCsvFolderIsRefusedSayingHowToReadIt() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = Fixtures.smiles(3);
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("split=a"));
        Files.createDirectories(data.resolve("split=b"));
        // a space in the names: Spark lists its files as URIs (x%201.csv), which must not be taken for other files
        idCsv(data.resolve("split=a/x 1.csv"), "smiles", smiles.subList(0, 2));
        idCsv(data.resolve("split=b/y 1.csv"), "smiles", smiles.subList(2, 3));
        Path out = dir.resolve("out.parquet");
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", data.toString(), "--format", "csv", "--output", out.toString());
        assertEquals(1, s.exit(), s.err());
        assertTrue(s.err().matches("(?s).*" + java.util.regex.Pattern.quote(data + ": Spark reads " + data + "/split=")
                + "(a/x|b/y) 1\\.csv in a folder below it.*"), s.err());
        assertTrue(s.err().contains("a glob '" + data + "/*/*.csv'"), s.err());
        assertFalse(Files.exists(out));
        Run glob = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", data + "/*/*.csv", "--output", out.toString());
        assertEquals(0, glob.exit(), glob.err());
        assertTrue(glob.err().contains("wrote 3 rows (0 with an error"), glob.err());
    }

    /**
     * A glob over two files logs no warning: the old command gave Spark's readers the pattern itself, and each run
     * logged "WARN FileStreamSink: Assume no metadata directory. Error while looking for metadata directory in the
     * path: .../part-*.csv", which is not so (there is nothing wrong with the input). A pattern matching nothing is
     * refused saying so.
     */
    @Test
    void aGlobInputLogsNoMetadataWarning() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = Fixtures.smiles(3);
        Files.createDirectories(dir.resolve("data"));
        idCsv(dir.resolve("data/part-0.csv"), "smiles", smiles.subList(0, 2));
        idCsv(dir.resolve("data/part-1.csv"), "smiles", smiles.subList(2, 3));
        List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
        Run s = tagllmLoggingWarnings(warnings, "spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(),
                "--task", "QED", "--input", dir.resolve("data") + "/part-*.csv", "--output", dir.resolve("glob.parquet").toString());
        assertEquals(0, s.exit(), s.err());
        assertTrue(s.err().contains("wrote 3 rows (0 with an error"), s.err());
        assertEquals(List.of(), warnings.stream().filter(w -> w.contains("FileStreamSink") || w.contains("metadata directory")).toList());
        Run none = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", dir.resolve("data") + "/other-*.csv", "--output", dir.resolve("none.parquet").toString());
        assertEquals(1, none.exit(), none.err());
        assertTrue(none.err().contains(dir.resolve("data") + "/other-*.csv: no file matches the pattern"), none.err());
        assertFalse(Files.exists(dir.resolve("none.parquet")));
    }

    /**
     * A job that fails (here: the executors cannot load the model, a folder without one) leaves nothing beside
     * --output: the old command left its hidden temporary folder (.out.parquet.tmp-PID) with whatever the tasks had
     * written, under a name no later run reuses or removes. The empty lock file .out.parquet.lock stays, by design
     * (ScoreOutputLock says why).
     */
    @Test
    void aFailedJobLeavesNoPartialOutput() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = idCsv(dir.resolve("in.csv"), "smiles", Fixtures.smiles(2));
        Path noModel = Files.createDirectories(dir.resolve("no-model"));
        Path outDir = Files.createDirectories(dir.resolve("results"));
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", noModel.toString(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", outDir.resolve("out.parquet").toString());
        assertEquals(1, s.exit(), s.err());
        try (var left = Files.list(outDir)) {
            assertEquals(List.of(".out.parquet.lock"), left.map(p -> p.getFileName().toString()).toList(), "nothing written beside --output");
        }
        assertEquals("", Files.readString(outDir.resolve(".out.parquet.lock")));
    }

    /**
     * --prob-prefix for a task without class probabilities (QED: regression) is refused before any job, as --max-tokens
     * for a task that generates nothing: the old command accepted it and ignored it.
     */
    @Test
    void aProbabilityPrefixForARegressionTaskIsAUsageError() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        String model = Fixtures.model();
        Path in = idCsv(dir.resolve("in.csv"), "smiles", Fixtures.smiles(2));
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", dir.resolve("out.parquet").toString(), "--prob-prefix", "p_");
        assertEquals(2, s.exit(), s.err());
        assertTrue(s.err().contains("--prob-prefix: task QED is of type regression, which has no class probabilities (leave out --prob-prefix)"), s.err());
        assertFalse(Files.exists(dir.resolve("out.parquet")));
    }

    /**
     * A domain-text task (the SMILES tag's, which trains on text) has no prediction: spark score refuses it in
     * predict's words, from one place (TagPredictor.requirePredictable). The old scorer said "... nothing to predict"
     * without predict's "(use eval for its loss)".
     */
    @Test
    void aDomainTextTaskIsRefusedInPredictsWords() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        String model = Fixtures.model();
        Path in = idCsv(dir.resolve("in.csv"), "smiles", Fixtures.smiles(2));
        Run p = tagllm("predict", "--model", model, "--tags", tags.toString(), "--task", "SMILES", "--input", in.toString(),
                "--output", dir.resolve("pred.csv").toString());
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", model, "--tags", tags.toString(), "--task", "SMILES",
                "--input", in.toString(), "--output", dir.resolve("out.parquet").toString());
        String said = "task SMILES is domain text: nothing to predict (use eval for its loss)";
        assertTrue(p.err().contains(said), p.err());
        assertEquals(p.exit(), s.exit(), s.err());
        assertEquals(p.err().lines().filter(l -> l.contains(said)).toList(), s.err().lines().filter(l -> l.contains(said)).toList(), s.err());
        assertFalse(Files.exists(dir.resolve("out.parquet")));
    }

    /**
     * An --output-col with a dot (qed.pred): a column of that name, as Parquet allows. The old command wrote the
     * output, then counted its errors through written.col("qed.pred_error"), which Spark reads as field pred_error of
     * a struct qed: it failed with UNRESOLVED_COLUMN after the job and left the output unrenamed.
     */
    @Test
    void anOutputColumnWithADotIsAColumnName() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = idCsv(dir.resolve("in.csv"), "smiles", List.of(Fixtures.smiles(1).get(0), "C C"));
        Path out = dir.resolve("out.parquet");
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", out.toString(), "--output-col", "qed.pred");
        assertEquals(0, s.exit(), s.err());
        assertTrue(s.err().contains("wrote 2 rows (1 with an error in qed.pred_error)"), s.err());
        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            assertEquals(List.of("id", "smiles", "qed.pred", "qed.pred_error"), List.of(spark.read().parquet(out.toString()).columns()));
        } finally {
            spark.stop();
        }
    }

    /**
     * An empty CSV file gets predict's error naming the file. The old command said "input column 'smiles' is not in
     * the data (it has: _corrupt_record)": no file, and a column the file never had.
     */
    @Test
    void anEmptyCsvIsRefusedAsPredictRefusesIt() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = Files.writeString(dir.resolve("empty.csv"), "");
        Run p = tagllm("predict", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED", "--input", in.toString());
        assertEquals(1, p.exit());
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", dir.resolve("out.parquet").toString());
        assertEquals(1, s.exit());
        assertTrue(p.err().contains(in + ": empty file: expected a CSV header line"), p.err());
        assertTrue(s.err().contains(in + ": empty file: expected a CSV header line"), s.err());
        assertFalse(Files.exists(dir.resolve("out.parquet")));
    }

    /**
     * Bytes that are no UTF-8 character (a Latin-1 'é'): predict refuses the file ("not valid UTF-8 text"); Spark's
     * reader makes them U+FFFD without a word, so the old command scored row 3, whose id it had altered, as if nothing
     * were wrong (and row 2 got an "invalid SMILES" error for a character the file never had). Each such row now gets
     * predict's reason naming the column; the other rows are scored.
     */
    @Test
    void bytesThatAreNoUtf8GiveTheirRowAnError() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        String sm = Fixtures.smiles(1).get(0);
        Path in = Files.write(dir.resolve("latin1.csv"), ("id,smiles\n1," + sm + "\n2,CC\u00e9O\n\u00e93," + sm + "\n4," + sm + "\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Run p = tagllm("predict", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED", "--input", in.toString());
        assertEquals(1, p.exit());
        assertTrue(p.err().contains("not valid UTF-8 text"), p.err());
        Path out = dir.resolve("out.parquet");
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", out.toString());
        assertEquals(0, s.exit(), s.err());
        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            List<Row> rows = spark.read().parquet(out.toString()).orderBy("smiles").collectAsList();
            Map<String, String> errors = new HashMap<>();
            for (Row r : rows) errors.put(r.getString(0).replace('\uFFFD', '?'), r.getString(r.fieldIndex("prediction_error")));
            assertEquals(4, rows.size(), rows::toString);
            assertNull(errors.get("1"));
            assertNull(errors.get("4"));
            assertEquals("smiles: not valid UTF-8 text (bytes that are no UTF-8 character, read as U+FFFD; re-save the file as UTF-8)", errors.get("2"));
            assertEquals("id: not valid UTF-8 text (bytes that are no UTF-8 character, read as U+FFFD; re-save the file as UTF-8)", errors.get("?3"));
            for (Row r : rows) assertEquals(r.getString(r.fieldIndex("prediction_error")) == null, !r.isNullAt(r.fieldIndex("prediction")), r::toString);
        } finally {
            spark.stop();
        }
    }

    /**
     * --output is renamed into place on this machine: a file: URI is its path, another file system's URI is refused
     * before Spark starts. The old command took either as a relative path (file:/tmp/x became the folder
     * ./file:/tmp/x, hdfs://nn/x ./hdfs:/nn/x) and wrote there.
     */
    @Test
    void outputIsAPathOfThisMachine() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = idCsv(dir.resolve("in.csv"), "smiles", Fixtures.smiles(2));
        Path out = dir.resolve("out.parquet");
        Run hdfs = tagllm("spark", "score", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", "hdfs://namenode" + dir + "/hdfs.parquet");
        assertEquals(1, hdfs.exit(), hdfs.err());
        assertTrue(hdfs.err().contains("use the TagLlmScorer API"), hdfs.err());
        Run file = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", out.toUri().toString());
        assertEquals(0, file.exit(), file.err());
        assertTrue(Files.isDirectory(out), "written at the URI's path");
    }

    /**
     * An input file named _in.csv (or .in.csv), which predict reads: Spark's readers skip it as they skip _SUCCESS, and
     * the old command failed with "[UNABLE_TO_INFER_SCHEMA] Unable to infer schema for CSV", naming neither the file
     * nor why. It is refused before Spark starts, saying so.
     */
    @Test
    void anInputFileSparkWouldSkipIsRefusedSayingWhy() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = idCsv(dir.resolve("_in.csv"), "smiles", Fixtures.smiles(2));
        Run p = tagllm("predict", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED", "--input", in.toString(),
                "--output", dir.resolve("pred.csv").toString());
        assertEquals(0, p.exit(), p.err());
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", dir.resolve("out.parquet").toString());
        assertEquals(1, s.exit());
        assertTrue(s.err().contains(in + ": Spark's readers skip a file whose name starts with '_' or '.'"), s.err());
    }

    /**
     * --max-tokens below 1 is refused with predict's words before Spark starts; the old command had no such option, and
     * the API's setMaxTokens(0) gave text rows an empty output counted as predicted.
     */
    /**
     * Option values out of range are usage errors, as predict answers --compute fp16: exit 2 and the option's name,
     * before Spark starts. The old command started Spark and failed with exit 1, --partitions 0 in Spark's words
     * ("requirement failed: Number of partitions (0) must be positive.").
     */
    @Test
    void optionValuesOutOfRangeAreUsageErrors() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = idCsv(dir.resolve("in.csv"), "smiles", Fixtures.smiles(2));
        Map<String, String> said = Map.of("--partitions=0", "--partitions must be at least 1, got 0",
                "--batch-rows=-1", "--batch-rows must be at least 1 position per forward pass, got -1",
                "--compute=fp16", "--compute must be f32 or bf16, got 'fp16'",
                "--max-model-failures=-1", "--max-model-failures must be at least 0, got -1");
        for (var e : said.entrySet()) {
            Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                    "--input", in.toString(), "--output", dir.resolve("out.parquet").toString(), e.getKey());
            assertEquals(2, s.exit(), e.getKey() + ": " + s.err());
            assertTrue(s.err().contains(e.getValue()), s.err());
        }
        assertFalse(Files.exists(dir.resolve("out.parquet")));
    }

    /**
     * --input-cols that cannot fill the task's placeholders is the command line's fault, as predict's --column naming
     * a placeholder the template lacks is (exit 2, the usage): the old command answered exit 1, "error: inputCols ...",
     * the scorer's parameter name, which is no option of spark score. Nothing is written.
     */
    @Test
    void inputColsThatCannotFillThePlaceholdersAreUsageErrorsAsPredictsColumn() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = idCsv(dir.resolve("in.csv"), "mol", Fixtures.smiles(2));
        Run p = tagllm("predict", "-q", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED", "--input", in.toString(),
                "--column", "nope=mol", "--output", dir.resolve("pred.csv").toString());
        assertEquals(2, p.exit(), p.err());
        Map<String, String> said = Map.of("nope=mol", "--input-cols nope=mol: task QED's template has no placeholder 'nope'",
                "mol,id", "--input-cols mol,id: 2 column(s) for 1 placeholder(s)");
        for (var e : said.entrySet()) {
            Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                    "--input", in.toString(), "--input-cols", e.getKey(), "--output", dir.resolve("out.parquet").toString());
            assertEquals(2, s.exit(), e.getKey() + ": " + s.err());
            assertTrue(s.err().contains(e.getValue()), s.err());
        }
        assertFalse(Files.exists(dir.resolve("out.parquet")));
    }

    /**
     * --input-cols feeding a placeholder the task's label column (a test set scored with its labels beside the input)
     * is refused as predict refuses --column smiles=qed: the prompt would hold the answer. The old command scored
     * the label's values as the input (exit 0).
     */
    @Test
    void inputColsReadingTheLabelColumnIsRefusedAsPredictRefusesIt() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = Files.writeString(dir.resolve("labelled.csv"), "id,smiles,qed\n0,CCO,0.41\n1,c1ccccc1,0.44\n");
        Run p = tagllm("predict", "-q", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED", "--input", in.toString(),
                "--column", "smiles=qed", "--output", dir.resolve("pred.csv").toString());
        assertEquals(2, p.exit(), p.err());
        String why = "task QED's placeholder 'smiles' would read the label column 'qed' as an input, so the prompt would hold the answer";
        assertTrue(p.err().contains("--column smiles=qed: " + why), p.err());
        for (String cols : List.of("smiles=qed", "qed")) {
            Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                    "--input", in.toString(), "--input-cols", cols, "--output", dir.resolve("out.parquet").toString());
            assertEquals(2, s.exit(), cols + ": " + s.err());
            assertTrue(s.err().contains("--input-cols " + cols + ": " + why), s.err());
        }
        assertFalse(Files.exists(dir.resolve("out.parquet")));
    }

    @Test
    void maxTokensBelowOneIsRefusedAsPredictRefusesIt() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = idCsv(dir.resolve("in.csv"), "smiles", Fixtures.smiles(2));
        for (String n : List.of("0", "-2")) {
            Run s = tagllm("spark", "score", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                    "--input", in.toString(), "--output", dir.resolve("out.parquet").toString(), "--max-tokens", n);
            assertEquals(2, s.exit(), s.err());
            assertTrue(s.err().contains("--max-tokens must be at least 1, got " + n), s.err());
        }
        assertFalse(Files.exists(dir.resolve("out.parquet")));
    }

    /**
     * --max-tokens on a task that generates nothing (QED, a regression read through its head) is refused in predict's
     * words and with its exit code, and nothing is written; the old command took it and changed nothing.
     */
    @Test
    void maxTokensOnARegressionTaskIsRefusedAsPredictRefusesIt() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = idCsv(dir.resolve("in.csv"), "smiles", Fixtures.smiles(2));
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", dir.resolve("out.parquet").toString(), "--max-tokens", "20");
        assertEquals(2, s.exit(), s.err());
        assertTrue(s.err().contains("--max-tokens: task QED is a regression task, read through its head; only a text task generates tokens"
                + " (leave out --max-tokens)"), s.err());
        assertFalse(Files.exists(dir.resolve("out.parquet")));
    }

    /**
     * A successful run logs no warning, and counts its rows and errors right. The old command read its counts back
     * from the hidden temporary folder (.out.parquet.tmp-PID), which Spark's readers ignore for its leading '.', so
     * every run logged a false "WARN DataSource: All paths were ignored: file:/.../.out.parquet.tmp-PID".
     */
    @Test
    void aSuccessfulRunLogsNoWarningAndCountsItsRows() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = new ArrayList<>(Fixtures.smiles(3));
        smiles.add(1, "C C");
        Path in = idCsv(dir.resolve("in.csv"), "smiles", smiles);
        List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
        Run s = tagllmLoggingWarnings(warnings, "spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(),
                "--task", "QED", "--input", in.toString(), "--output", dir.resolve("out.parquet").toString());
        assertEquals(0, s.exit(), s.err());
        assertTrue(s.err().contains("wrote 4 rows (1 with an error in prediction_error)"), s.err());
        assertEquals(List.of(), warnings.stream().filter(w -> w.contains("paths were ignored")).toList());
    }

    /**
     * Header names as predict takes them: ' smiles' is the column smiles (the old command refused it: "input column
     * 'smiles' is not in the data (it has: id,  smiles, ...)"), and a name twice is refused naming the file and the
     * column (the old command renamed them id0 and id1 without a word and scored the file).
     */
    @Test
    void headerNamesAreReadAsPredictReadsThem() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        String sm = Fixtures.smiles(1).get(0);
        Path spaced = Files.writeString(dir.resolve("spaced.csv"), "id, smiles \n1," + sm + "\n");
        Path out = dir.resolve("out.parquet");
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", spaced.toString(), "--output", out.toString());
        assertEquals(0, s.exit(), s.err());
        assertTrue(s.err().contains("wrote 1 row (0 with an error"), "one row, in the singular: " + s.err());
        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            assertEquals(List.of("id", "smiles", "prediction", "prediction_error"), List.of(spark.read().parquet(out.toString()).columns()));
        } finally {
            spark.stop();
        }
        Path twice = Files.writeString(dir.resolve("twice.csv"), "id,smiles,id\n1," + sm + ",2\n");
        Run p = tagllm("predict", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED", "--input", twice.toString());
        assertEquals(1, p.exit());
        Run d = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", twice.toString(), "--output", dir.resolve("twice.parquet").toString());
        assertEquals(1, d.exit(), d.err());
        String said = twice + ":1: CSV header: duplicate column 'id'";
        assertTrue(p.err().contains(said), p.err());
        assertTrue(d.err().contains(said), d.err());
        assertFalse(Files.exists(dir.resolve("twice.parquet")));
        // names that differ only in case: one column to Spark (which renamed them ID0 and id1), so refused too
        Path cased = Files.writeString(dir.resolve("cased.csv"), "ID,smiles,id\n1," + sm + ",2\n");
        Run c = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", cased.toString(), "--output", dir.resolve("cased.parquet").toString());
        assertEquals(1, c.exit(), c.err());
        assertTrue(c.err().contains(cased + ":1: CSV header: columns 'ID' and 'id' differ only in case"), c.err());
    }

    /**
     * A gzip-compressed CSV (mols.csv.gz) is read as CSV without --format, as predict reads it, with predict's
     * predictions; the old command refused it ("give a .csv or .parquet input, or --format csv|parquet").
     */
    @Test
    void aCompressedCsvIsReadAsPredictReadsIt() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = Fixtures.smiles(3);
        Path plain = idCsv(dir.resolve("plain.csv"), "smiles", smiles);
        Path in = dir.resolve("mols.csv.gz");
        try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(in))) {
            gz.write(Files.readAllBytes(plain));
        }
        Path pred = dir.resolve("pred.csv"), out = dir.resolve("out.parquet");
        Run s = predictThenScore(tags, in, pred, out);
        assertTrue(s.err().contains("wrote 3 rows (0 with an error"), s.err());
        ById expected = byId(pred);
        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
            assertEquals(3, rows.size());
            for (Row r : rows) {
                String want = expected.rows().get(r.getString(r.fieldIndex("id"))).get("prediction");
                assertEquals(Double.doubleToRawLongBits(Double.parseDouble(want)), Double.doubleToRawLongBits(r.getDouble(r.fieldIndex("prediction"))));
            }
        } finally {
            spark.stop();
        }
        assertEquals("csv", SparkScoreCommand.inputFormat("data/part-*.csv.bz2"));
        assertEquals("parquet", SparkScoreCommand.inputFormat("x.PARQUET"));
        assertNull(SparkScoreCommand.inputFormat("x.parquet.gz"));
        assertNull(SparkScoreCommand.inputFormat("x.gz"));
    }

    /**
     * A gzip-compressed CSV named mols.csv: predict reads it (it tells gzip by its first bytes), but Spark picks a
     * codec by the name alone, so every row came out as undecodable bytes, each with a row error. It is refused up
     * front, saying to rename it.
     */
    @Test
    void aGzipFileNotNamedGzIsRefusedUpFront() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path plain = idCsv(dir.resolve("plain.csv"), "smiles", Fixtures.smiles(2));
        Path in = dir.resolve("mols.csv");
        try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(in))) {
            gz.write(Files.readAllBytes(plain));
        }
        Path out = dir.resolve("gz-out.parquet");
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", out.toString());
        assertEquals(1, s.exit(), s.err());
        assertTrue(s.err().contains(in + ": the file is gzip-compressed but its name does not end in .gz"), s.err());
        assertFalse(Files.exists(out));
    }

    /**
     * A CSV written with CR LF whose quoted field spans lines keeps that field's bytes, CR LF included, as predict
     * keeps them (and passes them on to its output): the old command's reader turned the CR LF inside the quotes into
     * LF, so a text task's prompt differed from predict's. A LF inside quotes stays LF in both.
     */
    @Test
    void aQuotedMultiLineFieldOfACrLfFileKeepsItsBytesAsInPredict() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = Fixtures.smiles(2);
        Path in = Files.writeString(dir.resolve("crlf.csv"), "id,smiles,note\r\n0," + smiles.get(0) + ",\"first\r\nsecond\"\r\n1,"
                + smiles.get(1) + ",\"a\nb\"\r\n");
        Path pred = dir.resolve("crlf-pred.csv"), out = dir.resolve("crlf.parquet");
        predictThenScore(tags, in, pred, out);
        ById expected = byId(pred);
        assertEquals("first\r\nsecond", expected.rows().get("0").get("note"), "predict keeps the field's bytes");
        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
            assertEquals(2, rows.size());
            for (Row r : rows) {
                CSVRecord want = expected.rows().get(r.getString(r.fieldIndex("id")));
                assertEquals(want.get("note"), r.getString(r.fieldIndex("note")), r::toString);
                assertEquals(want.get("smiles"), r.getString(r.fieldIndex("smiles")), "no CR left at a record's end: " + r);
                assertEquals(Double.doubleToRawLongBits(Double.parseDouble(want.get("prediction"))),
                        Double.doubleToRawLongBits(r.getDouble(r.fieldIndex("prediction"))), r::toString);
            }
        } finally {
            spark.stop();
        }
    }

    /** A tagllm run in this JVM, adding to warnings each WARN (or worse) line log4j gets meanwhile, as "logger: message". */
    private static Run tagllmLoggingWarnings(List<String> warnings, String... args) {
        var ctx = (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
        var capture = new org.apache.logging.log4j.core.appender.AbstractAppender("capture-warnings", null, null, true,
                org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
            @Override
            public void append(org.apache.logging.log4j.core.LogEvent e) {
                if (e.getLevel().isMoreSpecificThan(org.apache.logging.log4j.Level.WARN)) {
                    warnings.add(e.getLoggerName() + ": " + e.getMessage().getFormattedMessage());
                }
            }
        };
        capture.start();
        ctx.getConfiguration().getRootLogger().addAppender(capture, org.apache.logging.log4j.Level.WARN, null);
        ctx.updateLoggers();
        try {
            return tagllm(args);
        } finally {
            ctx.getConfiguration().getRootLogger().removeAppender("capture-warnings");
            ctx.updateLoggers();
            capture.stop();
        }
    }

    /** A CSV of an id column (0, 1, ...) and one quoted column of values, as the tests' inputs. */
    /** predict of in into pred, then spark score (local[1]) of in into out, QED with the same tags; both must succeed. */
    private static Run predictThenScore(Path tags, Path in, Path pred, Path out) {
        Run p = tagllm("predict", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED", "--input", in.toString(),
                "--output", pred.toString());
        assertEquals(0, p.exit(), p.err());
        Run s = tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", out.toString());
        assertEquals(0, s.exit(), s.err());
        return s;
    }

    /** The prediction column of a scored Parquet output by its id column. */
    private static Map<String, Double> predictionsById(Path out) {
        SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
        try {
            Map<String, Double> m = new HashMap<>();
            for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
                m.put(String.valueOf(r.get(r.fieldIndex("id"))), r.getDouble(r.fieldIndex("prediction")));
            }
            return m;
        } finally {
            spark.stop();
        }
    }

    private static Path idCsv(Path file, String column, List<String> values) throws java.io.IOException {
        StringBuilder csv = new StringBuilder("id," + column + "\n");
        for (int i = 0; i < values.size(); i++) csv.append(i).append(",\"").append(values.get(i)).append("\"\n");
        return Files.writeString(file, csv);
    }

    /** A CSV that predict wrote: its header and its records by their id column. */
    private record ById(List<String> header, Map<String, CSVRecord> rows) {}

    private static ById byId(Path csv) throws java.io.IOException {
        Map<String, CSVRecord> rows = new HashMap<>();
        try (Reader r = Files.newBufferedReader(csv)) {
            var parsed = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r);
            for (CSVRecord rec : parsed) rows.put(rec.get("id"), rec);
            return new ById(parsed.getHeaderNames(), rows);
        }
    }
}
