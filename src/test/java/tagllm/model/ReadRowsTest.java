package tagllm.model;

import org.junit.jupiter.api.Test;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A forward given read rows (top layer computed past K and V only there) against the same model's forward over
 * all rows: the final-norm output at the read rows and the backward's input gradient for a loss on those rows
 * must be the same bits (the pruned path leaves out only work whose result nothing reads, and sums what it does
 * compute in the same order); misuse fails with a message.
 */
class ReadRowsTest {
    /** Relative tolerance where two computations legitimately sum in different orders (prefill's few-row products). */
    private static final double TOL = 1e-6;

    @Test
    void qwen2BiasesGqaSlidingWindowOneRowPerSequence() {
        Transformer t = TinyModels.qwen2Like();
        compare(t, TinyModels.packed(t, 3), new int[]{6, 15});
    }

    /** Several rows per sequence, one of them (row 1) before its sequence's first trainable row. */
    @Test
    void llamaMqaBf16SeveralRowsPerSequence() {
        Transformer t = TinyModels.llamaMqaBf16();
        compare(t, TinyModels.packed(t, 4), new int[]{1, 4, 6, 9, 12, 15});
    }

    /** 36 read rows in one sequence: the pruned top layer's attention runs as blocks, forward and backward. */
    @Test
    void manyReadRowsThroughBlockAttention() {
        Transformer t = TinyModels.llamaMqaBf16();
        int[] rows = new int[37];
        rows[0] = 4;
        for (int i = 1; i < rows.length; i++) rows[i] = 10 + i;
        compare(t, TinyModels.packedLong(t, 5), rows);
    }

    /** Read rows in both 64-row attention blocks of a long sequence's backward (and one before its trainable rows). */
    @Test
    void readRowsAcrossBackwardAttentionBlocks() {
        Transformer t = TinyModels.qwen2Like();
        // sequences of 5 and 100 rows; the second trainable from row 13: blocks [13, 77) and [77, 105)
        PackedBatch b = TinyModels.packed(t, 8, 5, 100, 3, 20, 2, 8);
        compare(t, b, new int[]{4, 10, 30, 60, 76, 77, 90, 104});
    }

    @Test
    void stories260KRealModel() throws IOException {
        Path dir = Shared.model("stories260K");
        Transformer t = new Transformer(Weights.load(ModelConfig.load(dir.resolve("config.json")), dir));
        PackedBatch b = TinyModels.packedLong(t, 6);
        compare(t, b, new int[]{4, 20, 46});
    }

    /** Prefill returns only its last row and computes its top layer only there: same as a full forward's last row. */
    @Test
    void prefillMatchesTheFullForwardsLastRow() {
        Transformer t = TinyModels.qwen2Like();
        int d = t.config().hiddenSize();
        float[] input = TinyModels.packed(t, 7).input();
        float[] rows = java.util.Arrays.copyOf(input, 12 * d);
        float[] full = t.forward(PackedBatch.single(d, rows), false).normed();
        KvCache cache = t.newCache(12);
        float[] h = t.prefill(cache, java.util.Arrays.copyOf(rows, 9 * d), 9);
        assertClose(java.util.Arrays.copyOfRange(full, 8 * d, 9 * d), h, "prefill of 9 rows");
        float[] rest = java.util.Arrays.copyOfRange(rows, 9 * d, 12 * d);
        h = t.prefill(cache, rest, 3);
        assertClose(java.util.Arrays.copyOfRange(full, 11 * d, 12 * d), h, "prefill of 3 more rows after a cache");
    }

    @Test
    void readingARowThatWasNotComputedFailsClearly() {
        Transformer t = TinyModels.qwen2Like();
        PackedBatch b = TinyModels.packed(t, 3);
        int d = t.config().hiddenSize();
        ForwardPass p = t.forward(b, true, new int[]{6, 15});
        IllegalStateException all = assertThrows(IllegalStateException.class, p::normed);
        assertTrue(all.getMessage().contains("only at its 2 read rows [6, 15]") && all.getMessage().contains("normedRow"), all.getMessage());
        IllegalArgumentException row = assertThrows(IllegalArgumentException.class, () -> p.normedRow(3));
        assertTrue(row.getMessage().contains("row 3 of the final-norm output was not computed"), row.getMessage());
        IllegalArgumentException res = assertThrows(IllegalArgumentException.class,
                () -> p.residualAfterLayer(t.config().numLayers() - 1, 3));
        assertTrue(res.getMessage().contains("row 3"), res.getMessage());
        // a lower layer's residual exists at every row
        assertEquals(d, p.residualAfterLayer(0, 3).length);

        float[] dNormed = new float[b.rows() * d];
        dNormed[6 * d] = 1f;
        dNormed[9 * d + 2] = 0.5f;
        IllegalArgumentException grad = assertThrows(IllegalArgumentException.class, () -> t.backward(p, dNormed));
        assertTrue(grad.getMessage().contains("nonzero at row 9"), grad.getMessage());

        IllegalArgumentException order = assertThrows(IllegalArgumentException.class, () -> t.forward(b, false, new int[]{15, 6}));
        assertTrue(order.getMessage().contains("ascending"), order.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> t.forward(b, false, new int[]{6, 16}));
        assertTrue(range.getMessage().contains("read row 16") && range.getMessage().contains("[0, 16)"), range.getMessage());
    }

    /** Read rows that are every row leave nothing out: the pass is an ordinary one. */
    @Test
    void allRowsReadIsTheOrdinaryPass() {
        Transformer t = TinyModels.qwen2Like();
        PackedBatch b = TinyModels.packed(t, 3);
        int[] every = new int[b.rows()];
        for (int r = 0; r < every.length; r++) every[r] = r;
        ForwardPass p = t.forward(b, false, every);
        assertTrue(p.allRowsComputed());
        assertArrayEquals(t.forward(b, false).normed(), p.normed());
    }

    private static void compare(Transformer t, PackedBatch b, int[] read) {
        int d = t.config().hiddenSize(), n = b.rows();
        Random rnd = new Random(17);
        float[] dNormed = new float[n * d];
        for (int r : read) {
            for (int j = 0; j < d; j++) dNormed[r * d + j] = (float) rnd.nextGaussian();
        }
        float[] fullNormed;
        float[] fullGrad;
        try (ForwardPass full = t.forward(b, true)) {
            fullNormed = full.normed().clone();
            fullGrad = t.backward(full, dNormed);
        }
        float[] prunedGrad;
        try (ForwardPass pruned = t.forward(b, true, read)) {
            for (int r : read) {
                assertArrayEquals(java.util.Arrays.copyOfRange(fullNormed, r * d, (r + 1) * d), pruned.normedRow(r), "normed row " + r);
            }
            prunedGrad = t.backward(pruned, dNormed);
        }
        assertArrayEquals(fullGrad, prunedGrad, "input gradient");
        double maxGrad = 0;
        for (float g : fullGrad) maxGrad = Math.max(maxGrad, Math.abs(g));
        assertTrue(maxGrad > 1e-3, "the loss must reach the inputs: max gradient " + maxGrad);
        try (ForwardPass inference = t.forward(b, false, read); ForwardPass kept = t.forward(b, true, read)) {
            for (int r : read) assertArrayEquals(kept.normedRow(r), inference.normedRow(r), "row " + r + " with and without kept activations");
        }
    }

    /** Every element within TOL of the larger of the two arrays' largest magnitude. */
    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.max(Math.abs(expected[i]), Math.abs(actual[i])));
            double e = Math.abs(expected[i] - actual[i]);
            if (e > worst) {
                worst = e;
                at = i;
            }
        }
        assertTrue(worst <= TOL * scale, what + ": largest difference " + worst + " at " + at + " (scale " + scale + ")");
    }
}
