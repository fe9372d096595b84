package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.io.IOException;

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

    private static String[] concat(String[] a, String last) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = last;
        return out;
    }
}
