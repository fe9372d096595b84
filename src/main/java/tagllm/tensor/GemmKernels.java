package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tiles of {@link Gemm}: C[rows × 2L] (+)= A[rows × kc] · B[kc × 2L], A row-major (row stride lda),
 * B one packed panel (row stride ldb), C row-major (row stride ldc). Every accumulator lives in a register for the
 * whole reduction, written out once. Unrolled by hand: the JIT keeps named locals in registers, arrays it would not.
 */
final class GemmKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private GemmKernels() {}

    /** The 14-row register tile: 28 accumulators, per reduction step two panel loads and 14 broadcasts of A. */
    static void kernel14(float[] a, int ai, int lda, int kc, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
                          boolean load) {
        FloatVector c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b, c4a, c4b, c5a, c5b;
        FloatVector c6a, c6b, c7a, c7b, c8a, c8b, c9a, c9b, c10a, c10b, c11a, c11b, c12a, c12b, c13a, c13b;
        if (load) {
            c0a = FloatVector.fromArray(S, c, ci);
            c0b = FloatVector.fromArray(S, c, ci + L);
            c1a = FloatVector.fromArray(S, c, ci + ldc);
            c1b = FloatVector.fromArray(S, c, ci + ldc + L);
            c2a = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c2b = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
            c3a = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c3b = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
            c4a = FloatVector.fromArray(S, c, ci + 4 * ldc);
            c4b = FloatVector.fromArray(S, c, ci + 4 * ldc + L);
            c5a = FloatVector.fromArray(S, c, ci + 5 * ldc);
            c5b = FloatVector.fromArray(S, c, ci + 5 * ldc + L);
            c6a = FloatVector.fromArray(S, c, ci + 6 * ldc);
            c6b = FloatVector.fromArray(S, c, ci + 6 * ldc + L);
            c7a = FloatVector.fromArray(S, c, ci + 7 * ldc);
            c7b = FloatVector.fromArray(S, c, ci + 7 * ldc + L);
            c8a = FloatVector.fromArray(S, c, ci + 8 * ldc);
            c8b = FloatVector.fromArray(S, c, ci + 8 * ldc + L);
            c9a = FloatVector.fromArray(S, c, ci + 9 * ldc);
            c9b = FloatVector.fromArray(S, c, ci + 9 * ldc + L);
            c10a = FloatVector.fromArray(S, c, ci + 10 * ldc);
            c10b = FloatVector.fromArray(S, c, ci + 10 * ldc + L);
            c11a = FloatVector.fromArray(S, c, ci + 11 * ldc);
            c11b = FloatVector.fromArray(S, c, ci + 11 * ldc + L);
            c12a = FloatVector.fromArray(S, c, ci + 12 * ldc);
            c12b = FloatVector.fromArray(S, c, ci + 12 * ldc + L);
            c13a = FloatVector.fromArray(S, c, ci + 13 * ldc);
            c13b = FloatVector.fromArray(S, c, ci + 13 * ldc + L);
        } else {
            c0a = c0b = c1a = c1b = c2a = c2b = c3a = c3b = c4a = c4b = c5a = c5b =
                    c6a = c6b = c7a = c7b = c8a = c8b = c9a = c9b = c10a = c10b = c11a = c11b = c12a = c12b = c13a = c13b = FloatVector.zero(S);
        }
        int a0 = ai, a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
        int a6 = ai + 6 * lda, a7 = ai + 7 * lda, a8 = ai + 8 * lda, a9 = ai + 9 * lda, a10 = ai + 10 * lda, a11 = ai + 11 * lda;
        int a12 = ai + 12 * lda, a13 = ai + 13 * lda;
        for (int p = 0, bo = bi; p < kc; p++, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c0a = x0.fma(b0, c0a);
            c0b = x0.fma(b1, c0b);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c1a = x1.fma(b0, c1a);
            c1b = x1.fma(b1, c1b);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c2a = x2.fma(b0, c2a);
            c2b = x2.fma(b1, c2b);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c3a = x3.fma(b0, c3a);
            c3b = x3.fma(b1, c3b);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c4a = x4.fma(b0, c4a);
            c4b = x4.fma(b1, c4b);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c5a = x5.fma(b0, c5a);
            c5b = x5.fma(b1, c5b);
            FloatVector x6 = FloatVector.broadcast(S, a[a6 + p]);
            c6a = x6.fma(b0, c6a);
            c6b = x6.fma(b1, c6b);
            FloatVector x7 = FloatVector.broadcast(S, a[a7 + p]);
            c7a = x7.fma(b0, c7a);
            c7b = x7.fma(b1, c7b);
            FloatVector x8 = FloatVector.broadcast(S, a[a8 + p]);
            c8a = x8.fma(b0, c8a);
            c8b = x8.fma(b1, c8b);
            FloatVector x9 = FloatVector.broadcast(S, a[a9 + p]);
            c9a = x9.fma(b0, c9a);
            c9b = x9.fma(b1, c9b);
            FloatVector x10 = FloatVector.broadcast(S, a[a10 + p]);
            c10a = x10.fma(b0, c10a);
            c10b = x10.fma(b1, c10b);
            FloatVector x11 = FloatVector.broadcast(S, a[a11 + p]);
            c11a = x11.fma(b0, c11a);
            c11b = x11.fma(b1, c11b);
            FloatVector x12 = FloatVector.broadcast(S, a[a12 + p]);
            c12a = x12.fma(b0, c12a);
            c12b = x12.fma(b1, c12b);
            FloatVector x13 = FloatVector.broadcast(S, a[a13 + p]);
            c13a = x13.fma(b0, c13a);
            c13b = x13.fma(b1, c13b);
        }
        c0a.intoArray(c, ci);
        c0b.intoArray(c, ci + L);
        c1a.intoArray(c, ci + ldc);
        c1b.intoArray(c, ci + ldc + L);
        c2a.intoArray(c, ci + 2 * ldc);
        c2b.intoArray(c, ci + 2 * ldc + L);
        c3a.intoArray(c, ci + 3 * ldc);
        c3b.intoArray(c, ci + 3 * ldc + L);
        c4a.intoArray(c, ci + 4 * ldc);
        c4b.intoArray(c, ci + 4 * ldc + L);
        c5a.intoArray(c, ci + 5 * ldc);
        c5b.intoArray(c, ci + 5 * ldc + L);
        c6a.intoArray(c, ci + 6 * ldc);
        c6b.intoArray(c, ci + 6 * ldc + L);
        c7a.intoArray(c, ci + 7 * ldc);
        c7b.intoArray(c, ci + 7 * ldc + L);
        c8a.intoArray(c, ci + 8 * ldc);
        c8b.intoArray(c, ci + 8 * ldc + L);
        c9a.intoArray(c, ci + 9 * ldc);
        c9b.intoArray(c, ci + 9 * ldc + L);
        c10a.intoArray(c, ci + 10 * ldc);
        c10b.intoArray(c, ci + 10 * ldc + L);
        c11a.intoArray(c, ci + 11 * ldc);
        c11b.intoArray(c, ci + 11 * ldc + L);
        c12a.intoArray(c, ci + 12 * ldc);
        c12b.intoArray(c, ci + 12 * ldc + L);
        c13a.intoArray(c, ci + 13 * ldc);
        c13b.intoArray(c, ci + 13 * ldc + L);
    }

    /** The 6-row register tile: 12 accumulators, per reduction step two panel loads and 6 broadcasts of A. */
    static void kernel6(float[] a, int ai, int lda, int kc, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
                          boolean load) {
        FloatVector c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b, c4a, c4b, c5a, c5b;
        if (load) {
            c0a = FloatVector.fromArray(S, c, ci);
            c0b = FloatVector.fromArray(S, c, ci + L);
            c1a = FloatVector.fromArray(S, c, ci + ldc);
            c1b = FloatVector.fromArray(S, c, ci + ldc + L);
            c2a = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c2b = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
            c3a = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c3b = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
            c4a = FloatVector.fromArray(S, c, ci + 4 * ldc);
            c4b = FloatVector.fromArray(S, c, ci + 4 * ldc + L);
            c5a = FloatVector.fromArray(S, c, ci + 5 * ldc);
            c5b = FloatVector.fromArray(S, c, ci + 5 * ldc + L);
        } else {
            c0a = c0b = c1a = c1b = c2a = c2b = c3a = c3b = c4a = c4b = c5a = c5b = FloatVector.zero(S);
        }
        int a0 = ai, a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
        for (int p = 0, bo = bi; p < kc; p++, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c0a = x0.fma(b0, c0a);
            c0b = x0.fma(b1, c0b);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c1a = x1.fma(b0, c1a);
            c1b = x1.fma(b1, c1b);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c2a = x2.fma(b0, c2a);
            c2b = x2.fma(b1, c2b);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c3a = x3.fma(b0, c3a);
            c3b = x3.fma(b1, c3b);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c4a = x4.fma(b0, c4a);
            c4b = x4.fma(b1, c4b);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c5a = x5.fma(b0, c5a);
            c5b = x5.fma(b1, c5b);
        }
        c0a.intoArray(c, ci);
        c0b.intoArray(c, ci + L);
        c1a.intoArray(c, ci + ldc);
        c1b.intoArray(c, ci + ldc + L);
        c2a.intoArray(c, ci + 2 * ldc);
        c2b.intoArray(c, ci + 2 * ldc + L);
        c3a.intoArray(c, ci + 3 * ldc);
        c3b.intoArray(c, ci + 3 * ldc + L);
        c4a.intoArray(c, ci + 4 * ldc);
        c4b.intoArray(c, ci + 4 * ldc + L);
        c5a.intoArray(c, ci + 5 * ldc);
        c5b.intoArray(c, ci + 5 * ldc + L);
    }
}
