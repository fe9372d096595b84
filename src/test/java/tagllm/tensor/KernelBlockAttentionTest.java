package tagllm.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * BlockAttention (matrix-product form) against the per-row Attention kernel, forward and backward; in FP32, and with
 * its products other than the scores in BF16 (native tiles), where the per-row kernel's FP32 results are the
 * reference within BF16's rounding (operands to 8 significant bits: a few tenths of a percent of the largest value;
 * a wrong pair, tile or key range is off by tens of percent).
 */
class KernelBlockAttentionTest {
    private static final double FP32 = 1e-5, BF16 = 1e-2;

    // 70 rows, 6 query heads in 2 kv groups (G = 3), head_dim 16; rows 20..44 are an isolated span (lo = 20),
    // later rows see everything again (non-monotonic lo), rows before 10 are not trainable
    @Test
    void forwardAndBackwardMatchThePerRowKernel() {
        int n = 70;
        int[] lo = new int[n], hi = new int[n];
        for (int r = 0; r < n; r++) {
            lo[r] = r >= 20 && r < 45 ? 20 : Math.max(0, r - 60); // a sliding window of 61 too
            hi[r] = r;
        }
        check(n, 6, 2, 16, 0.25f, lo, hi, 10, new int[] {0, 33, n}, new int[] {10, 40, n}, false);
    }

    @Test
    void bf16ProductsOfWindowsAndSpansMatchThePerRowKernel() {
        assumeTrue(NativeBf16.available(), NativeBf16::status);
        int n = 70;
        int[] lo = new int[n], hi = new int[n];
        for (int r = 0; r < n; r++) {
            lo[r] = r >= 21 && r < 45 ? 21 - r % 2 : Math.max(0, r - 61); // odd and even first keys
            hi[r] = r;
        }
        check(n, 6, 2, 16, 0.25f, lo, hi, 10, new int[] {0, 33, n}, new int[] {10, 40, n}, true);
        check(n, 6, 2, 16, 0.25f, lo, hi, 11, new int[] {0, 31, n}, new int[] {11, 39, n}, true);
    }

    /**
     * SmolLM2-135M's heads (9 query heads, 3 kv heads, head_dim 64) over a causal 128-row sequence in 64-row blocks
     * and in the engine's one 128-row block: row tiles there skip the key panels above the diagonal, which must not
     * change any result. Rows before 5 are not trainable.
     */
    @Test
    void causalBlocksAtTheSmolLm2ShapeMatchThePerRowKernel() {
        int n = 128;
        int[] lo = new int[n], hi = new int[n];
        for (int r = 0; r < n; r++) hi[r] = r;
        check(n, 9, 3, 64, 0.125f, lo, hi, 5, new int[] {0, 64, n}, new int[] {5, 64, n}, false);
        check(n, 9, 3, 64, 0.125f, lo, hi, 5, new int[] {0, n}, new int[] {5, n}, false);
    }

    @Test
    void bf16CausalBlocksAtTheSmolLm2ShapeMatchThePerRowKernel() {
        assumeTrue(NativeBf16.available(), NativeBf16::status);
        int n = 124; // the bench's training rows: 124 keys, an odd number of 32-key panels' worth of pairs
        int[] lo = new int[n], hi = new int[n];
        for (int r = 0; r < n; r++) hi[r] = r;
        check(n, 9, 3, 64, 0.125f, lo, hi, 8, new int[] {0, n}, new int[] {8, n}, true);
        check(n, 9, 3, 64, 0.125f, lo, hi, 7, new int[] {0, 61, n}, new int[] {7, 61, n}, true);
    }

    /**
     * A head_dim of 40 (two 16-wide column blocks and an 8-wide edge) and 53 causal rows: the transposes' 16 × 16
     * register blocks and their gathered edges in rows and columns together.
     */
    @Test
    void headDimsAndRowCountsOffTheSixteenGridMatchThePerRowKernel() {
        int n = 53;
        int[] lo = new int[n], hi = new int[n];
        for (int r = 0; r < n; r++) hi[r] = r;
        check(n, 4, 2, 40, (float) (1 / Math.sqrt(40)), lo, hi, 3, new int[] {0, 19, n}, new int[] {3, 19, n}, false);
    }

    /** Head dim 40 (a 32-column panel and an 8-wide one), 53 rows (an odd number of keys): the BF16 tiles' edges. */
    @Test
    void bf16HeadDimsAndRowCountsOffThePanelGridMatchThePerRowKernel() {
        assumeTrue(NativeBf16.available(), NativeBf16::status);
        int n = 53;
        int[] lo = new int[n], hi = new int[n];
        for (int r = 0; r < n; r++) hi[r] = r;
        check(n, 4, 2, 40, (float) (1 / Math.sqrt(40)), lo, hi, 3, new int[] {0, 19, n}, new int[] {3, 19, n}, true);
        check(n, 3, 1, 33, (float) (1 / Math.sqrt(33)), lo, hi, 0, new int[] {0, n}, new int[] {0, n}, true);
    }

    private static void check(int n, int heads, int kv, int hd, float scale, int[] lo, int[] hi, int gradFrom,
                              int[] fwdBlocks, int[] bwdBlocks, boolean bf16) {
        double tol = bf16 ? BF16 : FP32;
        Attention.Heads shape = new Attention.Heads(heads, kv, hd);
        assertEquals(scale, shape.scale());
        int g0 = heads / kv, qd = heads * hd, kvd = kv * hd;
        Random rnd = new Random(3);
        float[] q = rand(n * qd, rnd), k = rand(n * kvd, rnd), v = rand(n * kvd, rnd), dOut = rand((n - gradFrom) * qd, rnd);
        Attention.Qkv x = new Attention.Qkv(q, k, v);
        Attention.KeyRanges keys = new Attention.KeyRanges(lo, hi);
        float[] attRef = new float[n * qd], lseRef = new float[n * heads];
        for (int r = 0; r < n; r++) {
            for (int h = 0; h < heads; h++) Attention.forward(shape, x, keys, r, h, lseRef, attRef, new float[n]);
        }
        float[] att = new float[n * qd], lse = new float[n * heads];
        for (int g = 0; g < kv; g++) {
            for (int b = 0; b + 1 < fwdBlocks.length; b++) {
                BlockAttention.forward(shape, x, keys, g, fwdBlocks[b], fwdBlocks[b + 1], lse, att, bf16);
            }
        }
        close(attRef, att, tol, "attention output");
        close(lseRef, lse, FP32, "log-sum-exp"); // the scores stay FP32

        int[] compact = new int[n];
        for (int r = 0; r < n; r++) compact[r] = r < gradFrom ? -1 : r - gradFrom;
        Attention.GradientRows into = new Attention.GradientRows(compact, compact);
        int m = n - gradFrom;
        float[] dqRef = new float[m * qd], dkRef = new float[m * kvd], dvRef = new float[m * kvd];
        Attention.Qkv ref = new Attention.Qkv(dqRef, dkRef, dvRef);
        for (int r = gradFrom; r < n; r++) {
            for (int h = 0; h < heads; h++) Attention.backward(shape, x, keys, lse, r, h, dOut, ref, into, new float[2 * n]);
        }
        float[] dq = new float[m * qd], dk = new float[m * kvd], dv = new float[m * kvd];
        Attention.Qkv got = new Attention.Qkv(dq, dk, dv);
        for (int g = 0; g < kv; g++) {
            for (int b = 0; b + 1 < bwdBlocks.length; b++) {
                BlockAttention.backward(shape, x, keys, lse, g, bwdBlocks[b], bwdBlocks[b + 1], dOut, got, into, bf16);
            }
        }
        close(dqRef, dq, tol, "dq");
        close(dkRef, dk, tol, "dk");
        close(dvRef, dv, tol, "dv");
    }

    private static void close(float[] ref, float[] got, double rel, String what) {
        double max = 0, err = 0;
        for (int i = 0; i < ref.length; i++) {
            max = Math.max(max, Math.abs(ref[i]));
            err = Math.max(err, Math.abs(ref[i] - got[i]));
        }
        double e = err, mx = max;
        if (System.getenv("TAGLLM_SHOW_ERRORS") != null) System.out.printf("%s: %.3g of the largest%n", what, err / max);
        assertTrue(max > 0 && err <= rel * max, () -> what + ": max error " + e + " vs max " + mx);
    }

    private static float[] rand(int n, Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
