package tagllm.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** BlockAttention (matrix-product form) against the per-row Attention kernel, forward and backward. */
class KernelBlockAttentionTest {
    // 70 rows, 6 query heads in 2 kv groups (G = 3), head_dim 16; rows 20..44 are an isolated span (lo = 20),
    // later rows see everything again (non-monotonic lo), rows before 10 are not trainable
    static final int N = 70, HEADS = 6, KV = 2, G = 3, HD = 16, QD = HEADS * HD, KVD = KV * HD, GRAD_FROM = 10;
    static final float SCALE = 0.25f;

    @Test
    void forwardAndBackwardMatchThePerRowKernel() {
        Random rnd = new Random(3);
        float[] q = rand(N * QD, rnd), k = rand(N * KVD, rnd), v = rand(N * KVD, rnd), dOut = rand((N - GRAD_FROM) * QD, rnd);
        int[] lo = new int[N], hi = new int[N];
        for (int r = 0; r < N; r++) {
            lo[r] = r >= 20 && r < 45 ? 20 : Math.max(0, r - 60); // a sliding window of 61 too
            hi[r] = r;
        }
        float[] attRef = new float[N * QD], lseRef = new float[N * HEADS];
        for (int r = 0; r < N; r++) {
            for (int h = 0; h < HEADS; h++) {
                lseRef[r * HEADS + h] = Attention.forward(q, r * QD + h * HD, k, v, KVD, (h / G) * HD, lo[r], hi[r], HD,
                        SCALE, new float[N], attRef, r * QD + h * HD);
            }
        }
        float[] att = new float[N * QD], lse = new float[N * HEADS];
        for (int g = 0; g < KV; g++) {
            BlockAttention.forward(q, QD, k, v, KVD, HD, G, g, 0, 33, lo, hi, SCALE, HEADS, lse, att);
            BlockAttention.forward(q, QD, k, v, KVD, HD, G, g, 33, N, lo, hi, SCALE, HEADS, lse, att);
        }
        close(attRef, att, 1e-5, "attention output");
        close(lseRef, lse, 1e-5, "log-sum-exp");

        int[] compact = new int[N];
        for (int r = 0; r < N; r++) compact[r] = r < GRAD_FROM ? -1 : r - GRAD_FROM;
        int m = N - GRAD_FROM;
        float[] dqRef = new float[m * QD], dkRef = new float[m * KVD], dvRef = new float[m * KVD];
        for (int r = GRAD_FROM; r < N; r++) {
            for (int h = 0; h < HEADS; h++) {
                int go = compact[r] * QD + h * HD;
                Attention.backward(q, r * QD + h * HD, k, v, KVD, (h / G) * HD, lo[r], hi[r], HD, SCALE, lse[r * HEADS + h],
                        dOut, go, new float[2 * N], dqRef, go, dkRef, dvRef, KVD, compact);
            }
        }
        float[] dq = new float[m * QD], dk = new float[m * KVD], dv = new float[m * KVD];
        for (int g = 0; g < KV; g++) {
            BlockAttention.backward(q, QD, k, v, KVD, HD, G, g, GRAD_FROM, 40, lo, hi, SCALE, HEADS, lse, dOut, compact, dq, dk, dv);
            BlockAttention.backward(q, QD, k, v, KVD, HD, G, g, 40, N, lo, hi, SCALE, HEADS, lse, dOut, compact, dq, dk, dv);
        }
        close(dqRef, dq, 1e-4, "dq");
        close(dkRef, dk, 1e-4, "dk");
        close(dvRef, dv, 1e-4, "dv");
    }

    private static void close(float[] ref, float[] got, double rel, String what) {
        double max = 0, err = 0;
        for (int i = 0; i < ref.length; i++) {
            max = Math.max(max, Math.abs(ref[i]));
            err = Math.max(err, Math.abs(ref[i] - got[i]));
        }
        double e = err, mx = max;
        assertTrue(max > 0 && err <= rel * max, () -> what + ": max error " + e + " vs max " + mx);
    }

    private static float[] rand(int n, Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
