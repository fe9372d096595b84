package tagllm.model;

import org.junit.jupiter.api.Test;
import tagllm.tensor.NativeBf16;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training loop over batches of real data, whose lengths differ from step to step: the input block, the
 * activations and the gradient rows come from the model's pool, which hands out arrays made for longer batches.
 * Those must not change a batch's bits, and the pool must settle: once it has served a few dozen batches after the
 * longest one it allocates nothing more, and what it added after the longest batch stays a fraction of that batch's
 * arrays (before, every batch of a new length allocated its own, and the old generation grew without bound).
 */
class VaryingBatchReuseTest {
    @Test
    void batchesOfVaryingLengthReuseLongerArraysWithTheBitsOfAFreshModel() {
        for (int kind : new int[]{0, 2}) { // F32, and computing in BF16 (TinyModels.ofKind)
            if (kind == 2 && !NativeBf16.available()) continue;
            Transformer reused = TinyModels.ofKind(kind);
            Random rnd = new Random(11);
            step(reused, 40, 60, 99); // the longest batch: 100 rows, 90 of them trainable
            long longest = reused.bufferBytesAllocated(), settled = -1;
            for (int i = 0; i < 120; i++) {
                if (i == 60) settled = reused.bufferBytesAllocated();
                int len0 = 25 + rnd.nextInt(16), len1 = 25 + rnd.nextInt(36); // 50..100 rows
                float[][] got = step(reused, len0, len1, i);
                if (i % 5 != 0) continue;
                float[][] want = step(TinyModels.ofKind(kind), len0, len1, i); // a new model has reused nothing
                int n = (len0 + len1) * reused.config().hiddenSize();
                assertArrayEquals(want[0], got[0], "normed, step " + i + " (" + len0 + " + " + len1 + " rows), kind " + kind);
                assertArrayEquals(want[1], got[1], "input gradient, step " + i + ", kind " + kind);
                assertEquals(n, got[1].length);
            }
            assertEquals(settled, reused.bufferBytesAllocated(), "nothing allocated in the last 60 steps, kind " + kind);
            assertTrue(settled - longest < longest / 4, "after the longest batch the pool added " + (settled - longest)
                    + " bytes, against its " + longest + ", kind " + kind);
        }
    }

    /**
     * One step as the trainer makes it: the input block borrowed from the model, a pass kept for backward, the
     * loss gradient in the pass's gradient rows; returns the final-norm output and the input gradient (copies of
     * their rows × hidden values: the pooled arrays may be longer).
     */
    private static float[][] step(Transformer t, int len0, int len1, long seed) {
        int d = t.config().hiddenSize(), n = (len0 + len1) * d;
        PackedBatch shape = TinyModels.packed(t, seed, len0, len1, 3, 20, 2, 8);
        float[] input = t.borrowBuffer(n);
        System.arraycopy(shape.input(), 0, input, 0, n);
        int[] position = new int[shape.rows()], attendFrom = new int[shape.rows()];
        for (int r = 0; r < shape.rows(); r++) {
            position[r] = shape.position(r);
            attendFrom[r] = shape.attendFrom(r);
        }
        PackedBatch b = new PackedBatch(d, input, shape.seqStarts(), position, attendFrom, new int[]{2, len0 + 8});
        try (ForwardPass p = t.forward(b, true)) {
            float[] normed = Arrays.copyOf(p.normed(), n);
            float[] dNormed = p.gradientRows();
            Random r = new Random(seed);
            for (int i = 0; i < n; i++) dNormed[i] = (float) r.nextGaussian();
            float[] dInput = t.backward(p, dNormed, p.gradientRows());
            return new float[][]{normed, Arrays.copyOf(dInput, n)};
        } finally {
            t.recycle(input);
        }
    }
}
