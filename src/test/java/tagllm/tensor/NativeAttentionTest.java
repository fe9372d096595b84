package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The native attention blocks under BF16 compute ({@link NativeBf16#attentionForward}, {@link
 * NativeBf16#attentionBackward}) against {@link BlockAttention}'s tile-by-tile form, which calls the native tiles one
 * product at a time and does the rest in Java: the same bits, output for output, over causal blocks, windows with odd
 * and even first keys, rows before the first trainable one, head widths off the panel and pair grids and one to four
 * query heads per kv head. The tile-by-tile form's own accuracy is checked against the per-row FP32 kernel in
 * {@link KernelBlockAttentionTest}. Bit equality needs Java's vectors to have the native 16 lanes (the sums' order).
 */
class NativeAttentionTest {
    private static void assumeNative() {
        assumeTrue(NativeBf16.available(), NativeBf16::status);
        assumeTrue(FloatVector.SPECIES_PREFERRED.length() == 16, "Java's vectors have 16 lanes, as the native sums do");
    }

    @Test
    void forwardAndBackwardEqualTheTileByTileFormBitForBit() {
        assumeNative();
        Random rnd = new Random(11);
        int[][] heads = {{9, 3, 64}, {4, 4, 32}, {8, 2, 64}, {6, 1, 17}, {4, 1, 80}, {6, 3, 30}};
        for (int[] h : heads) {
            for (int rows : new int[] {1, 14, 33, 118, 160}) {
                for (int window = 0; window < 2; window++) {
                    check(new Attention.Heads(h[0], h[1], h[2]), rows, 5 + rows % 3, window == 1, rnd);
                }
            }
        }
    }

    /** gradFrom rows before the block's queries: keys with no gradient row, gradients at rows shifted by it. */
    private static void check(Attention.Heads s, int rows, int gradFrom, boolean window, Random rnd) {
        int n = gradFrom + rows, qDim = s.qDim(), kvDim = s.kvDim();
        float[] q = gaussian(n * qDim, 2, rnd), k = gaussian(n * kvDim, 1, rnd), v = gaussian(n * kvDim, 1, rnd);
        int[] lo = new int[n], hi = new int[n];
        for (int r = 0; r < n; r++) {
            // a window of about 40 keys whose first key moves by one, odd and even; or causal from the first row
            lo[r] = window ? Math.max(0, r - 40 + rnd.nextInt(3)) : 0;
            hi[r] = r;
        }
        Attention.Qkv x = new Attention.Qkv(q, k, v);
        Attention.KeyRanges keys = new Attention.KeyRanges(lo, hi);
        String what = s + ", " + rows + " rows from " + gradFrom + (window ? ", windowed" : ", causal");

        float[] lseTiles = new float[n * s.heads()], attTiles = new float[n * qDim];
        float[] lse = new float[n * s.heads()], att = new float[n * qDim];
        for (int g = 0; g < s.kvHeads(); g++) {
            for (int b = 0; b < n; b += 128) {
                BlockAttention.forwardTiles(s, x, keys, g, b, Math.min(n, b + 128), lseTiles, attTiles, true);
                BlockAttention.forward(s, x, keys, g, b, Math.min(n, b + 128), lse, att, true);
            }
        }
        assertArrayEquals(attTiles, att, "attention output, " + what);
        assertArrayEquals(lseTiles, lse, "log-sum-exp, " + what);

        int m = rows;
        int[] query = new int[n], key = new int[n];
        for (int r = 0; r < n; r++) query[r] = key[r] = r >= gradFrom ? r - gradFrom : -1;
        Attention.GradientRows into = new Attention.GradientRows(query, key);
        float[] dOut = gaussian(m * qDim, 1, rnd);
        Attention.Qkv tiles = new Attention.Qkv(new float[m * qDim], gaussian(m * kvDim, 1, new Random(3)), gaussian(m * kvDim, 1, new Random(4)));
        Attention.Qkv fused = new Attention.Qkv(new float[m * qDim], tiles.k().clone(), tiles.v().clone());
        for (int g = 0; g < s.kvHeads(); g++) {
            for (int b = gradFrom; b < n; b += 128) {
                BlockAttention.backwardTiles(s, x, keys, lseTiles, g, b, Math.min(n, b + 128), dOut, tiles, into, true);
                BlockAttention.backward(s, x, keys, lseTiles, g, b, Math.min(n, b + 128), dOut, fused, into, true);
            }
        }
        assertArrayEquals(tiles.q(), fused.q(), "dQ, " + what);
        assertArrayEquals(tiles.k(), fused.k(), "dK (added to what was there), " + what);
        assertArrayEquals(tiles.v(), fused.v(), "dV (added to what was there), " + what);
    }

    @Test
    void refusesKeyRangesOutsideTheBlockAndAShortWorkArea() {
        assumeNative();
        int rows = 3, group = 2, hd = 16, nk = 4, ld = group * hd;
        float[] q = new float[rows * ld], k = new float[nk * hd], v = new float[nk * hd], out = new float[rows * ld];
        float[] stats = new float[2 * rows * group];
        MemorySegment work = Arena.ofAuto().allocate(NativeBf16.attentionWorkBytes(rows * group, nk, hd), 64);
        int[] past = {0, 0, 0, 1, 2, 4};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeBf16.attentionForward(q, 0, ld, k, v, 0,
                hd, rows, group, hd, nk, past, 0.25f, out, 0, ld, stats, work));
        assertTrue(e.getMessage().contains("row 2 sees keys 2..4, not within 0..3"), e.getMessage());
        int[] keys = {0, 0, 0, 1, 0, 2};
        MemorySegment small = Arena.ofAuto().allocate(64, 64);
        e = assertThrows(IllegalArgumentException.class, () -> NativeBf16.attentionForward(q, 0, ld, k, v, 0, hd, rows, group, hd,
                nk, keys, 0.25f, out, 0, ld, stats, small));
        assertTrue(e.getMessage().startsWith("work: need "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NativeBf16.attentionForward(q, 0, ld, k, v, 0, hd, rows, group, hd,
                nk, keys, 0.25f, new float[ld], 0, ld, stats, work));
        assertTrue(e.getMessage().startsWith("out: need "), e.getMessage());
    }

    private static float[] gaussian(int n, double std, Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * std);
        return a;
    }
}
