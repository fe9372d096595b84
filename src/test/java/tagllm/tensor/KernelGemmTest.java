package tagllm.tensor;

import org.junit.jupiter.api.Test;
import tagllm.model.SafeTensorsWriter;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gemm against a plain double-precision triple loop, over shapes that hit every tile edge (rows around the 6- and
 * 14-row tiles, partial panels, reduction blocks of 512, more panels than one L2 chunk, 4 KB row strides), F32 and BF16, on Matrix
 * operands (packed panels) and on plain row-major arrays (attention's K and V).
 */
class KernelGemmTest {
    private static final int[][] SHAPES = {
            // m, n (= w rows), k (= w cols)
            {1, 1, 1}, {1, 7, 5}, {3, 33, 17}, {5, 64, 48}, {6, 32, 16}, {6, 64, 128}, {7, 65, 129},
            {12, 96, 64}, {13, 31, 300}, {29, 172, 64}, {64, 48, 172}, {250, 70, 130}, {17, 512, 64},
            {14, 32, 8}, {15, 33, 513}, {28, 64, 1030}, {43, 300, 20}, {20, 10, 600}, {29, 40, 1024}, {15, 1024, 40}
    };

    @Test
    void xwTMatchesReference() {
        Random rnd = new Random(1);
        for (int[] s : SHAPES) {
            for (boolean bf16 : new boolean[]{false, true}) {
                for (boolean acc : new boolean[]{false, true}) {
                    int m = s[0], n = s[1], k = s[2];
                    Matrix w = random(n, k, bf16, rnd);
                    float[] x = randomArray(m * k + 3, rnd);
                    float[] y = randomArray(m * n + 5, rnd);
                    double[] ref = new double[m * n];
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double sum = acc ? y[2 + i * n + j] : 0;
                            for (int p = 0; p < k; p++) sum += (double) x[3 + i * k + p] * w.get(j, p);
                            ref[i * n + j] = sum;
                        }
                    }
                    float before0 = y[0], before1 = y[1];
                    Gemm.xwT(x, 3, m, w, y, 2, acc);
                    check(ref, y, 2, k, "xwT " + m + "x" + n + "x" + k + (bf16 ? " bf16" : "") + (acc ? " acc" : ""));
                    assertEquals(before0, y[0]);
                    assertEquals(before1, y[1]);
                }
            }
        }
    }

    @Test
    void xwMatchesReference() {
        Random rnd = new Random(2);
        for (int[] s : SHAPES) {
            for (boolean bf16 : new boolean[]{false, true}) {
                for (boolean acc : new boolean[]{false, true}) {
                    int m = s[0], n = s[1], k = s[2];
                    Matrix w = random(n, k, bf16, rnd);
                    float[] dy = randomArray(m * n + 1, rnd);
                    float[] dx = randomArray(m * k + 4, rnd);
                    double[] ref = new double[m * k];
                    for (int i = 0; i < m; i++) {
                        for (int p = 0; p < k; p++) {
                            double sum = acc ? dx[4 + i * k + p] : 0;
                            for (int j = 0; j < n; j++) sum += (double) dy[1 + i * n + j] * w.get(j, p);
                            ref[i * k + p] = sum;
                        }
                    }
                    Gemm.xw(dy, 1, m, w, dx, 4, acc);
                    check(ref, dx, 4, n, "xw " + m + "x" + n + "x" + k + (bf16 ? " bf16" : "") + (acc ? " acc" : ""));
                }
            }
        }
    }

    @Test
    void severalMatricesOfOneInputMatchReference() {
        Random rnd = new Random(7);
        for (int m : new int[]{1, 3, 5, 20}) {
            int k = 70;
            Matrix[] ws = {random(45, k, false, rnd), random(9, k, true, rnd), random(64, k, false, rnd)};
            float[] x = randomArray(m * k + 2, rnd);
            float[][] ys = {randomArray(m * 45, rnd), randomArray(m * 9 + 4, rnd), randomArray(m * 64, rnd)};
            int[] offs = {0, 4, 0};
            Gemm.xwT(x, 2, m, ws, ys, offs);
            for (int w = 0; w < ws.length; w++) {
                int n = ws[w].rows();
                double[] ref = new double[m * n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double sum = 0;
                        for (int p = 0; p < k; p++) sum += (double) x[2 + i * k + p] * ws[w].get(j, p);
                        ref[i * n + j] = sum;
                    }
                }
                check(ref, ys[w], offs[w], k, "matrix " + w + " of 3, m = " + m);
            }
        }
        Matrix a = Matrix.f32(2, 3, new float[6]), b = Matrix.f32(2, 4, new float[8]);
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.xwT(new float[3], 0, 1, new Matrix[]{a, b}, new float[][]{new float[2], new float[2]}, new int[]{0, 0}));
    }

    @Test
    void matrixKeepsEveryElementAndRow() {
        Random rnd = new Random(5);
        for (boolean bf16 : new boolean[]{false, true}) {
            int rows = Matrix.PANEL + 3, cols = 5;
            float[] a = randomArray(rows * cols, rnd);
            Matrix w;
            if (bf16) {
                short[] b = new short[a.length];
                for (int i = 0; i < a.length; i++) {
                    b[i] = SafeTensorsWriter.toBf16(a[i]);
                    a[i] = Float.intBitsToFloat(b[i] << 16);
                }
                w = Matrix.bf16(rows, cols, b);
            } else {
                w = Matrix.f32(rows, cols, a.clone());
            }
            assertArrayEquals(a, w.toF32());
            float[] row = new float[cols + 2];
            w.row(rows - 1, row, 2);
            for (int c = 0; c < cols; c++) {
                assertEquals(a[(rows - 1) * cols + c], row[2 + c]);
                assertEquals(a[7 * cols + c], w.get(7, c));
            }
            assertThrows(IndexOutOfBoundsException.class, () -> w.get(rows, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> w.row(-1, row, 0));
        }
        assertThrows(IllegalArgumentException.class, () -> Matrix.f32(3, 4, new float[11]));
    }

    /** Both register tiles, whichever one this machine's Gemm uses: C (+)= A·B on one panel, strided operands. */
    @Test
    void registerTilesMatchReference() {
        Random rnd = new Random(6);
        int nr = Matrix.PANEL, kc = 37, lda = 41, ldb = nr + 3, ldc = nr + 5;
        for (int rows : new int[]{6, 14}) {
            for (boolean load : new boolean[]{false, true}) {
                float[] a = randomArray(rows * lda, rnd), b = randomArray(kc * ldb, rnd), c = randomArray(rows * ldc, rnd);
                double[] ref = new double[rows * ldc];
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < ldc; j++) {
                        double sum = c[r * ldc + j];
                        if (j < nr) {
                            sum = load ? sum : 0;
                            for (int p = 0; p < kc; p++) sum += (double) a[r * lda + p] * b[p * ldb + j];
                        }
                        ref[r * ldc + j] = sum;
                    }
                }
                if (rows == 6) GemmKernels.kernel6(a, 0, lda, kc, b, 0, ldb, c, 0, ldc, load);
                else GemmKernels.kernel14(a, 0, lda, kc, b, 0, ldb, c, 0, ldc, load);
                check(ref, c, 0, kc, "kernel" + rows + (load ? " load" : ""));
            }
        }
    }

    @Test
    void bf16IsUpcastExactly() {
        // 1 + 2^-7 is representable in BF16: a product with it must be exact in f32
        short one = SafeTensorsWriter.toBf16(1f + 1f / 128);
        Matrix w = Matrix.bf16(1, 1, new short[]{one});
        float[] y = new float[1];
        Gemm.xwT(new float[]{3f}, 0, 1, w, y, 0, false);
        assertEquals(3f * (1f + 1f / 128), y[0]);
    }

    @Test
    void refusesTooShortArrays() {
        Matrix w = Matrix.f32(4, 3, new float[12]);
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwT(new float[5], 0, 2, w, new float[8], 0, false));
        assertThrows(IllegalArgumentException.class, () -> Gemm.xw(new float[8], 0, 2, w, new float[5], 0, false));
    }

    private static void check(double[] ref, float[] got, int off, int depth, String what) {
        for (int i = 0; i < ref.length; i++) {
            double tol = 1e-5 * Math.sqrt(depth) * (1 + Math.abs(ref[i]));
            int idx = i;
            assertTrue(Math.abs(got[off + i] - ref[i]) <= tol,
                    () -> what + " [" + idx + "]: got " + got[off + idx] + ", expected " + ref[idx]);
        }
    }

    static Matrix random(int rows, int cols, boolean bf16, Random rnd) {
        float[] a = randomArray(rows * cols, rnd);
        if (!bf16) return Matrix.f32(rows, cols, a);
        short[] b = new short[a.length];
        for (int i = 0; i < a.length; i++) b[i] = SafeTensorsWriter.toBf16(a[i]);
        return Matrix.bf16(rows, cols, b);
    }

    static float[] randomArray(int n, Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
