package tagllm.model;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tagllm.tensor.NativeBf16;
import tagllm.tensor.Parallel;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A batch cut into lanes (each core a run of sequences through the whole forward and backward) against the same
 * batch as one pass: the final-norm output, the residuals and the input gradient must be the same bits, reads and
 * misuse must answer as a whole pass does; and where the cut falls, worked out by hand.
 */
class LanesTest {
    @AfterEach
    void lanesBackOn() { Transformer.lanesOff = false; }

    @Test
    void cutsAtTheSequenceBoundaryNearestAnEvenShare() {
        // 8 × 124 rows: 496 a lane
        assertArrayEquals(new int[]{0, 4, 8}, Lanes.cut(batch(32, repeat(124, 8)), 2));
        // 1,000 rows, half at 500 = after the second sequence
        assertArrayEquals(new int[]{0, 2, 4}, Lanes.cut(batch(32, 300, 200, 250, 250), 2));
        // three lanes of 1,500 rows: boundaries nearest 500 and 1,000
        assertArrayEquals(new int[]{0, 2, 4, 6}, Lanes.cut(batch(32, 260, 250, 240, 260, 250, 240), 3));
    }

    @Test
    void runsWholeWhereLanesWouldBeSmallOrUneven() {
        assertNull(Lanes.cut(batch(32, repeat(44, 4)), 2), "176 rows: under two lanes of " + Lanes.MIN_ROWS);
        assertArrayEquals(new int[]{0, 2, 4}, Lanes.cut(batch(32, repeat(45, 4)), 2), "two lanes of exactly 90 rows");
        // 1,200 rows, even share 600: the boundaries nearest it are at 1,000 and 1,100, so a lane of 1,000 (1.67)
        assertNull(Lanes.cut(batch(32, 1000, 100, 100), 2), "the nearest cut leaves 1,000 and 200 rows, 1,000 over 1.5 of 600");
        // the nearest cut (400 and 800 are equally near 600: the first) leaves 800 rows, 1.33 of an even share
        assertArrayEquals(new int[]{0, 1, 3}, Lanes.cut(batch(32, 400, 400, 400), 2), "400 and 800 rows, within 1.5 of 600");
        assertNull(Lanes.cut(batch(32, 900), 2), "one sequence");
        assertNull(Lanes.cut(batch(32, repeat(124, 8)), 1), "one lane");
        // 992 rows in three: nearest 330.7 is 372 (3 sequences), nearest 661.3 is 620 (5): 372, 248 and 372 rows
        assertArrayEquals(new int[]{0, 3, 5, 8}, Lanes.cut(batch(32, repeat(124, 8)), 3), "three lanes, the longest 1.125 of 330.7");
        assertArrayEquals(new int[]{0, 8, 16}, Lanes.cut(batch(32, repeat(124, 16)), 2), "two lanes of 992 rows");
        assertArrayEquals(new int[]{0, 6, 12}, Lanes.cut(batch(32, repeat(124, 12)), 2), "two lanes of 744 rows");
    }

    /** F32 compute: a forward-only pass runs in lanes, a training pass whole (its packing would be paid per lane). */
    @Test
    void f32ForwardInLanesHasTheWholePassesBits() {
        assumeTrue(Parallel.threads() == 2, "the batches here make two lanes of 500-630 rows");
        Transformer t = TinyModels.qwen2Like();
        PackedBatch b = longBatch(t, 5);
        try (ForwardPass lanes = t.forward(b, false)) {
            assertNotNull(lanes.lanes, "a forward-only pass of " + b.rows() + " rows runs in lanes");
            float[] whole = wholeNormed(t, b);
            assertArrayEquals(Arrays.copyOf(whole, b.rows() * t.config().hiddenSize()),
                    Arrays.copyOf(lanes.normed(), b.rows() * t.config().hiddenSize()));
        }
        try (ForwardPass kept = t.forward(b, true)) {
            assertNull(kept.lanes, "an F32 training pass runs whole");
        }
    }

    /**
     * BF16 compute: training in lanes, all rows and read rows (two in every sequence; one in six sequences), forward
     * and backward.
     */
    @Test
    void bf16TrainingInLanesHasTheWholePassesBits() {
        assumeTrue(Parallel.threads() == 2, "the batches here make two lanes of 500-630 rows");
        assumeTrue(NativeBf16.available(), NativeBf16.status());
        Transformer t = TinyModels.llamaMqaBf16Compute();
        PackedBatch b = longBatch(t, 6);
        int d = t.config().hiddenSize(), n = b.rows();
        int[] two = new int[2 * b.sequences()];
        for (int s = 0; s < b.sequences(); s++) {
            two[2 * s] = b.seqEnd(s) - 4 - s % 3;
            two[2 * s + 1] = b.seqEnd(s) - 1;
        }
        int[] six = {b.seqEnd(0) - 1, b.seqEnd(2) - 2, b.seqEnd(4) - 1, b.seqEnd(9) - 3, b.seqEnd(11) - 1, b.seqEnd(13) - 1};
        for (int[] rows : new int[][]{null, two, six}) {
            int[] read = rows != null ? rows : two;
            float[] dNormed = new float[n * d];
            Random rnd = new Random(23);
            for (int r = 0; r < n; r++) {
                if (rows != null && Arrays.binarySearch(rows, r) < 0) continue;
                for (int j = 0; j < d; j++) dNormed[r * d + j] = (float) rnd.nextGaussian();
            }
            Transformer.lanesOff = true;
            float[] wholeOut, wholeGrad, wholeResidual;
            try (ForwardPass whole = t.forward(b, true, rows)) {
                assertNull(whole.lanes);
                wholeOut = whole.normedRow(read[2]);
                wholeResidual = whole.residualAfterLayer(0, read[read.length - 1]);
                wholeGrad = t.backward(whole, dNormed);
            }
            Transformer.lanesOff = false;
            try (ForwardPass lanes = t.forward(b, true, rows)) {
                assertNotNull(lanes.lanes, "a BF16 training pass of " + n + " rows runs in lanes");
                assertTrue(read[read.length - 1] >= lanes.laneRow[1], "row " + read[read.length - 1] + " is in the second lane");
                assertArrayEquals(wholeOut, lanes.normedRow(read[2]));
                assertArrayEquals(wholeResidual, lanes.residualAfterLayer(0, read[read.length - 1]));
                float[] grad = t.backward(lanes, dNormed);
                assertArrayEquals(wholeGrad, grad, "input gradient, " + (rows == null ? "all" : rows.length) + " rows read");
                double max = 0;
                for (float g : grad) max = Math.max(max, Math.abs(g));
                assertTrue(max > 1e-3, "the loss reaches the inputs: largest gradient " + max);
            }
        }
    }

    /**
     * Under BF16 compute a layer's form follows its row counts ({@link DecoderLayer#fused}: 14 rows or more take
     * operands rounded to BF16 where they are made and keep the MLP's inputs as BF16 pairs): 20 read rows, one a
     * sequence, would be 10 a lane, below that, so that batch runs whole.
     */
    @Test
    void aBatchWhoseLanesWouldTakeAnotherFormRunsWhole() {
        assumeTrue(Parallel.threads() == 2, "the batches here make two lanes of 500-630 rows");
        assumeTrue(NativeBf16.available(), NativeBf16.status());
        Transformer t = TinyModels.llamaMqaBf16Compute();
        PackedBatch b = longBatch(t, 8);
        int[] one = new int[b.sequences()];
        for (int s = 0; s < one.length; s++) one[s] = b.seqEnd(s) - 1;
        assertTrue(t.layerForm(one.length) != t.layerForm(one.length / 2), "the form changes between 20 and 10 rows");
        try (ForwardPass p = t.forward(b, true, one)) {
            assertNull(p.lanes);
        }
        try (ForwardPass p = t.forward(b, true)) {
            assertNotNull(p.lanes, "with every row read the lanes take the whole pass's form");
        }
    }

    /** A pass in lanes refuses what a whole pass refuses, naming the batch's rows, not a lane's. */
    @Test
    void misuseOfAPassInLanesFailsAsAWholePassDoes() {
        assumeTrue(Parallel.threads() == 2, "the batches here make two lanes of 500-630 rows");
        assumeTrue(NativeBf16.available(), NativeBf16.status());
        Transformer t = TinyModels.llamaMqaBf16Compute();
        PackedBatch b = longBatch(t, 7);
        int d = t.config().hiddenSize();
        int last = b.rows() - 1, early = b.seqEnd(0) - 1;
        ForwardPass p = t.forward(b, true, new int[]{early, last});
        assertNotNull(p.lanes);
        IllegalStateException all = assertThrows(IllegalStateException.class, p::normed);
        assertTrue(all.getMessage().contains("only at its 2 read rows [" + early + ", " + last + "]"), all.getMessage());
        IllegalArgumentException row = assertThrows(IllegalArgumentException.class, () -> p.normedRow(last - 1));
        assertTrue(row.getMessage().contains("row " + (last - 1) + " of the final-norm output was not computed")
                && row.getMessage().contains("[" + early + ", " + last + "]"), row.getMessage());
        IllegalArgumentException residual = assertThrows(IllegalArgumentException.class,
                () -> p.residualAfterLayer(t.config().numLayers() - 1, last - 1));
        assertTrue(residual.getMessage().contains("row " + (last - 1)), residual.getMessage());
        assertEquals(d, p.residualAfterLayer(0, last - 1).length, "a lower layer's residual exists at every row");
        float[] dNormed = new float[b.rows() * d];
        dNormed[last * d] = 1f;
        dNormed[(last - 2) * d + 1] = 0.5f;
        IllegalArgumentException grad = assertThrows(IllegalArgumentException.class, () -> t.backward(p, dNormed));
        assertTrue(grad.getMessage().contains("nonzero at row " + (last - 2)) && grad.getMessage().contains("[" + early + ", " + last + "]"),
                grad.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> p.normedRow(b.rows()));
        assertTrue(p.bytes() > 0);
        p.close();
        assertThrows(IllegalStateException.class, () -> p.normedRow(last));
    }

    private static float[] wholeNormed(Transformer t, PackedBatch b) {
        Transformer.lanesOff = true;
        try (ForwardPass whole = t.forward(b, false)) {
            assertNull(whole.lanes);
            return whole.normed().clone();
        } finally {
            Transformer.lanesOff = false;
        }
    }

    /**
     * 20 sequences of 50-63 rows (the tiny models' context is 64; 1,000-1,260 rows, two lanes of 500-630), one with an
     * isolated span, trainable from row 2.
     */
    private static PackedBatch longBatch(Transformer t, long seed) {
        int[] lengths = new int[20];
        Random rnd = new Random(seed);
        for (int s = 0; s < lengths.length; s++) lengths[s] = 50 + rnd.nextInt(14);
        int d = t.config().hiddenSize();
        Causal c = causal(lengths);
        int[] grad = new int[lengths.length];
        for (int s = 0; s < lengths.length; s++) grad[s] = c.starts[s] + 2;
        for (int r = c.starts[9] + 3; r < c.starts[9] + 20; r++) c.from[r] = c.starts[9] + 3;
        float[] input = new float[c.pos.length * d];
        for (int i = 0; i < input.length; i++) input[i] = (float) (rnd.nextGaussian() * 0.7);
        return new PackedBatch(d, input, c.starts, c.pos, c.from, grad);
    }

    /** Plain causal sequences of these lengths (inputs zero, trainable from their first row): where the cut falls. */
    private static PackedBatch batch(int d, int... lengths) {
        Causal c = causal(lengths);
        return new PackedBatch(d, new float[c.pos.length * d], c.starts, c.pos, c.from, Arrays.copyOf(c.starts, lengths.length));
    }

    /** Sequences of these lengths back to back: where each starts, each row's position, and each row's first key. */
    private record Causal(int[] starts, int[] pos, int[] from) {}

    private static Causal causal(int[] lengths) {
        int n = Arrays.stream(lengths).sum();
        int[] starts = new int[lengths.length + 1], pos = new int[n], from = new int[n];
        for (int s = 0; s < lengths.length; s++) starts[s + 1] = starts[s] + lengths[s];
        for (int s = 0; s < lengths.length; s++) {
            for (int r = starts[s]; r < starts[s + 1]; r++) {
                pos[r] = r - starts[s];
                from[r] = starts[s];
            }
        }
        return new Causal(starts, pos, from);
    }

    private static int[] repeat(int length, int times) {
        int[] a = new int[times];
        Arrays.fill(a, length);
        return a;
    }
}
