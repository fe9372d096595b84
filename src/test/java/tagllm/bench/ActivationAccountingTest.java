package tagllm.bench;

import org.junit.jupiter.api.Test;
import tagllm.model.Generator;
import tagllm.model.KvCache;
import tagllm.model.ModelConfig;
import tagllm.model.RandomWeights;
import tagllm.model.Sampler;
import tagllm.model.Transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The "activations" of tagllm bench's memory budget, counted by hand for the tiny shape: every array a step holds
 * at its busiest moment, listed from the engine's design (docs/architecture.md, "Memory"), must be what the model
 * reports — nothing missing (the input block, the gradient arrays, the KV cache) and nothing counted twice.
 */
class ActivationAccountingTest {
    private static final ModelConfig C = BenchShape.TINY.config();
    private static final long D = C.hiddenSize(), Q = C.qDim(), KV = C.kvDim(), F = C.intermediateSize(),
            HEADS = C.numHeads(), HALF = C.headDim() / 2, LAYERS = C.numLayers();

    @Test
    void aTrainingStepHoldsItsPassGradientsAndBackwardArraysAtOnce() {
        assertEquals(128, D);
        assertEquals(384, F);
        assertEquals(64, KV);
        // 2 sequences cut after the function tag: 8 tokens + 3 domain slots + 22 input tokens + 3 function slots
        long n = 2 * 36, m = 2 * (36 - 8); // rows; rows from the domain tag on (backward starts there)
        for (boolean readOnly : new boolean[]{false, true}) {
            Transformer t = new Transformer(RandomWeights.of(C, 1, false));
            new TagStepWork(t, 2, 40, 3, 0, readOnly).trainStep();
            long r = readOnly ? 2 : n; // rows the top layer computes past K and V: the head's read rows, or all
            long input = n * D;
            // per layer: xIn, rstd1, k, v at every row; xMid, rstd2, q, lse, gate, up at the layer's query rows
            long lower = 2 * n * D + 2 * n + n * Q + 2 * n * KV + n * HEADS + 2 * n * F;
            long top = n * D + n + 2 * n * KV + r * D + r + r * Q + r * HEADS + 2 * r * F;
            long pass = 2 * n * HALF + n * D + n + r * D + (LAYERS - 1) * lower + top; // cos, sin, residual, rstdFinal, normed
            long gradients = 2 * n * D; // dL/d(normed) and the input-row gradient, both the pass's
            // dx, dh, datt, dq, dk, dv, dact, dgate, dup; dact is the forward's act (n rows), handed back before the
            // backward and the shortest free array of its width
            long backward = 2 * m * D + 2 * m * Q + 2 * m * KV + n * F + 2 * m * F
                    + (readOnly ? 2 * r * D : 0); // the top layer's dX and dQ·W at its read rows
            long forwardScratch = n * D + n * Q + n * F; // h, att, act: handed back before backward
            assertTrue(gradients + backward > forwardScratch, "backward is the busiest moment here");
            assertEquals(4 * (input + pass + gradients + backward), t.activationHighWaterBytes(), "readOnly " + readOnly);
        }
    }

    @Test
    void generationCountsItsKvCacheAndThePromptsWorkingArrays() {
        Transformer t = new Transformer(RandomWeights.of(C, 2, true));
        int prompt = 5, newTokens = 3;
        new Generator(t).generate(new int[]{1, 2, 3, 4, 5}, newTokens, Sampler.greedy(), null, null);
        long capacity = prompt + newTokens;
        long cache = 2 * LAYERS * capacity * KV; // keys and values of every layer
        long n = prompt; // the prompt's prefill is the busiest moment: x, cos, sin, rstd×2, q, lse, gate, up, then h, att, act
        long work = n * D + 2 * n * HALF + 2 * n + n * Q + n * HEADS + 2 * n * F + (n * D + n * Q + n * F);
        assertEquals(4 * (cache + work), t.activationHighWaterBytes());
    }

    @Test
    void repeatedGenerationReusesItsCacheAndArrays() {
        Transformer t = new Transformer(RandomWeights.of(C, 3, true));
        Generator g = new Generator(t);
        int[] first = g.generate(new int[]{7, 8, 9}, 6, Sampler.greedy(), null, null);
        long warm = t.bufferBytesAllocated();
        for (int i = 0; i < 3; i++) {
            assertArrayEqualsInts(first, g.generate(new int[]{7, 8, 9}, 6, Sampler.greedy(), null, null));
        }
        assertEquals(warm, t.bufferBytesAllocated(), "closed caches and prefill arrays come back from the pool");
    }

    @Test
    void aClosedCacheRefusesUse() {
        Transformer t = new Transformer(RandomWeights.of(C, 4, false));
        KvCache cache = t.newCache(4);
        cache.close();
        cache.close(); // twice is harmless
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.decode(cache, 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    private static void assertArrayEqualsInts(int[] expected, int[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, "stale pooled arrays must not change the tokens");
    }
}
