package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.ModelConfig;
import tagllm.model.PackedBatch;
import tagllm.model.Transformer;
import tagllm.model.Weights;
import tagllm.tensor.CrossEntropy;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;
import tagllm.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerplexityCommandTest {
    private static final String TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside.\n"
            + "One day, she saw a big dog in the park. The dog was very happy and wanted to play with her.";

    @Test
    void jsonReportsTheDirectlyComputedNll(@TempDir Path tmp) throws Exception {
        Path model = Shared.model("stories260K");
        Path file = tmp.resolve("story.txt");
        Files.writeString(file, TEXT);
        CliRun r = CliRun.of("perplexity", "--model", model.toString(), "--file", file.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());

        int[] ids = Tokenizer.load(model).encode(TEXT);
        assertEquals(1, ids[0], "BOS first");
        Transformer t = new Transformer(Weights.load(ModelConfig.load(model.resolve("config.json")), model));
        int d = t.config().hiddenSize();
        float[] normed = t.forward(PackedBatch.single(d, t.embed(ids)), false).normed();
        double sum = 0;
        for (int i = 0; i + 1 < ids.length; i++) {
            float[] logits = t.logits(normed, i);
            sum += CrossEntropy.logSumExp(logits, 0, logits.length) - logits[ids[i + 1]];
        }
        double nll = sum / (ids.length - 1);
        assertEquals(ids.length - 1, o.get("tokens").asInt());
        // the name eval gives the mean next-token loss, and the old name beside it
        assertEquals(nll, o.get("next_token_loss").asDouble(), 1e-5);
        assertEquals(o.get("next_token_loss").asDouble(), o.get("nll").asDouble());
        assertEquals(Math.exp(nll), o.get("perplexity").asDouble(), 1e-4 * Math.exp(nll));
        // a story model finds a story far more likely than chance (perplexity 512)
        assertTrue(o.get("perplexity").asDouble() < 20, r.out());

        CliRun windowed = CliRun.of("perplexity", "--model", model.toString(), "--file", file.toString(), "--json",
                "--window", "16", "--stride", "8");
        JsonNode w = new ObjectMapper().readTree(windowed.out());
        assertEquals(ids.length - 1, w.get("tokens").asInt());
        assertTrue(w.get("windows").asInt() > 1);

        CliRun text = CliRun.of("perplexity", "--model", model.toString(), "--file", file.toString());
        assertTrue(text.out().contains("perplexity"), text.out());
    }

    /** A loss that overflowed is null with its reason, as eval writes it, not Jackson's string "NaN" or "Infinity". */
    @Test
    void anOverflowedLossIsNullWithItsReason(@TempDir Path tmp) throws Exception {
        Path model = EvalLanguageModelUndefinedTest.overflowingModel(tmp);
        Path file = Files.writeString(tmp.resolve("story.txt"), TEXT);
        CliRun r = CliRun.of("perplexity", "-q", "--model", model.toString(), "--file", file.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertTrue(o.get("next_token_loss").isNull(), r.out());
        assertTrue(o.get("nll").isNull(), r.out());
        assertTrue(o.get("perplexity").isNull(), r.out());
        assertEquals(2, o.path("undefined").size(), r.out());
        assertTrue(o.path("undefined").get(0).asText().startsWith("next_token_loss: the mean token loss is NaN"), r.out());
    }

    @Test
    void badFilesAndWindowsAreExplained(@TempDir Path tmp) throws Exception {
        String model = Shared.model("stories260K").toString();
        CliRun missing = CliRun.of("perplexity", "--model", model, "--file", tmp.resolve("nope.txt").toString());
        assertNotEquals(0, missing.exit());
        assertTrue(missing.err().contains("nope.txt"), missing.err());
        CliRun folder = CliRun.of("perplexity", "--model", model, "--file", tmp.toString());
        assertEquals(1, folder.exit());
        assertEquals("error: " + tmp + ": a folder, not a text file", folder.err().strip()); // was the bare "Is a directory"
        Path bin = tmp.resolve("bin.txt");
        Files.write(bin, new byte[]{(byte) 0xff, (byte) 0xfe, 0x41});
        CliRun notUtf8 = CliRun.of("perplexity", "--model", model, "--file", bin.toString());
        assertTrue(notUtf8.err().contains("UTF-8"), notUtf8.err());
        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "");
        CliRun e = CliRun.of("perplexity", "--model", model, "--file", empty.toString());
        assertNotEquals(0, e.exit());
        assertTrue(e.err().contains("empty.txt"), e.err());
        assertTrue(e.err().contains("empty.txt: the file is empty: nothing to score"), e.err());
        Path ok = tmp.resolve("ok.txt");
        Files.writeString(ok, TEXT);
        CliRun tooWide = CliRun.of("perplexity", "--model", model, "--file", ok.toString(), "--window", "100000");
        assertNotEquals(0, tooWide.exit());
        assertTrue(tooWide.err().contains("window"), tooWide.err());
    }

    /**
     * --window and --stride out of range were refused (exit 2) only once the file was read and the model loaded, in
     * the engine's words ('window must be in [2, 512]'), which named neither option.
     */
    @Test
    void windowAndStrideOutOfRangeAreUsageErrorsNamingTheOption(@TempDir Path tmp) throws Exception {
        // neither the file nor the model exists: a wrong call is refused before either is read
        String noModel = tmp.resolve("no-model").toString(), noFile = tmp.resolve("no.txt").toString();
        String[][] cases = {
                {"--window 1", "--window must be at least 2 (the first token of a window has no context to be scored from), got 1"},
                {"--stride 0", "--stride must be at least 1, got 0"},
                {"--window 8 --stride 8", "--stride must be below --window (8): windows --stride apart overlap by window - stride tokens,"
                        + " and with none the first token of each window would go unscored; got 8"},
        };
        for (String[] c : cases) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("perplexity", "--model", noModel, "--file", noFile));
            args.addAll(java.util.List.of(c[0].split(" ")));
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(2, r.exit(), c[0] + ": " + r.err());
            assertTrue(r.err().startsWith(c[1]), r.err());
        }
        String model = Shared.model("stories260K").toString();
        Path ok = tmp.resolve("ok.txt");
        Files.writeString(ok, TEXT);
        // stories260K's context is 512 positions: known only once its config is read
        CliRun tooWide = CliRun.of("perplexity", "--model", model, "--file", ok.toString(), "--window", "513");
        assertEquals(2, tooWide.exit(), tooWide.err());
        assertTrue(tooWide.err().startsWith("--window must be at most the model's context of 512 positions, got 513"), tooWide.err());
        CliRun strideOfDefault = CliRun.of("perplexity", "--model", model, "--file", ok.toString(), "--stride", "512");
        assertEquals(2, strideOfDefault.exit(), strideOfDefault.err());
        assertTrue(strideOfDefault.err().startsWith("--stride must be below --window (512, the model's context): windows --stride apart"),
                strideOfDefault.err());
    }
}
