package tagllm.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tagllm.data.Dataset;
import tagllm.data.DatasetException;
import tagllm.data.Format;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.data.RowSink;
import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.tag.Sequence;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.ExampleRenderer;
import tagllm.task.Presets;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * predict reads, predicts and writes a chunk of rows at a time (it held the whole file, its prompts and its output
 * text: ~2.6 KB a row). The output must be the one a row-by-row reference gives, whatever the chunk size: every
 * row in its place, the ones the reader refuses and the ones predict refuses with their reason.
 */
class PredictStreamsTest {
    @TempDir
    static Path dir;
    static Path qedTags, toxTags, translateTags;
    static Path smiles;
    static String model;

    @BeforeAll
    static void files() throws Exception {
        model = Shared.model("stories260K").toString();
        Model m = Model.load(Shared.model("stories260K"));
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        int d = m.config().hiddenSize();
        float[] w = new float[d];
        for (int k = 0; k < d; k++) w[k] = (float) (0.05 * Math.cos(0.3 * k));

        TagSet q = new TagSet(m.name(), m.fingerprint());
        q.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        q.put(TagInit.newTag("<QED>", TagKind.FUNCTION, 1, init));
        q.putHead(new RegressionHead("<QED>", 1, d, w, null, new double[]{0.5}, new double[]{0.2}));
        q.tasks().put("QED", Presets.get("QED", "test").toJson());
        qedTags = dir.resolve("qed.tags.safetensors");
        TagFile.write(q, qedTags);

        TagSet t = new TagSet(m.name(), m.fingerprint());
        t.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        t.put(TagInit.newTag("<Tox>", TagKind.FUNCTION, 1, init));
        TaskSpec tox = TaskSpec.fromJson("tox", (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"type\": \"classification\", \"template\": \"The molecule <SMILES> {smiles} is toxic in <Tox>\", "
                        + "\"tags\": {\"Tox\": \"function\"}, \"label\": \"tox\", \"classes\": [\"low\", \"mid\", \"high\"]}"), "test");
        t.tasks().put("tox", tox.toJson());
        RegressionHead h = RegressionHead.initial(tox.headKey(), 3, new float[d], true, null, null);
        for (int o = 0; o < 3; o++) for (int k = 0; k < d; k++) h.weight()[o * d + k] = (float) (0.04 * Math.sin(0.2 * k + o));
        t.putHead(h);
        toxTags = dir.resolve("tox.tags.safetensors");
        TagFile.write(t, toxTags);

        TagSet tr = new TagSet(m.name(), m.fingerprint());
        tr.put(TagInit.newTag("<EN>", TagKind.DOMAIN, 2, init));
        tr.put(TagInit.newTag("<FR>", TagKind.DOMAIN, 2, init));
        tr.put(TagInit.newTag("<Translate>", TagKind.FUNCTION, 1, init));
        tr.tasks().put("Translate:en-fr", Presets.get("Translate:en-fr", "test").toJson());
        translateTags = dir.resolve("translate.tags.safetensors");
        TagFile.write(tr, translateTags);

        // 30 molecules of the shared set, with rows the reader refuses (an extra field) and rows predict refuses
        // (not a SMILES, an empty one, one past the model's context) among them, across the chunk borders
        List<String> mols = Files.readAllLines(Shared.data("smiles/zinc20k.csv")).subList(1, 31);
        StringBuilder b = new StringBuilder("id,smiles\n");
        for (int i = 0; i < mols.size(); i++) {
            b.append(i).append(',').append(mols.get(i).split(",")[0]).append('\n');
            if (i == 3) b.append("x3,CC,extra\n");
            if (i == 7) b.append("x7,notasmiles((\n");
            if (i == 8) b.append("x8,\n");
            if (i == 12) b.append("x12,").append("C".repeat(3000)).append('\n');
            if (i == 20) b.append("x20,CCO,1,2\n");
        }
        smiles = Files.writeString(dir.resolve("mols.csv"), b.toString());
    }

    /** predict run in-process with {@code chunkRows} rows a chunk. */
    private static CliRun predict(int chunkRows, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        ((PredictCommand) cl.getSubcommands().get("predict").getCommand()).chunkRows = chunkRows;
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("predict", "--model", model));
        all.addAll(List.of(args));
        int exit = cl.execute(all.toArray(String[]::new));
        return new CliRun(exit, out.toString(), err.toString());
    }

    /**
     * The reference: the file read as predict's reader reads it, each row predicted alone through TagPredictor (one
     * prompt a call), written with the input's columns, the added ones and the reason of a row without a value.
     */
    private static String reference(Path tags, String task, Path input, List<String> added, Function<Object[], List<String>> predictOne)
            throws Exception {
        List<Object> entries = new ArrayList<>();
        List<String> columns = Dataset.scan(input, null, RowIssues.forwarding(RowIssues.skipping(), entries::add), entries::add);
        TagPredictor p = TagPredictor.open(model, List.of(tags));
        TaskSpec t = p.task(task);
        ExampleRenderer r = p.renderer(t);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RowSink sink = RowSink.of(bytes, Format.CSV, Set.of());
        List<String> header = new ArrayList<>(columns);
        header.addAll(added);
        header.add("error");
        sink.header(header);
        int empty = added.size();
        for (Object e : entries) {
            List<String> rec = new ArrayList<>();
            if (e instanceof DatasetException refused) {
                for (String c : columns) rec.add(refused.known().getOrDefault(c, ""));
                for (int i = 0; i < empty; i++) rec.add("");
                rec.add("line " + refused.origin().line() + ": " + refused.reason());
            } else {
                Row row = (Row) e;
                for (String c : columns) rec.add(row.get(c));
                Sequence prompt;
                try {
                    prompt = r.checkedPrompt(row).sequence();
                } catch (DatasetException refused) {
                    for (int i = 0; i < empty; i++) rec.add("");
                    rec.add("line " + row.line() + ": " + refused.reason());
                    sink.row(rec);
                    continue;
                }
                rec.addAll(predictOne.apply(new Object[]{p, t, prompt}));
                rec.add("");
            }
            sink.row(rec);
        }
        sink.flush();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** One row was reported as "1 rows". */
    @Test
    void oneRowIsCountedInTheSingular() throws Exception {
        Path in = Files.writeString(dir.resolve("one.csv"), "smiles\nCCO\n"), out = dir.resolve("one-out.csv");
        CliRun r = predict(4, "--tags", qedTags.toString(), "--task", "QED", "--input", in.toString(), "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains(in + ": 1 row, 1 predicted, 0 with an error") && r.err().contains("wrote 1 row to " + out), r.err());
    }

    @Test
    void regressionStreamedInChunksIsTheRowByRowReferenceWithEveryRowInPlace() throws Exception {
        String expected = reference(qedTags, "QED", smiles, List.of("prediction"), a -> List.of(Double.toString(
                ((TagPredictor) a[0]).predictValues((TaskSpec) a[1], List.of((Sequence) a[2]))[0])));
        Path chunked = dir.resolve("qed-4.csv"), whole = dir.resolve("qed-all.csv");
        CliRun r = predict(4, "--tags", qedTags.toString(), "--task", "QED", "--input", smiles.toString(), "-o", chunked.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(expected, Files.readString(chunked));
        assertEquals(35, Files.readAllLines(chunked).size() - 1);
        // the report: the rows not predicted (each kept with its error) by line, in file order, and the count (2 unreadable, 3 refused)
        assertTrue(r.err().contains("5 rows not predicted, kept in the output with the reason in the 'error' column:\n"
                + "  " + smiles + ":6: expected 2 fields as in the header, got 3\n"
                + "  " + smiles + ":11: smiles: invalid SMILES 'notasmiles((': unexpected character 't' (at character 3)\n"
                + "  " + smiles + ":13: smiles: empty; expected a SMILES\n"
                + "  " + smiles + ":18: too long: 3075 positions, the limit is 512 (the model's context)\n"
                + "  " + smiles + ":27: expected 2 fields as in the header, got 4\n"), r.err());
        assertTrue(r.err().contains(smiles + ": 35 rows, 30 predicted, 5 with an error (the reason is in the 'error' column)"), r.err());
        assertTrue(r.err().contains("wrote 35 rows to " + chunked), r.err());
        // one chunk for the whole file: the same bytes and the same report
        CliRun all = predict(ChunkedRows_CHUNK, "--tags", qedTags.toString(), "--task", "QED", "--input", smiles.toString(), "-o", whole.toString());
        assertEquals(0, all.exit(), all.err());
        assertEquals(expected, Files.readString(whole));
        assertEquals(r.err().replace(chunked.toString(), "OUT"), all.err().replace(whole.toString(), "OUT"));
        // standard output: the same table
        CliRun stdout = predict(3, "--tags", qedTags.toString(), "--task", "QED", "--input", smiles.toString());
        assertEquals(0, stdout.exit(), stdout.err());
        assertEquals(expected, stdout.out());
    }

    private static final int ChunkedRows_CHUNK = tagllm.data.ChunkedRows.CHUNK;

    @Test
    void classificationStreamedInChunksIsTheRowByRowReference() throws Exception {
        String expected = reference(toxTags, "tox", smiles, List.of("prob_low", "prob_mid", "prob_high", "prediction"), a -> {
            TaskSpec t = (TaskSpec) a[1];
            double[] pr = ((TagPredictor) a[0]).classProbabilities(t, List.of((Sequence) a[2]))[0];
            return List.of(Double.toString(pr[0]), Double.toString(pr[1]), Double.toString(pr[2]), t.classes().predicted(pr));
        });
        CliRun r = predict(5, "--tags", toxTags.toString(), "--task", "tox", "--input", smiles.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(expected, r.out());
        assertTrue(r.err().contains("35 rows, 30 predicted, 5 with an error"), r.err());
    }

    @Test
    void textGenerationStreamedInChunksIsTheRowByRowReference() throws Exception {
        Path in = Files.writeString(dir.resolve("en.csv"), "src\nThe cat sat.\nA dog ran\n,x\nOnce upon a time\nHello\nShe smiled.\n");
        String expected = reference(translateTags, "Translate:en-fr", in, List.of("output"),
                a -> List.of(((TagPredictor) a[0]).generate((Sequence) a[2], 6)));
        CliRun r = predict(2, "--tags", translateTags.toString(), "--task", "Translate:en-fr", "--input", in.toString(), "--max-tokens", "6");
        assertEquals(0, r.exit(), r.err());
        assertEquals(expected, r.out());
        assertTrue(r.err().contains("6 rows, 5 predicted, 1 with an error"), r.err());
    }

    /** --strict stops at the first bad row in a later chunk: no output file, nothing on standard output. */
    @Test
    void strictStopsInALaterChunkAndWritesNothing() {
        Path out = dir.resolve("strict.csv");
        CliRun r = predict(2, "--tags", qedTags.toString(), "--task", "QED", "--input", smiles.toString(), "--strict", "-o", out.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains(smiles + ":6: expected 2 fields"), r.err());
        assertFalse(Files.exists(out));
        assertEquals(List.of(), leftovers());
        CliRun s = predict(2, "--tags", qedTags.toString(), "--task", "QED", "--input", smiles.toString(), "--strict");
        assertEquals(1, s.exit(), s.err());
        assertEquals("", s.out());
    }

    private static List<Path> leftovers() {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(".strict.csv")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
