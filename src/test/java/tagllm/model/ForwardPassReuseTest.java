package tagllm.model;

import org.junit.jupiter.api.Test;
import tagllm.tensor.NativeBf16;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Closed passes hand their arrays back and later passes reuse them with stale contents: results must be the bits
 * of a model that has never reused anything, whatever ran before (the kernels give the same bits in every JIT tier,
 * see DeterministicMath, so any difference is stale data leaking in).
 */
class ForwardPassReuseTest {
    @Test
    void reusedBuffersGiveTheResultsOfAFreshModel() {
        for (int kind = 0; kind < 3; kind++) {
            if (kind == 2 && !NativeBf16.available()) continue;
            Transformer reused = TinyModels.ofKind(kind);
            for (long seed : new long[]{1, 2, 3, 1}) {
                // a new model per batch never reuses anything: the reference
                Transformer fresh = TinyModels.ofKind(kind);
                PackedBatch b = seed == 2 ? TinyModels.packedLong(fresh, seed) : TinyModels.packed(fresh, seed);
                float[] dNormed = random(b.rows() * fresh.config().hiddenSize(), seed);
                ForwardPass pf = fresh.forward(b, true);
                if (kind == 2) {
                    // BF16 compute keeps gate and up only as BF16 pairs (the fused MLP's tasks leave them nowhere else)
                    for (LayerActivations a : pf.layers) assertEquals(LayerActivations.MlpInputs.BF16_PAIRS, a.mlpInputs);
                }
                float[] gradFresh = fresh.backward(pf, dNormed);
                ForwardPass pr = reused.forward(b, true);
                assertSameBits(pf.normed(), pr.normed(), "normed, seed " + seed);
                assertSameBits(gradFresh, reused.backward(pr, dNormed), "input gradient, seed " + seed);
                pr.close();
                try (ForwardPass q = reused.forward(b, false)) {
                    assertSameBits(pf.normed(), q.normed(), "forward without backward, seed " + seed);
                }
            }
        }
    }

    @Test
    void closedPassRefusesUse() {
        Transformer t = TinyModels.qwen2Like();
        PackedBatch b = TinyModels.packed(t, 4);
        ForwardPass p = t.forward(b, true);
        p.close();
        p.close(); // twice is harmless
        assertThrows(IllegalStateException.class, p::normed);
        assertThrows(IllegalStateException.class, () -> p.residualAfterLayer(0, 0));
        assertThrows(IllegalStateException.class, () -> t.backward(p, new float[b.rows() * t.config().hiddenSize()]));
    }

    private static void assertSameBits(float[] expected, float[] actual, String what) {
        assertArrayEquals(expected, actual, what);
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
