package tagllm.serve;

import org.junit.jupiter.api.Test;
import tagllm.serve.TagService.Decoding;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A Decoding knows which settings its caller gave, so the Java API refuses what the CLI and POST /v1/generate refuse:
 * a setting that would change nothing beside greedy decoding, or one out of range, naming the setting.
 */
class DecodingTest {
    private static final String TAIL = " would change nothing; leave it out, or give temperature above 0";

    @Test
    void theBuilderRecordsWhatWasGivenAndKeepsTheDefaultsOfTheRest() {
        Decoding d = Decoding.builder(32).temperature(0.8).seed(7).build();
        assertEquals(new Decoding(32, 0.8, 0, 1, 7, Set.of("temperature", "seed")), d);
        assertTrue(d.given("seed") && !d.given("top_p"));
        assertEquals(new Decoding(32, 0, 0, 1, 0, Set.of()), Decoding.greedy(32));
        // the temperature's default given explicitly is greedy, and given
        Decoding zero = Decoding.builder(5).temperature(0).build();
        assertTrue(zero.isGreedy() && zero.given("temperature"));
    }

    @Test
    void aSamplingSettingBesideGreedyDecodingIsRefusedNamingIt() {
        IllegalArgumentException topP = assertThrows(IllegalArgumentException.class, () -> Decoding.builder(8).topP(0.9).build());
        assertEquals("top_p: temperature 0 decodes greedily (the most likely token each step), so top_p" + TAIL
                + " (temperature is 0 when left out)", topP.getMessage());
        IllegalArgumentException seed = assertThrows(IllegalArgumentException.class,
                () -> Decoding.builder(8).temperature(0).seed(3).build());
        assertEquals("seed: temperature 0 decodes greedily (the most likely token each step), so seed" + TAIL, seed.getMessage());
        // a top_k or seed set to its default is still given: the same refusal
        IllegalArgumentException topK = assertThrows(IllegalArgumentException.class, () -> Decoding.builder(8).topK(0).build());
        assertTrue(topK.getMessage().startsWith("top_k: temperature 0 decodes greedily"), topK.getMessage());
        // the positional constructor: a setting that differs from its default counts as given
        IllegalArgumentException positional = assertThrows(IllegalArgumentException.class, () -> new Decoding(8, 0, 0, 0.9, 0));
        assertTrue(positional.getMessage().startsWith("top_p: temperature 0 decodes greedily"), positional.getMessage());
        assertEquals(Decoding.builder(8).temperature(0).build(), new Decoding(8, 0, 0, 1, 0));
    }

    @Test
    void outOfRangeSettingsAreRefusedNamingThem() {
        assertEquals("max_tokens: must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> Decoding.greedy(0)).getMessage());
        assertEquals("temperature: expected a number 0..100 (0 = greedy), got NaN",
                assertThrows(IllegalArgumentException.class, () -> Decoding.builder(4).temperature(Double.NaN).build()).getMessage());
        assertEquals("top_k: expected an integer >= 0 (0 = no limit), got -1",
                assertThrows(IllegalArgumentException.class, () -> Decoding.builder(4).temperature(1).topK(-1).build()).getMessage());
        assertEquals("top_p: expected a number in (0, 1], got 0.0",
                assertThrows(IllegalArgumentException.class, () -> Decoding.builder(4).temperature(1).topP(0).build()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Decoding(4, 1, 0, 1, 0, null)).getMessage().startsWith("given: null"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Decoding(4, 1, 0, 1, 0, Set.of("topP")))
                .getMessage().startsWith("given: unknown setting 'topP'"));
    }
}
