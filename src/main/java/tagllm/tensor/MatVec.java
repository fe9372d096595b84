package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Y = X·Wᵀ for a handful of rows (decode, one LM-head row): memory-bound, so W is streamed once in its stored
 * layout (BF16 stays 2 bytes per weight until it is in a register) as dot products, four W rows at a time,
 * output rows split over the pool.
 */
final class MatVec {
    private static final VectorSpecies<Float> S = Gemm.S;
    private static final int L = Gemm.L;
    private static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, S.vectorShape());
    /** Below this many multiply-adds a task is not worth handing to another thread. */
    private static final int MIN_TASK_WORK = 16_384;

    private MatVec() {}

    static void xwT(float[] x, int xOff, int m, Gemm.Weights w, float[] y, int yOff, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        int grain = Math.max(4, MIN_TASK_WORK / Math.max(1, k * m));
        Parallel.forRange(n, grain, (j0, j1) -> {
            for (int i = 0; i < m; i++) rows(x, xOff + i * k, w, j0, j1, y, yOff + i * n, accumulate);
        });
    }

    /** Upcasts L BF16 values exactly (bits << 16) into a float vector. */
    static FloatVector bf16(short[] b, int off) {
        IntVector wide = (IntVector) ShortVector.fromArray(SHORTS, b, off).convertShape(VectorOperators.S2I, INTS, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static void rows(float[] x, int xo, Gemm.Weights w, int j0, int j1, float[] y, int yo, boolean accumulate) {
        int k = w.cols();
        float[] f = w.f32();
        short[] b = w.bf16();
        int kv = k - k % L;
        int j = j0;
        for (; j + 4 <= j1; j += 4) {
            int w0 = j * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            if (f != null) {
                for (int p = 0; p < kv; p += L) {
                    FloatVector xv = FloatVector.fromArray(S, x, xo + p);
                    s0 = xv.fma(FloatVector.fromArray(S, f, w0 + p), s0);
                    s1 = xv.fma(FloatVector.fromArray(S, f, w1 + p), s1);
                    s2 = xv.fma(FloatVector.fromArray(S, f, w2 + p), s2);
                    s3 = xv.fma(FloatVector.fromArray(S, f, w3 + p), s3);
                }
            } else {
                for (int p = 0; p < kv; p += L) {
                    FloatVector xv = FloatVector.fromArray(S, x, xo + p);
                    s0 = xv.fma(bf16(b, w0 + p), s0);
                    s1 = xv.fma(bf16(b, w1 + p), s1);
                    s2 = xv.fma(bf16(b, w2 + p), s2);
                    s3 = xv.fma(bf16(b, w3 + p), s3);
                }
            }
            float r0 = s0.reduceLanes(VectorOperators.ADD), r1 = s1.reduceLanes(VectorOperators.ADD);
            float r2 = s2.reduceLanes(VectorOperators.ADD), r3 = s3.reduceLanes(VectorOperators.ADD);
            for (int p = kv; p < k; p++) {
                float xp = x[xo + p];
                r0 += xp * w.get(j, p);
                r1 += xp * w.get(j + 1, p);
                r2 += xp * w.get(j + 2, p);
                r3 += xp * w.get(j + 3, p);
            }
            store(y, yo + j, r0, accumulate);
            store(y, yo + j + 1, r1, accumulate);
            store(y, yo + j + 2, r2, accumulate);
            store(y, yo + j + 3, r3, accumulate);
        }
        for (; j < j1; j++) {
            int w0 = j * k;
            FloatVector s0 = FloatVector.zero(S);
            for (int p = 0; p < kv; p += L) {
                FloatVector wv = f != null ? FloatVector.fromArray(S, f, w0 + p) : bf16(b, w0 + p);
                s0 = FloatVector.fromArray(S, x, xo + p).fma(wv, s0);
            }
            float r0 = s0.reduceLanes(VectorOperators.ADD);
            for (int p = kv; p < k; p++) r0 += x[xo + p] * w.get(j, p);
            store(y, yo + j, r0, accumulate);
        }
    }

    private static void store(float[] y, int i, float v, boolean accumulate) {
        y[i] = accumulate ? y[i] + v : v;
    }
}
