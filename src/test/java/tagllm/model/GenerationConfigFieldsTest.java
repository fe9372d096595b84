package tagllm.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * generation_config.json's sampling fields as transformers reads them: its generate() samples for any do_sample that is
 * not false and refuses a top_k that is not an integer, so a field of another type is refused by name here rather than
 * read as absent (greedy) or truncated.
 */
class GenerationConfigFieldsTest {
    @TempDir
    Path dir;

    private GenerationConfig load(String json) throws IOException {
        Files.writeString(dir.resolve(GenerationConfig.FILE), json);
        // the model the jar carries: these checks need a config, not ../shared (read inside assertThrows, its absence
        // was an aborted assumption that failed the test on a clone without it)
        return GenerationConfig.load(dir, ModelConfig.load(tagllm.embedded.EmbeddedSamples.model().resolve("config.json")));
    }

    private String refused(String json) {
        return assertThrows(ModelFormatException.class, () -> load(json)).getMessage();
    }

    @Test
    void doSampleMustBeABoolean() throws IOException {
        for (String v : new String[]{"\"true\"", "\"false\"", "1", "0"}) {
            String m = refused("{\"do_sample\": " + v + ", \"temperature\": 0.8}");
            assertTrue(m.contains(GenerationConfig.FILE) && m.contains("'do_sample'") && m.contains(v), m);
        }
        assertTrue(load("{\"do_sample\": true}").samples());
        assertFalse(load("{\"do_sample\": false}").samples());
        assertFalse(load("{\"do_sample\": null}").samples());
        assertFalse(load("{}").samples());
    }

    @Test
    void topKAndMaxNewTokensMustBeWholeNumbers() throws IOException {
        String m = refused("{\"do_sample\": true, \"top_k\": 2.5}");
        assertTrue(m.contains("'top_k'") && m.contains("2.5"), m);
        assertTrue(refused("{\"max_new_tokens\": 20.5}").contains("'max_new_tokens'"));
        assertEquals(40, load("{\"do_sample\": true, \"top_k\": 40}").topK());
        assertEquals(40, load("{\"do_sample\": true, \"top_k\": 40.0}").topK());
        assertEquals(256, load("{\"max_new_tokens\": 256}").maxNewTokens());
    }

    /** transformers' TemperatureLogitsWarper refuses temperature 0 when sampling: not run greedily under a sampling banner. */
    @Test
    void samplingAtTemperatureZeroIsRefused() throws IOException {
        GenerationConfig g = load("{\"do_sample\": true, \"temperature\": 0.0}");
        String m = assertThrows(ModelFormatException.class, () -> g.defaultSampler(1)).getMessage();
        assertTrue(m.contains(GenerationConfig.FILE) && m.contains("temperature is 0"), m);
        assertTrue(load("{\"do_sample\": false, \"temperature\": 0.0}").defaultSampler(1).isGreedy());
        assertFalse(load("{\"do_sample\": true, \"temperature\": 0.5}").defaultSampler(1).isGreedy());
    }
}
