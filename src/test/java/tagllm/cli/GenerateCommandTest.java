package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerateCommandTest {

    @Test
    void greedyPrintsTheFixtureContinuation() throws IOException {
        JsonNode fixture = new ObjectMapper().readTree(Shared.fixture("stories260K.golden.json").toFile());
        String model = Shared.model("stories260K").toString();
        for (JsonNode p : fixture.get("prompts")) {
            CliRun r = CliRun.of("generate", "--model", model, "--prompt", p.get("text").asText(), "--max-tokens", "32");
            assertEquals(0, r.exit(), r.err());
            // the continuation is decoded after the prompt, so it keeps the space a word after the prompt starts with
            assertEquals(p.get("greedy").get("text").asText().strip(), r.out().strip());
        }
    }

    /**
     * "日本語" is all byte-fallback pieces, so the prompt ends in an open byte run; generate printed the prompt again
     * before the continuation. The expected text is a float64 PyTorch forward of the safetensors, greedy for 12
     * tokens (smallest top-2 logit margin 0.023), decoded by hand from tok512's pieces.
     */
    @Test
    void aPromptEndingInByteFallbackPiecesIsNotPrintedAgain() {
        CliRun r = CliRun.of("generate", "--model", Shared.model("stories260K").toString(), "--prompt", "日本語", "--max-tokens", "12");
        assertEquals(0, r.exit(), r.err());
        assertEquals("s. Every day, Jack was\n", r.out().replace("\r\n", "\n"));
    }

    /**
     * tiny-llama-gqa's context is 256 positions; "a b" × 126 is 254 tokens with BOS (tokenize: BOS, then "▁a" "▁b"
     * per repeat and a last "▁" for the trailing space), so 2 tokens fit, not the 50 asked for. generate stopped there
     * without a word, which reads as an EOS.
     */
    @Test
    void aStopAtTheEndOfTheContextIsSaid() {
        String model = Shared.model("tiny-llama-gqa").toString();
        CliRun r = CliRun.of("generate", "--model", model, "--prompt", "a b ".repeat(126), "--max-tokens", "50");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("stopped after 2 of --max-tokens 50 tokens: the prompt (254 tokens) and the output fill the model's context of 256"),
                r.err());
        CliRun shortOne = CliRun.of("generate", "--model", model, "--prompt", "a b", "--max-tokens", "5");
        assertEquals("", shortOne.err().strip(), "nothing to say when --max-tokens ends it");
    }

    /**
     * "a b " × 127 is 256 tokens, tiny-llama-gqa's whole context: no room for output (prompt + output fill the
     * context, docs/models.md). It printed one token, as many as the prompt one token shorter gets.
     */
    @Test
    void aPromptThatFillsTheContextGetsNoOutputAndIsSaid() {
        String model = Shared.model("tiny-llama-gqa").toString();
        CliRun full = CliRun.of("generate", "--model", model, "--prompt", "a b ".repeat(127), "--max-tokens", "50");
        assertEquals(0, full.exit(), full.err());
        assertTrue(full.err().contains("stopped after 0 of --max-tokens 50 tokens: the prompt (256 tokens) and the output fill the model's context of 256"),
                full.err());
        assertEquals("\n", full.out().replace("\r\n", "\n"), "only the line end");
        CliRun oneShort = CliRun.of("generate", "--model", model, "--prompt", "a b ".repeat(127).stripTrailing(), "--max-tokens", "50");
        assertTrue(oneShort.err().contains("stopped after 1 of --max-tokens 50 tokens: the prompt (255 tokens)"), oneShort.err());
    }

    /**
     * generation_config.json's max_new_tokens is the limit without --max-tokens, as transformers' generate() takes it;
     * it was read and then ignored for --max-tokens' own default of 128. A copy of tiny-llama-gqa with max_new_tokens
     * 3 must give what --max-tokens 3 gives, and its context stop must name where the limit came from.
     */
    @Test
    void maxNewTokensOfTheGenerationConfigIsTheDefaultLimit(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("m");
        java.nio.file.Files.createDirectories(model);
        try (var files = java.nio.file.Files.list(Shared.model("tiny-llama-gqa"))) {
            for (Path f : files.toList()) java.nio.file.Files.copy(f, model.resolve(f.getFileName()));
        }
        java.nio.file.Files.writeString(model.resolve("generation_config.json"), "{\"do_sample\": false, \"max_new_tokens\": 3}");
        CliRun three = CliRun.of("generate", "--model", model.toString(), "--prompt", "a b", "--max-tokens", "3");
        CliRun configured = CliRun.of("generate", "--model", model.toString(), "--prompt", "a b");
        CliRun more = CliRun.of("generate", "--model", model.toString(), "--prompt", "a b", "--max-tokens", "20");
        assertEquals(0, configured.exit(), configured.err());
        assertEquals(three.out(), configured.out());
        assertTrue(more.out().startsWith(three.out().strip()) && more.out().strip().length() > three.out().strip().length(),
                "20 tokens continue the 3: " + three.out() + " / " + more.out());
        java.nio.file.Files.writeString(model.resolve("generation_config.json"), "{\"do_sample\": false, \"max_new_tokens\": 50}");
        CliRun full = CliRun.of("generate", "--model", model.toString(), "--prompt", "a b ".repeat(126));
        assertTrue(full.err().contains("stopped after 2 of generation_config.json's max_new_tokens 50 tokens"), full.err());
        java.nio.file.Files.writeString(model.resolve("generation_config.json"), "{\"max_new_tokens\": 0}");
        CliRun zero = CliRun.of("generate", "--model", model.toString(), "--prompt", "a b");
        assertEquals(1, zero.exit(), zero.err());
        assertTrue(zero.err().contains("generation_config.json: max_new_tokens must be at least 1, got 0 (give --max-tokens)"), zero.err());
        assertEquals(0, CliRun.of("generate", "--model", model.toString(), "--prompt", "a b", "--max-tokens", "2").exit());
    }

    @Test
    void samplingIsReproducibleForASeed() {
        String model = Shared.model("stories260K").toString();
        String[] args = {"generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", "24",
                "--temperature", "1.0", "--top-k", "40", "--top-p", "0.95", "--seed"};
        CliRun a = CliRun.of(concat(args, "7")), b = CliRun.of(concat(args, "7"));
        assertEquals(0, a.exit(), a.err());
        assertEquals(a.out(), b.out());
        boolean differs = false;
        for (String seed : new String[]{"8", "9", "10"}) differs |= !CliRun.of(concat(args, seed)).out().equals(a.out());
        assertTrue(differs, "other seeds should give another text at temperature 1");
    }

    /**
     * As transformers' generate(): with no sampling option the model's generation_config.json decides (do_sample with
     * its temperature/top_k/top_p, absent ones at transformers' defaults 1.0/50/1.0; greedy without do_sample), and
     * any sampling option given decides alone. The reference is the same decoding asked for with explicit options.
     */
    @Test
    void generationConfigSamplingDefaultsApplyWhenNoOptionIsGiven(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path orig = Shared.model("stories260K");
        Path sampling = copyWith(orig, tmp.resolve("sampling"), "{\"do_sample\": true, \"temperature\": 0.8, \"top_k\": 20, \"top_p\": 0.9}");
        Path bare = copyWith(orig, tmp.resolve("bare"), "{\"do_sample\": true}");
        Path off = copyWith(orig, tmp.resolve("off"), "{\"do_sample\": false, \"temperature\": 0.8}");
        String prompt = "Once upon a time";
        String[] base = {"generate", "--prompt", prompt, "--max-tokens", "24", "--seed", "3", "--model"};
        CliRun byConfig = CliRun.of(concat(base, sampling.toString()));
        assertEquals(0, byConfig.exit(), byConfig.err());
        CliRun byFlags = CliRun.of(concat(base, orig.toString(), "--temperature", "0.8", "--top-k", "20", "--top-p", "0.9"));
        assertEquals(byFlags.out(), byConfig.out());
        assertTrue(byConfig.err().contains("sampling: temperature 0.8, top-k 20, top-p 0.9, seed 3"), byConfig.err());
        CliRun greedy = CliRun.of(concat(base, orig.toString()));
        assertNotEquals(greedy.out(), byConfig.out(), "sampled, not greedy");
        assertEquals("", greedy.err().strip(), "no generation_config.json: greedy, nothing to say");

        CliRun hfDefaults = CliRun.of(concat(base, bare.toString()));
        CliRun hfFlags = CliRun.of(concat(base, orig.toString(), "--temperature", "1", "--top-k", "50", "--top-p", "1"));
        assertEquals(hfFlags.out(), hfDefaults.out());
        assertTrue(hfDefaults.err().contains("temperature 1.0, top-k 50, top-p 1.0"), hfDefaults.err());

        // do_sample false is greedy whatever else it says; an explicit option wins over the file
        assertEquals(greedy.out(), CliRun.of(concat(base, off.toString())).out());
        CliRun forced = CliRun.of("generate", "--prompt", prompt, "--max-tokens", "24", "--model", sampling.toString(), "--temperature", "0");
        assertEquals(greedy.out(), forced.out());
        assertEquals("", forced.err().strip());
    }

    /** --temperature 0 decodes greedily: --top-k, --top-p and --seed beside it were accepted and changed nothing. */
    @Test
    void samplingOptionsBesideTemperatureZeroAreUsageErrors() {
        Path model = Shared.model("stories260K");
        for (String[] other : new String[][]{{"--top-k", "20"}, {"--top-p", "0.9"}, {"--seed", "3"}}) {
            CliRun r = CliRun.of("generate", "--prompt", "Once", "--max-tokens", "2", "--model", model.toString(), "--temperature", "0",
                    other[0], other[1]);
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().startsWith(other[0] + ": --temperature 0 decodes greedily (the most likely token each step), so "
                    + other[0] + " would change nothing; leave it out, or give --temperature above 0"), r.err());
            assertEquals("", r.out());
        }
    }

    /**
     * --top-k or --top-p without --temperature took the temperature as 0 and decoded greedily, so they changed nothing
     * (and turned off a generation_config.json's sampling); POST /v1/generate refuses top_k or top_p without a temperature.
     */
    @Test
    void topKOrTopPWithoutTemperatureAreUsageErrors(@TempDir Path tmp) throws IOException {
        Path plain = Shared.model("stories260K");
        Path sampling = copyWith(plain, tmp.resolve("sampling"), "{\"do_sample\": true, \"temperature\": 0.8}");
        for (Path model : List.of(plain, sampling)) {
            for (String[] other : new String[][]{{"--top-k", "20"}, {"--top-p", "0.9"}}) {
                CliRun r = CliRun.of("generate", "--prompt", "Once", "--max-tokens", "2", "--model", model.toString(), other[0], other[1]);
                assertEquals(2, r.exit(), r.err());
                assertTrue(r.err().startsWith(other[0] + ": --temperature 0 decodes greedily (the most likely token each step), so "
                        + other[0] + " would change nothing; leave it out, or give --temperature above 0 (--temperature is 0 when left out"
                        + " beside --top-k or --top-p)"), r.err());
                assertEquals("", r.out());
            }
        }
        // with a temperature they sample, as before
        CliRun ok = CliRun.of("generate", "--prompt", "Once", "--max-tokens", "2", "--model", plain.toString(), "--temperature", "0.7",
                "--top-k", "20");
        assertEquals(0, ok.exit(), ok.err());
    }

    private static Path copyWith(Path model, Path dst, String generationConfig) throws IOException {
        java.nio.file.Files.createDirectories(dst);
        try (var s = java.nio.file.Files.list(model)) {
            for (Path f : s.toList()) java.nio.file.Files.copy(f, dst.resolve(f.getFileName()));
        }
        java.nio.file.Files.writeString(dst.resolve("generation_config.json"), generationConfig);
        return dst;
    }

    private static String[] concat(String[] a, String... more) {
        String[] out = java.util.Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    @Test
    void badOptionsGiveOneClearLine() {
        String model = Shared.model("stories260K").toString();
        CliRun r = CliRun.of("generate", "--model", model, "--prompt", "x", "--temperature", "-1");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("temperature"), r.err());
        // as serve refuses max_tokens 0 (it printed nothing and exited 0)
        CliRun none = CliRun.of("generate", "--model", model, "--prompt", "x", "--max-tokens", "0");
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("--max-tokens must be at least 1, got 0"), none.err());
        CliRun missing = CliRun.of("generate", "--model", "/nonexistent/model-folder", "--prompt", "x");
        assertNotEquals(0, missing.exit());
        assertTrue(missing.err().contains("/nonexistent/model-folder"), missing.err());
        assertTrue(!missing.err().contains("\tat "), "no stack trace: " + missing.err());
    }

}
