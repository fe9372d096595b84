package tagllm.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tagllm.eval.Bleu;
import tagllm.eval.ChrF;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.Presets;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * eval renders and scores its rows a chunk at a time for every task type: with a few rows a chunk (one row left out
 * between chunks) its output is byte for byte that of one chunk holding every row, which is how eval scored them
 * before it worked in chunks (classification, text and language-model evals held every prompt; their metrics need
 * the rows paired with their own predictions and, for text and the loss, summed in the same order).
 */
class EvalChunksTest {
    @TempDir
    static Path dir;
    static Path tags, mols, pairs;

    @BeforeAll
    static void setUp() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        TagSet s = tagllm.testutil.BbbpTags.of(m);
        s.put(TagInit.newTag("<ES>", TagKind.DOMAIN, 2, init));
        s.put(TagInit.newTag("<PT>", TagKind.DOMAIN, 2, init));
        s.put(TagInit.newTag("<Translate>", TagKind.FUNCTION, 1, init));
        for (String t : List.of("SMILES", "Translate:es-pt")) s.tasks().put(t, Presets.get(t, "test").toJson());
        tags = dir.resolve("all.tags.safetensors");
        TagFile.write(s, tags);
        // 23 molecules of both classes, one invalid SMILES among them (left out between chunks of 5)
        String[] smiles = {"CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC", "O=C(O)c1ccccc1", "CCCCCCCCCCCCCCCC(=O)O",
                "c1ccc2ccccc2c1", "CC(C)Cc1ccc(C(C)C(=O)O)cc1"};
        StringBuilder b = new StringBuilder("smiles,p_np\n");
        for (int i = 0; i < 23; i++) b.append(i == 7 ? "C1CC" : smiles[(i * 3) % smiles.length]).append(',').append(i * 5 % 3 == 0 ? 1 : 0).append('\n');
        mols = Files.writeString(dir.resolve("mols.csv"), b.toString());
        List<String> tsv = Files.readAllLines(Shared.data("translation/es-pt/test.tsv"));
        pairs = dir.resolve("pairs.tsv");
        Files.write(pairs, tsv.subList(0, 8)); // header + 7 rows
    }

    /** eval run in-process with {@code chunkRows} rows a chunk. */
    private static CliRun eval(int chunkRows, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        ((EvalCommand) cl.getSubcommands().get("eval").getCommand()).chunkRows = chunkRows;
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("eval", "-q", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString()));
        all.addAll(List.of(args));
        int exit = cl.execute(all.toArray(String[]::new));
        return new CliRun(exit, out.toString(), err.toString());
    }

    /** How many row renderings eval made for {@code args} with {@code chunkRows} rows a chunk. */
    private static long renderings(int chunkRows, String... args) {
        CommandLine cl = Main.commandLine();
        EvalCommand eval = (EvalCommand) cl.getSubcommands().get("eval").getCommand();
        eval.chunkRows = chunkRows;
        java.util.concurrent.atomic.AtomicLong renderings = new java.util.concurrent.atomic.AtomicLong();
        eval.onRendering = renderings::incrementAndGet;
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        List<String> all = new ArrayList<>(List.of("eval", "-q", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString()));
        all.addAll(List.of(args));
        assertEquals(0, cl.execute(all.toArray(String[]::new)));
        return renderings.get();
    }

    /**
     * Each row is rendered once, in one chunk or in several: a check pass rendered every row and the score pass
     * rendered again those after the first chunk (23 + 18 renderings of 23 rows in chunks of 5; 46 before the first
     * chunk was kept).
     */
    @Test
    void eachRowIsRenderedOnce() {
        assertEquals(23, renderings(Integer.MAX_VALUE, "--task", "BBBP", "--input", mols.toString()));
        assertEquals(23, renderings(tagllm.data.ChunkedRows.CHUNK, "--task", "SMILES", "--input", mols.toString()));
        assertEquals(7, renderings(tagllm.data.ChunkedRows.CHUNK, "--task", "Translate:es-pt", "--input", pairs.toString(), "--max-tokens", "2"));
        assertEquals(23, renderings(5, "--task", "BBBP", "--input", mols.toString()));
        assertEquals(23, renderings(5, "--task", "SMILES", "--input", mols.toString()));
        assertEquals(7, renderings(3, "--task", "Translate:es-pt", "--input", pairs.toString(), "--max-tokens", "2"));
    }

    /** The bar {@code task}'s eval draws on a terminal, over chunks of 5 rows (bar drawn into a writer of its own). */
    private static String barOf(String task) {
        StringWriter bar = new StringWriter();
        CommandLine cl = Main.commandLine();
        EvalCommand eval = (EvalCommand) cl.getSubcommands().get("eval").getCommand();
        eval.chunkRows = 5;
        eval.progress = (err, quiet, label, total) -> new tagllm.util.RowProgress(new PrintWriter(bar, true), !quiet, label, "rows", total);
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        assertEquals(0, cl.execute("eval", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(),
                "--task", task, "--input", mols.toString()));
        return bar.toString();
    }

    /**
     * Classification and language-model evals show their progress as regression and text evals do (they showed none,
     * even on a terminal): 22 of the 23 rows scored (one SMILES is invalid), the bar ended on its own line.
     */
    @Test
    void classificationAndLanguageModelEvalsDrawTheBar() {
        for (String task : List.of("BBBP", "SMILES")) {
            String bar = barOf(task);
            assertTrue(bar.startsWith("\reval " + task + " ["), bar);
            String last = bar.substring(bar.lastIndexOf('\r'));
            assertTrue(last.contains("] 22/23 rows ") && last.endsWith("\n"), bar);
        }
    }

    private static void sameInChunks(int chunkRows, String... args) {
        CliRun whole = eval(Integer.MAX_VALUE, args), chunked = eval(chunkRows, args);
        assertEquals(0, whole.exit(), whole.err());
        assertEquals(whole.out(), chunked.out());
        assertEquals(whole.err(), chunked.err());
    }

    @Test
    void classificationInChunksIsClassificationInOne() {
        sameInChunks(5, "--task", "BBBP", "--input", mols.toString(), "--json");
        sameInChunks(5, "--task", "BBBP", "--input", mols.toString());
    }

    @Test
    void languageModelLossInChunksIsTheLossInOne() {
        sameInChunks(5, "--task", "SMILES", "--input", mols.toString(), "--json");
    }

    @Test
    void textInChunksIsTextInOne() throws Exception {
        sameInChunks(3, "--task", "Translate:es-pt", "--input", pairs.toString(), "--max-tokens", "4", "--json");
        // and its scores are sacreBLEU's corpus scores of predict's outputs (Bleu and ChrF agree with sacreBLEU)
        var p = tagllm.testutil.CliRun.of("predict", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(),
                "--task", "Translate:es-pt", "--input", pairs.toString(), "--max-tokens", "4");
        assertEquals(0, p.exit(), p.err());
        List<String> outs = new ArrayList<>(), refs = new ArrayList<>();
        for (var rec : org.apache.commons.csv.CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get()
                .parse(new java.io.StringReader(p.out()))) {
            outs.add(rec.get("output").strip());
            refs.add(rec.get("tgt").strip());
        }
        var e = new com.fasterxml.jackson.databind.ObjectMapper().readTree(eval(3, "--task", "Translate:es-pt", "--input", pairs.toString(),
                "--max-tokens", "4", "--json").out());
        assertEquals(7, e.get("n").asInt());
        assertEquals(Bleu.corpus(outs, List.of(refs)).score(), e.get("bleu").asDouble(), 1e-12);
        assertEquals(ChrF.corpus(outs, List.of(refs)), e.get("chrf2").asDouble(), 1e-12);
        // the same metric under the same name as score text --json gives it on the same texts (it was "chrf" here)
        Path hyp = dir.resolve("hyp.txt"), ref = dir.resolve("ref.txt");
        java.nio.file.Files.write(hyp, outs);
        java.nio.file.Files.write(ref, refs);
        var s = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                tagllm.testutil.CliRun.of("score", "text", hyp.toString(), ref.toString(), "--json").out());
        for (String metric : List.of("bleu", "chrf2")) {
            assertTrue(s.has(metric) && e.has(metric), metric + ": " + s + " / " + e);
            assertEquals(s.get(metric).asDouble(), e.get(metric).asDouble(), 1e-12, metric);
        }
        assertFalse(e.has("chrf"), e.toString());
    }
}
