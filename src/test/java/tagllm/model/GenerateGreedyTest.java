package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tagllm.model.GoldenFile.ints;

/** Greedy continuation through the KV cache (prefill + decode) against the fixtures' full-recomputation ids. */
class GenerateGreedyTest {

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-llama-gqa", "tiny-llama-tied"})
    void greedyThroughCacheMatchesReference(String name) {
        GoldenFile g = GoldenFile.load(name);
        for (JsonNode prompt : g.json.get("prompts")) {
            JsonNode greedy = prompt.get("greedy");
            int[] want = ints(greedy.get("ids"));
            List<Integer> streamed = new ArrayList<>();
            int[] got = new Generator(g.model).generate(ints(prompt.get("ids")), greedy.get("n_new").asInt(),
                    Sampler.greedy(), streamed::add, new int[0]);
            assertArrayEquals(want, got, name + " '" + prompt.get("text").asText() + "'");
            assertEquals(Arrays.stream(got).boxed().toList(), streamed, "tokens are streamed in order");
        }
    }

    @Test
    void stopsBeforeTheStopIdAndAtTheContextLimit() {
        GoldenFile g = GoldenFile.load("stories260K");
        JsonNode prompt = g.json.get("prompts").get(0);
        int[] ids = ints(prompt.get("ids"));
        int[] want = ints(prompt.get("greedy").get("ids"));
        int[] got = new Generator(g.model).generate(ids, 32, Sampler.greedy(), null, new int[]{want[5]});
        int firstStop = 0;
        while (want[firstStop] != want[5]) firstStop++;
        assertArrayEquals(Arrays.copyOf(want, firstStop), got);
        int context = g.model.config().maxPositions();
        int[] nearlyFull = new int[context - 3];
        Arrays.fill(nearlyFull, ids[1]);
        nearlyFull[0] = 1;
        assertEquals(3, new Generator(g.model).generate(nearlyFull, 10, Sampler.greedy(), null, null).length);
        // a limit far beyond the context costs no more than the context: the old array of maxTokens ints ran out of memory
        assertEquals(3, new Generator(g.model).generate(nearlyFull, Integer.MAX_VALUE, Sampler.greedy(), null, null).length);
        int[] full = Arrays.copyOf(nearlyFull, context);
        Arrays.fill(full, context - 3, context, ids[1]);
        // prompt + output never exceed the context (docs/models.md, TagPredictor.generate): one token short of it
        // gets one token, a prompt that fills it gets none (it got one, the same as the prompt one token shorter)
        int[] oneShort = Arrays.copyOf(full, context - 1);
        assertEquals(1, new Generator(g.model).generate(oneShort, Integer.MAX_VALUE, Sampler.greedy(), null, null).length);
        assertEquals(0, new Generator(g.model).generate(full, Integer.MAX_VALUE, Sampler.greedy(), null, null).length,
                "a prompt that fills the context leaves no room for output");
        assertThrows(IllegalArgumentException.class,
                () -> new Generator(g.model).generate(new int[context + 1], 1, Sampler.greedy(), null, null));
    }

    /** The full forward over prompt + greedy continuation (long enough for block attention) predicts each next id. */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-llama-gqa", "tiny-llama-tied"})
    void fullForwardOverPromptAndContinuationReproducesEveryGreedyStep(String name) {
        GoldenFile g = GoldenFile.load(name);
        for (JsonNode prompt : g.json.get("prompts")) {
            int[] ids = ints(prompt.get("ids")), more = ints(prompt.get("greedy").get("ids"));
            int[] all = Arrays.copyOf(ids, ids.length + more.length);
            System.arraycopy(more, 0, all, ids.length, more.length);
            assertTrue(all.length >= DecoderLayer.BLOCK_MIN);
            float[] normed = g.model.forward(PackedBatch.single(g.model.config().hiddenSize(), g.model.embed(all)), false).normed();
            for (int i = 0; i < more.length; i++) {
                assertEquals(more[i], Sampler.argmax(g.model.logits(normed, ids.length - 1 + i)), name + " step " + i);
            }
        }
    }

    /** Prefill in uneven chunks plus decode steps equals one full forward, row by row, incl. the sliding window. */
    @Test
    void cacheMatchesFullForwardWithSlidingWindowAndBiases() {
        cacheMatchesFullForward(TinyModels.qwen2Like(), new int[]{3, 1, 5, 1, 1});
        cacheMatchesFullForward(TinyModels.qwen2Like(), new int[]{3, 1, 40, 1, 1});
        cacheMatchesFullForward(TinyModels.llamaMqaBf16(), new int[]{2, 38, 1, 33});
    }

    private static void cacheMatchesFullForward(Transformer t, int[] chunks) {
        int d = t.config().hiddenSize();
        int n = Arrays.stream(chunks).sum();
        float[] input = new float[n * d];
        java.util.Random rnd = new java.util.Random(9);
        for (int i = 0; i < input.length; i++) input[i] = (float) rnd.nextGaussian();
        float[] full = t.forward(PackedBatch.single(d, input), false).normed();
        KvCache cache = t.newCache(n);
        int at = 0;
        for (int len : chunks) {
            float[] last = t.prefill(cache, Arrays.copyOfRange(input, at * d, (at + len) * d), len);
            at += len;
            float[] want = Arrays.copyOfRange(full, (at - 1) * d, at * d);
            for (int j = 0; j < d; j++) assertEquals(want[j], last[j], 1e-5 * (1 + Math.abs(want[j])), "row " + (at - 1));
        }
        assertEquals(n, cache.length());
        assertThrows(IllegalStateException.class, () -> t.prefill(cache, new float[d], 1));
        cache.truncate(4);
        float[] again = t.prefill(cache, Arrays.copyOfRange(input, 4 * d, 5 * d), 1);
        assertTrue(Math.abs(again[0] - full[4 * d]) < 1e-5 * (1 + Math.abs(full[4 * d])));
    }
}
