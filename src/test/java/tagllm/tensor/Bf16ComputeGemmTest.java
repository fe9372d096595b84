package tagllm.tensor;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Gemm on matrices that compute in BF16 (the native kernels) against a double-precision product of the operands
 * rounded to BF16 — what the kernels promise: BF16 inputs, exact products, FP32 sums. Shapes hit every edge of the
 * native tiles (rows around 14, panels cut by the matrix edge, odd reduction lengths, one to three reduction blocks
 * of up to 768, more panels than one packed chunk, column ranges split between tasks).
 */
class Bf16ComputeGemmTest {
    private static final int[][] SHAPES = {
            // m, n (= w rows), k (= w cols)
            {14, 32, 8}, {14, 1, 1}, {15, 33, 17}, {16, 64, 48}, {27, 65, 129}, {29, 172, 64}, {64, 48, 172},
            {250, 70, 130}, {17, 600, 64}, {15, 33, 513}, {28, 64, 1030}, {43, 300, 21}, {20, 10, 600},
            {29, 40, 1024}, {15, 1024, 40}, {100, 576, 192}, {15, 40, 1537}, {30, 96, 1536}
    };

    @BeforeAll
    static void needsKernels() {
        assumeTrue(NativeBf16.available(), NativeBf16.status());
    }

    @Test
    void xwTIsTheBf16ProductSummedInFloat() {
        Random rnd = new Random(11);
        for (int[] s : SHAPES) {
            for (boolean bf16Storage : new boolean[]{false, true}) {
                for (boolean acc : new boolean[]{false, true}) {
                    int m = s[0], n = s[1], k = s[2];
                    Matrix w = random(n, k, bf16Storage, rnd).withBf16Compute();
                    float[] x = randomArray(m * k + 3, rnd);
                    float[] y = randomArray(m * n + 5, rnd);
                    double[] ref = new double[m * n], mag = new double[m * n];
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double sum = acc ? y[2 + i * n + j] : 0, abs = Math.abs(sum);
                            for (int p = 0; p < k; p++) {
                                double t = (double) rounded(x[3 + i * k + p]) * rounded(w.get(j, p));
                                sum += t;
                                abs += Math.abs(t);
                            }
                            ref[i * n + j] = sum;
                            mag[i * n + j] = abs;
                        }
                    }
                    float before = y[1], after = y[2 + m * n];
                    Gemm.xwT(x, 3, m, w, y, 2, acc);
                    check(ref, mag, y, 2, "xwT " + m + "x" + n + "x" + k + (bf16Storage ? " bf16" : "") + (acc ? " acc" : ""));
                    assertEquals(before, y[1], "value before the output");
                    assertEquals(after, y[2 + m * n], "value after the output");
                }
            }
        }
    }

    @Test
    void xwIsTheBf16ProductSummedInFloat() {
        Random rnd = new Random(12);
        for (int[] s : SHAPES) {
            for (boolean acc : new boolean[]{false, true}) {
                int m = s[0], n = s[1], k = s[2];
                Matrix w = random(n, k, false, rnd).withBf16Compute();
                float[] dy = randomArray(m * n + 1, rnd);
                float[] dx = randomArray(m * k + 4, rnd);
                double[] ref = new double[m * k], mag = new double[m * k];
                for (int i = 0; i < m; i++) {
                    for (int p = 0; p < k; p++) {
                        double sum = acc ? dx[4 + i * k + p] : 0, abs = Math.abs(sum);
                        for (int j = 0; j < n; j++) {
                            double t = (double) rounded(dy[1 + i * n + j]) * rounded(w.get(j, p));
                            sum += t;
                            abs += Math.abs(t);
                        }
                        ref[i * k + p] = sum;
                        mag[i * k + p] = abs;
                    }
                }
                Gemm.xw(dy, 1, m, w, dx, 4, acc);
                check(ref, mag, dx, 4, "xw " + m + "x" + n + "x" + k + (acc ? " acc" : ""));
            }
        }
    }

    /** The pruned top layer relies on it: a row's bits do not depend on how many rows are multiplied with it. */
    @Test
    void aRowHasTheSameBitsInAnyProduct() {
        Random rnd = new Random(13);
        int m = 57, n = 300, k = 700;
        Matrix w = random(n, k, false, rnd).withBf16Compute();
        float[] x = randomArray(m * k, rnd);
        float[] all = new float[m * n];
        Gemm.xwT(x, 0, m, w, all, 0, false);
        for (int[] cut : new int[][]{{0, 1}, {5, 3}, {20, 14}, {40, 17}}) {
            float[] some = new float[cut[1] * n];
            Gemm.xwTTiled(x, cut[0] * k, cut[1], w, some, 0, false);
            assertArrayEquals(Arrays.copyOfRange(all, cut[0] * n, (cut[0] + cut[1]) * n), some, "rows " + cut[0] + "+" + cut[1]);
        }
        float[] dAll = new float[m * k];
        Gemm.xw(all, 0, m, w, dAll, 0, false);
        float[] dSome = new float[15 * k];
        Gemm.xw(all, 30 * n, 15, w, dSome, 0, false);
        assertArrayEquals(Arrays.copyOfRange(dAll, 30 * k, 45 * k), dSome, "backward rows 30+15");
    }

    /** q, k and v from one BF16 copy of the input: the same bits as three separate products. */
    @Test
    void severalMatricesShareOneConversion() {
        Random rnd = new Random(16);
        int m = 45, k = 130;
        Matrix[] ws = {random(70, k, false, rnd).withBf16Compute(), random(33, k, true, rnd).withBf16Compute(),
                random(33, k, false, rnd).withBf16Compute()};
        float[] x = randomArray(m * k + 2, rnd);
        float[][] together = new float[3][], apart = new float[3][];
        for (int i = 0; i < 3; i++) {
            together[i] = new float[m * ws[i].rows() + 4];
            apart[i] = new float[m * ws[i].rows() + 4];
            Gemm.xwT(x, 2, m, ws[i], apart[i], 4, false);
        }
        Gemm.xwT(x, 2, m, ws, together, new int[]{4, 4, 4});
        for (int i = 0; i < 3; i++) assertArrayEquals(apart[i], together[i], "matrix " + i);
    }

    /**
     * Operands rounded by their producer, range by range and from several threads' buffers (Bf16Rows): the same bits
     * as the products that round x themselves (checked against double precision above), forward and backward,
     * overwriting and accumulating; a wrong shape is refused before any work.
     */
    @Test
    void operandsRoundedByTheirProducerGiveTheSameBits() {
        Random rnd = new Random(17);
        for (int[] s : new int[][]{{14, 70, 130}, {45, 33, 576}, {100, 576, 192}, {29, 40, 1537}, {20, 10, 1}}) {
            int m = s[0], n = s[1], k = s[2];
            Matrix[] ws = {random(n, k, false, rnd).withBf16Compute(), random(n + 3, k, true, rnd).withBf16Compute()};
            float[] x = randomArray(m * k, rnd);
            Bf16Rows xr = Bf16Rows.reusable(Bf16Rows.Slot.NORMED, m, k);
            for (int from = 0; from < m; from += 7) xr.convert(x, 0, from, Math.min(m, from + 7)); // as producer tasks do
            for (boolean acc : new boolean[]{false, true}) {
                float[][] fused = new float[2][], plain = new float[2][];
                for (int i = 0; i < 2; i++) {
                    plain[i] = randomArray(m * ws[i].rows() + 3, rnd);
                    fused[i] = plain[i].clone();
                    Gemm.xwTTiled(x, 0, m, ws[i], plain[i], 3, acc);
                }
                Gemm.xwT(xr, m, ws, fused, new int[]{3, 3}, acc);
                for (int i = 0; i < 2; i++) assertArrayEquals(plain[i], fused[i], "xwT " + m + "x" + n + "x" + k + " matrix " + i + (acc ? " acc" : ""));
            }
            float[] dy = randomArray(m * n, rnd);
            Bf16Rows dyr = Bf16Rows.reusable(Bf16Rows.Slot.GATE_GRAD, m, n);
            dyr.convert(dy, 0, 0, m);
            for (boolean acc : new boolean[]{false, true}) {
                float[] plain = randomArray(m * k + 2, rnd), fused = plain.clone();
                Gemm.xw(dy, 0, m, ws[0], plain, 2, acc);
                Gemm.xw(dyr, m, ws[0], fused, 2, acc);
                assertArrayEquals(plain, fused, "xw " + m + "x" + n + "x" + k + (acc ? " acc" : ""));
            }
        }
        Bf16Rows r = Bf16Rows.reusable(Bf16Rows.Slot.NORMED, 20, 30);
        Matrix f32 = random(8, 30, false, rnd), wide = random(8, 31, false, rnd).withBf16Compute();
        float[] y = new float[20 * 8];
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwT(r, 20, new Matrix[]{f32}, new float[][]{y}, new int[1], false));
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwT(r, 20, new Matrix[]{wide}, new float[][]{y}, new int[1], false));
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwT(r, 21, new Matrix[]{f32.withBf16Compute()}, new float[][]{y}, new int[1], false));
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwT(r, 20, new Matrix[]{f32.withBf16Compute()}, new float[][]{new float[20 * 8 - 1]}, new int[1], false));
        assertThrows(IllegalArgumentException.class, () -> r.convert(new float[20 * 30], 0, 15, 21));
        // a buffer holds at most what Gemm converts in one pass (16 M values): larger operands stay with Gemm
        assertTrue(Bf16Rows.fits(10_000, 1536));
        assertFalse(Bf16Rows.fits(11_000, 1536));
        assertThrows(IllegalArgumentException.class, () -> Bf16Rows.reusable(Bf16Rows.Slot.GATE_OUT, 11_000, 1536));
    }

    /**
     * A sum of products into one output (gate and up's backward) has the bits of the products one after another, the
     * later ones accumulating: with B packed once per product (many rows) and packed per task (14 rows, one row
     * block), matrices stored F32 and BF16. Mismatched operands are refused before any work.
     */
    @Test
    void aSumOfProductsEqualsTheProductsInTurn() {
        Random rnd = new Random(19);
        for (int[] s : new int[][]{{14, 70, 130}, {100, 1536, 576}, {45, 64, 1537}}) {
            int m = s[0], n = s[1], k = s[2];
            Matrix[] ws = gateAndUp(n, k, rnd);
            Bf16Rows g = Bf16Rows.reusable(Bf16Rows.Slot.GATE_GRAD, m, n), u = Bf16Rows.reusable(Bf16Rows.Slot.UP_GRAD, m, n);
            g.convert(randomArray(m * n, rnd), 0, 0, m);
            u.convert(randomArray(m * n, rnd), 0, 0, m);
            float[] inTurn = randomArray(m * k, rnd), summed = randomArray(m * k, rnd);
            Gemm.xw(g, m, ws[0], inTurn, 0, false);
            Gemm.xw(u, m, ws[1], inTurn, 0, true);
            Gemm.xwSum(new Bf16Rows[]{g, u}, m, ws, summed, 0, false);
            assertArrayEquals(inTurn, summed, "xwSum " + m + "x" + n + "x" + k);
        }
        Bf16Rows g = Bf16Rows.reusable(Bf16Rows.Slot.GATE_GRAD, 20, 30);
        // matrices may differ in rows (the terms' reductions), not in columns (the output's width)
        Matrix a = random(30, 8, false, rnd).withBf16Compute(), b = random(30, 9, false, rnd).withBf16Compute();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.xwSum(new Bf16Rows[]{g, g}, 20, new Matrix[]{a, b}, new float[20 * 9], 0, false));
        assertTrue(e.getMessage().contains("matrix 1 is 30×9, matrix 0 30×8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwSum(new Bf16Rows[]{g, g}, 20, new Matrix[]{a, a}, new float[20 * 8 - 1], 0, false));
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwSum(new Bf16Rows[]{g}, 20, new Matrix[]{a, a}, new float[20 * 8], 0, false));
    }

    /**
     * A native F32 block (Gemm's F32 products) gives each element it owns the FMA chain of the Java kernels over the
     * block, in ascending order, from C or from zero: checked against that chain written out with Math.fma, element
     * by element, for partial row tiles, a last panel cut short, odd reductions, strides wider than the operands and
     * offsets; nothing else of C is written. On a whole tile it also equals GemmKernels.kernel14 itself.
     */
    @Test
    void nativeF32BlocksHaveTheJavaKernelsChains() {
        assumeTrue(Gemm.NR == NativeBf16.PANEL, "the JVM's panels are " + Gemm.NR + " columns wide");
        Random rnd = new Random(31);
        int nr = NativeBf16.PANEL;
        // m, kc, panels, width of the last
        int[][] cases = {{14, 64, 1, 32}, {1, 1, 1, 1}, {13, 17, 3, 5}, {29, 130, 2, 32}, {15, 512, 9, 31}, {6, 7, 1, 16}, {44, 0, 2, 3}};
        for (int[] t : cases) {
            for (boolean load : new boolean[]{false, true}) {
                int m = t[0], kc = t[1], panels = t[2], width = t[3];
                int lda = kc + 5, ldc = (panels - 1) * nr + width + 3, aOff = 7, bOff = 11, cOff = 13;
                long pstride = (long) (kc + 2) * nr;
                float[] a = randomArray(aOff + m * lda, rnd), b = randomArray(bOff + (int) (panels * pstride), rnd);
                float[] c = randomArray(cOff + m * ldc + 4, rnd), got = c.clone(), want = c.clone();
                NativeBf16.f32Block(a, aOff, lda, m, kc, b, bOff, pstride, panels, width, got, cOff, ldc, load);
                for (int i = 0; i < m; i++) {
                    for (int s = 0; s < panels; s++) {
                        for (int j = 0; j < (s + 1 < panels ? nr : width); j++) {
                            int ci = cOff + i * ldc + s * nr + j;
                            float acc = load ? c[ci] : 0f;
                            for (int p = 0; p < kc; p++) acc = Math.fma(a[aOff + i * lda + p], b[bOff + (int) (s * pstride) + p * nr + j], acc);
                            want[ci] = acc;
                        }
                    }
                }
                assertArrayEquals(want, got, Arrays.toString(t) + " load " + load);
            }
        }
        int kc = 77;
        float[] a = randomArray(Gemm.MR * kc, rnd), b = randomArray(kc * nr, rnd), c = randomArray(Gemm.MR * nr, rnd);
        float[] got = c.clone(), want = c.clone();
        NativeBf16.f32Block(a, 0, kc, Gemm.MR, kc, b, 0, (long) kc * nr, 1, nr, got, 0, nr, true);
        if (Gemm.MR == 14) GemmKernels.kernel14(a, 0, kc, kc, b, 0, nr, want, 0, nr, true);
        else GemmKernels.kernel6(a, 0, kc, kc, b, 0, nr, want, 0, nr, true);
        assertArrayEquals(want, got, "a whole tile against the Java kernel");
        float[] c2 = new float[Gemm.MR * nr - 1];
        assertThrows(IllegalArgumentException.class, () -> NativeBf16.f32Block(a, 0, kc, Gemm.MR, kc, b, 0, (long) kc * nr, 1, nr, c2, 0, nr, true));
        assertThrows(IllegalArgumentException.class, () -> NativeBf16.f32Block(a, 1, kc, Gemm.MR, kc, b, 0, (long) kc * nr, 1, nr, c, 0, nr, true));
        assertThrows(IllegalArgumentException.class, () -> NativeBf16.f32Block(a, 0, kc, Gemm.MR, kc, b, 0, (long) kc * nr - 1, 1, nr, c, 0, nr, true));
        assertThrows(IllegalArgumentException.class, () -> NativeBf16.f32Block(a, 0, kc, Gemm.MR, kc, b, 0, (long) kc * nr, 2, nr, c, 0, nr, true));
        assertThrows(IllegalArgumentException.class, () -> NativeBf16.f32Block(a, 0, kc, Gemm.MR, kc, b, 0, (long) kc * nr, 1, 0, c, 0, nr, true));
    }

    /**
     * The native FP32 tiles (attention's scores under BF16 compute) have the bits of the Java register tile on the same
     * operands, for every reduction length and any place of the tile; a tile reaching past an array is refused.
     */
    @Test
    void nativeF32TilesEqualTheJavaTile() {
        assumeTrue(Gemm.MR == NativeBf16.TILE_ROWS && Gemm.NR == NativeBf16.PANEL, "the JVM's tile is " + Gemm.MR + " × " + Gemm.NR);
        Random rnd = new Random(29);
        for (int kc : new int[]{0, 1, 17, 64, 130}) {
            int rows = 3 * Gemm.MR + 5, lda = kc + 3, ldb = 4 * Gemm.NR + 7, ldc = 5 * Gemm.NR + 1;
            float[] a = randomArray(rows * lda + kc, rnd), b = randomArray(Math.max(1, kc) * ldb, rnd);
            int[] jobs = {0, 0, Gemm.MR, Gemm.NR, 2 * Gemm.MR + 5, 3 * Gemm.NR + 7, 7, 2 * Gemm.NR};
            float[] got = randomArray((rows + Gemm.MR) * ldc, rnd), want = got.clone();
            NativeBf16.f32Tiles(a, lda, b, ldb, kc, got, ldc, jobs, jobs.length / 2);
            for (int i = 0; i < jobs.length; i += 2) {
                GemmKernels.kernel14(a, jobs[i] * lda, lda, kc, b, jobs[i + 1], ldb, want, jobs[i] * ldc + jobs[i + 1], ldc, false);
            }
            assertArrayEquals(want, got, "kc " + kc);
        }
        float[] a = new float[20 * 64], b = new float[64 * 40], c = new float[14 * 40];
        assertThrows(IllegalArgumentException.class, () -> NativeBf16.f32Tiles(a, 64, b, 40, 64, c, 40, new int[]{0, 16}, 1));
        assertThrows(IllegalArgumentException.class, () -> NativeBf16.f32Tiles(a, 64, b, 40, 64, c, 40, new int[]{1, 0}, 1));
        assertThrows(IllegalArgumentException.class, () -> NativeBf16.f32Tiles(a, 64, b, 40, 64, c, 40, new int[]{0, 0}, 2));
    }

    /**
     * q, k and v's products side by side (one hand-out, matrices of different row counts, a task's panels never
     * across two matrices) and their backward as one sum of terms of different reductions: the bits of the products
     * one matrix at a time, the later terms accumulating; with B packed once (many rows) and per task (one row block).
     */
    /**
     * The slots a layer holds at the same time never share a buffer: the forward's two, the MLP backward's three and
     * q/k/v's backward three (slots of different groups may: their contents are never needed together).
     */
    @Test
    void slotsHeldTogetherHaveTheirOwnBuffers() {
        Bf16Rows.Slot[][] together = {
                {Bf16Rows.Slot.NORMED, Bf16Rows.Slot.GATE_OUT},
                {Bf16Rows.Slot.RESIDUAL_GRAD, Bf16Rows.Slot.GATE_GRAD, Bf16Rows.Slot.UP_GRAD},
                {Bf16Rows.Slot.QUERY_GRAD, Bf16Rows.Slot.KEY_GRAD, Bf16Rows.Slot.VALUE_GRAD}};
        for (Bf16Rows.Slot[] group : together) {
            Bf16Rows[] held = new Bf16Rows[group.length];
            for (int i = 0; i < group.length; i++) held[i] = Bf16Rows.reusable(group[i], 16, 40);
            for (int i = 0; i < group.length; i++) {
                for (int j = i + 1; j < group.length; j++) {
                    assertNotSame(held[i].data, held[j].data, group[i] + " and " + group[j] + " are held together");
                }
            }
        }
    }

    @Test
    void productsOfDifferentShapesTogetherEqualThemOneByOne() {
        Random rnd = new Random(23);
        // m, rows of q, rows of k and v, hidden
        for (int[] s : new int[][]{{100, 576, 192, 576}, {14, 70, 33, 130}, {45, 64, 5, 1537}, {1024, 96, 32, 64}}) {
            int m = s[0], nq = s[1], nkv = s[2], k = s[3];
            Matrix[] ws = {random(nq, k, true, rnd).withBf16Compute(), random(nkv, k, false, rnd).withBf16Compute(),
                    random(nkv, k, true, rnd).withBf16Compute()};
            Bf16Rows h = Bf16Rows.reusable(Bf16Rows.Slot.NORMED, m, k);
            h.convert(randomArray(m * k, rnd), 0, 0, m);
            float[][] apart = new float[3][], together = new float[3][];
            for (int i = 0; i < 3; i++) {
                apart[i] = randomArray(m * ws[i].rows() + 5, rnd);
                together[i] = apart[i].clone();
                Gemm.xwT(h, m, new Matrix[]{ws[i]}, new float[][]{apart[i]}, new int[]{5}, true);
            }
            Gemm.xwT(h, m, ws, together, new int[]{5, 5, 5}, true);
            for (int i = 0; i < 3; i++) assertArrayEquals(apart[i], together[i], "xwT " + Arrays.toString(s) + " matrix " + i);

            Bf16Rows dq = Bf16Rows.reusable(Bf16Rows.Slot.QUERY_GRAD, m, nq);
            Bf16Rows dk = Bf16Rows.reusable(Bf16Rows.Slot.KEY_GRAD, m, nkv), dv = Bf16Rows.reusable(Bf16Rows.Slot.VALUE_GRAD, m, nkv);
            dq.convert(randomArray(m * nq, rnd), 0, 0, m);
            dk.convert(randomArray(m * nkv, rnd), 0, 0, m);
            dv.convert(randomArray(m * nkv, rnd), 0, 0, m);
            for (boolean acc : new boolean[]{false, true}) {
                float[] inTurn = randomArray(m * k + 2, rnd), summed = inTurn.clone();
                Gemm.xw(dq, m, ws[0], inTurn, 2, acc);
                Gemm.xw(dk, m, ws[1], inTurn, 2, true);
                Gemm.xw(dv, m, ws[2], inTurn, 2, true);
                Gemm.xwSum(new Bf16Rows[]{dq, dk, dv}, m, ws, summed, 2, acc);
                assertArrayEquals(inTurn, summed, "xwSum " + Arrays.toString(s) + (acc ? " acc" : ""));
            }
        }
    }

    /**
     * The products with an epilogue: the same bits as without, and the epilogue sees every output element exactly
     * once, after every matrix has written it (a copy it takes of its block equals the final outputs).
     */
    @Test
    void epiloguesSeeEachFinishedBlockOnce() {
        Random rnd = new Random(18);
        for (int[] s : new int[][]{{14, 70, 130}, {100, 576, 192}, {45, 1536, 64}, {15, 33, 1537}}) {
            int m = s[0], n = s[1], k = s[2];
            Matrix[] ws = gateAndUp(n, k, rnd);
            Bf16Rows xr = normedRows(randomArray(m * k, rnd), m, k);
            float[][] plain = {new float[m * n], new float[m * n]}, fused = {new float[m * n], new float[m * n]};
            Gemm.xwT(xr, m, ws, plain, new int[2], false);
            int[] seen = new int[m * n];
            float[][] copy = {new float[m * n], new float[m * n]};
            Bf16Rows byBlock = Bf16Rows.reusable(Bf16Rows.Slot.GATE_OUT, m, n), whole = Bf16Rows.reusable(Bf16Rows.Slot.UP_GRAD, m, n);
            Gemm.xwT(xr, m, ws, fused, (r0, r1, c0, c1) -> {
                float[] block = new float[(r1 - r0) * (c1 - c0)];
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        seen[r * n + c]++;
                        copy[0][r * n + c] = fused[0][r * n + c];
                        copy[1][r * n + c] = fused[1][r * n + c];
                        block[(r - r0) * (c1 - c0) + c - c0] = fused[0][r * n + c];
                    }
                }
                byBlock.convertBlock(block, r0, r1, c0, c1 - c0); // as the SwiGLU epilogue writes its output
            });
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(plain[i], fused[i], "xwT " + m + "x" + n + "x" + k + " matrix " + i);
                assertArrayEquals(fused[i], copy[i], "blocks finished when the epilogue ran, matrix " + i);
            }
            whole.convert(fused[0], 0, 0, m);
            for (int r = 0; r < m; r++) {
                assertArrayEquals(Arrays.copyOfRange(whole.data, r * whole.lda, r * whole.lda + n),
                        Arrays.copyOfRange(byBlock.data, r * byBlock.lda, r * byBlock.lda + n), "row " + r + " rounded block by block");
            }
            for (int e = 0; e < m * n; e++) assertEquals(1, seen[e], "xwT element " + e + " seen");

            float[] dy = randomArray(m * n, rnd), dxPlain = new float[m * k], dx = new float[m * k], dxCopy = new float[m * k];
            int[] seenX = new int[m * k];
            Gemm.xw(dy, 0, m, ws[0], dxPlain, 0, false);
            Gemm.xw(dy, 0, m, ws[0], dx, (r0, r1, c0, c1) -> {
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        seenX[r * k + c]++;
                        dxCopy[r * k + c] = dx[r * k + c];
                    }
                }
            });
            assertArrayEquals(dxPlain, dx, "xw " + m + "x" + n + "x" + k);
            assertArrayEquals(dx, dxCopy, "xw blocks finished when the epilogue ran");
            for (int e = 0; e < m * k; e++) assertEquals(1, seenX[e], "xw element " + e + " seen");
        }
        Bf16Rows r = Bf16Rows.reusable(Bf16Rows.Slot.NORMED, 20, 30);
        Matrix a = random(8, 30, false, rnd).withBf16Compute(), b = random(9, 30, false, rnd).withBf16Compute();
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwT(r, 20, new Matrix[]{a, b},
                new float[][]{new float[160], new float[180]}, (r0, r1, c0, c1) -> {}));
        assertThrows(IllegalArgumentException.class, () -> r.convertBlock(new float[100], 0, 2, 1, 4));
    }

    /**
     * Products whose outputs exist only in the tasks' own blocks (gate/up, and dL/d(act) in the backward): the blocks
     * tile the output exactly once, and put back where they belong they are the bits of the products into whole
     * arrays — for x·Wᵀ over two matrices (one block each) and dy·W (B packed once over many rows, and per task at 14
     * rows); the Bf16Rows input is checked as for the array overloads.
     */
    @Test
    void blockOutputsAreTheProductsBitsOnce() {
        Random rnd = new Random(20);
        for (int[] s : new int[][]{{14, 70, 130}, {100, 576, 192}, {45, 1536, 64}, {15, 33, 1537}}) {
            int m = s[0], n = s[1], k = s[2];
            Matrix[] ws = gateAndUp(n, k, rnd);
            Bf16Rows xr = normedRows(randomArray(m * k, rnd), m, k);
            float[][] plain = {new float[m * n], new float[m * n]}, gathered = {new float[m * n], new float[m * n]};
            Gemm.xwT(xr, m, ws, plain, new int[2], false);
            int[] seen = new int[m * n];
            Gemm.xwTBlocks(xr, m, ws, (r0, r1, c0, c1, blocks, ld) -> {
                assertTrue(ld >= c1 - c0, "row stride " + ld + " for " + (c1 - c0) + " columns");
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        synchronized (seen) {
                            seen[r * n + c]++;
                        }
                        for (int i = 0; i < 2; i++) gathered[i][r * n + c] = blocks[i][(r - r0) * ld + c - c0];
                    }
                }
            });
            for (int i = 0; i < 2; i++) assertArrayEquals(plain[i], gathered[i], "xwTBlocks " + m + "x" + n + "x" + k + " matrix " + i);
            for (int e = 0; e < m * n; e++) assertEquals(1, seen[e], "xwTBlocks element " + e + " seen");

            float[] dy = randomArray(m * n, rnd), dx = new float[m * k], dxGathered = new float[m * k];
            int[] seenX = new int[m * k];
            Gemm.xw(dy, 0, m, ws[0], dx, 0, false);
            Gemm.xwBlocks(dy, 0, m, ws[0], (r0, r1, c0, c1, blocks, ld) -> {
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        synchronized (seenX) {
                            seenX[r * k + c]++;
                        }
                        dxGathered[r * k + c] = blocks[0][(r - r0) * ld + c - c0];
                    }
                }
            });
            assertArrayEquals(dx, dxGathered, "xwBlocks " + m + "x" + n + "x" + k);
            for (int e = 0; e < m * k; e++) assertEquals(1, seenX[e], "xwBlocks element " + e + " seen");
        }
        Bf16Rows r = Bf16Rows.reusable(Bf16Rows.Slot.NORMED, 20, 30);
        Matrix a = random(8, 30, false, rnd).withBf16Compute(), b = random(9, 30, false, rnd).withBf16Compute();
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwTBlocks(r, 20, new Matrix[]{a, b}, (r0, r1, c0, c1, bl, ld) -> {}));
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwTBlocks(r, 21, new Matrix[]{a}, (r0, r1, c0, c1, bl, ld) -> {}));
        Matrix f32 = random(8, 30, false, rnd);
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwBlocks(new float[20 * 8], 0, 20, f32, (r0, r1, c0, c1, bl, ld) -> {}));
        assertThrows(IllegalArgumentException.class, () -> Gemm.xwBlocks(new float[20 * 8 - 1], 0, 20, a, (r0, r1, c0, c1, bl, ld) -> {}));
    }

    @Test
    void bf16ComputeHoldsTheRoundedWeightsOnce() {
        Random rnd = new Random(14);
        Matrix f32 = random(40, 30, false, rnd), bf16 = random(40, 30, true, rnd);
        Matrix a = f32.withBf16Compute(), b = bf16.withBf16Compute();
        assertFalse(f32.bf16Compute(), "the original matrix is unchanged");
        assertEquals(Matrix.Storage.F32, f32.storage());
        assertTrue(a.bf16Compute() && b.bf16Compute());
        assertSame(a, a.withBf16Compute(), "asking twice copies nothing");
        assertEquals(Matrix.Storage.BF16, a.storage(), "F32 weights are rounded to BF16");
        // the one copy: 2 panels of 32 rows × 15 pairs of columns, a 32-bit word (two BF16) per row and pair; no panels
        long packed = 4L * 2 * 15 * 32;
        assertEquals(packed, a.bytes(), "only the natively packed BF16 copy");
        assertEquals(packed, b.bytes());
        float[] row = new float[31];
        for (int r = 0; r < 40; r++) {
            b.row(r, row, 1);
            for (int c = 0; c < 30; c++) assertEquals(bf16.get(r, c), row[1 + c], "row " + r + " reads the packed copy");
        }
        for (int r = 0; r < 40; r++) {
            for (int c = 0; c < 30; c++) {
                assertEquals(rounded(f32.get(r, c)), a.get(r, c), "reads give the rounded weight");
                // element (r, c) of Wᵀ's packing: panel r / 32, pair c / 2, lane r % 32, half c % 2
                long at = 2L * ((r / 32) * 15 * 32 + (c / 2) * 32 + r % 32) + c % 2;
                short h = a.nativePacked().getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, at);
                assertEquals(rounded(f32.get(r, c)), Bf16.toFloat(h), "packed copy is the rounded weight");
                assertEquals(bf16.get(r, c), b.get(r, c), "BF16 weights are kept exactly");
                assertEquals(bf16.get(r, c), Bf16.toFloat(b.nativePacked().getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, at)),
                        "BF16 weights are copied exactly");
            }
        }
        for (int r = 40; r < 64; r++) {
            for (int c = 0; c < 30; c++) {
                long at = 2L * ((r / 32) * 15 * 32 + (c / 2) * 32 + r % 32) + c % 2;
                assertEquals(0, a.nativePacked().getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, at), "the last panel's padding is zero");
            }
        }
    }

    /** Few-row products (decode) read the one packed copy (in Java, or natively for one row): the same rounded weights, F32 inputs. */
    @Test
    void fewRowProductsUseTheSameRoundedWeights() {
        Random rnd = new Random(15);
        // a partial last panel; even and odd reductions (the odd one ends on half a word); 5 rows: four, then one
        for (int[] shape : new int[][]{{3, 70, 90}, {2, 33, 91}, {5, 64, 7}, {1, 40, 3}}) {
            int m = shape[0], n = shape[1], k = shape[2];
            Matrix w = random(n, k, false, rnd);
            Matrix wb = w.withBf16Compute();
            float[] x = randomArray(m * k, rnd), y = new float[m * n];
            Gemm.xwT(x, 0, m, wb, y, 0, false);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0, abs = 0;
                    for (int p = 0; p < k; p++) {
                        double t = (double) x[i * k + p] * rounded(w.get(j, p));
                        sum += t;
                        abs += Math.abs(t);
                    }
                    assertEquals(sum, y[i * n + j], 1e-5 * abs, m + "x" + n + "x" + k + ": row " + i + " column " + j);
                }
            }
        }
    }

    @Test
    void roundingIsToNearestEven() {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1); 1 + 3·2^-8 goes up to 1 + 2^-6.
        assertEquals(1f, Bf16.toFloat(Bf16.round(1f + 1f / 256)));
        assertEquals(1f + 1f / 64, Bf16.toFloat(Bf16.round(1f + 3f / 256)));
        assertEquals(-2.5f, Bf16.toFloat(Bf16.round(-2.5f)));
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.round(Float.NaN))));
        assertEquals(Float.POSITIVE_INFINITY, Bf16.toFloat(Bf16.round(Float.POSITIVE_INFINITY)));
    }

    private static float rounded(float f) { return Bf16.toFloat(Bf16.round(f)); }

    /**
     * FP32 sums of exact products: the error is bounded by about (number of additions) · 2⁻²⁴ · Σ|terms|, and the
     * kernels add at most a few thousand terms here; a wrong pairing or a skipped block is off by far more.
     */
    private static void check(double[] ref, double[] mag, float[] got, int off, String what) {
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs(got[off + i] - ref[i]);
            assertTrue(err <= 1e-5 * mag[i] + 1e-30, what + " element " + i + ": " + got[off + i] + " vs " + ref[i]
                    + " (sum of |terms| " + mag[i] + ")");
        }
    }

    private static Matrix random(int rows, int cols, boolean bf16, Random rnd) {
        float[] data = randomArray(rows * cols, rnd);
        if (!bf16) return Matrix.f32(rows, cols, data);
        short[] b = new short[data.length];
        for (int i = 0; i < b.length; i++) b[i] = Bf16.round(data[i]);
        return Matrix.bf16(rows, cols, b);
    }

    private static float[] randomArray(int n, Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    /** Two n × k matrices computing in BF16, F32- and BF16-stored, as a layer's gate and up. */
    private static Matrix[] gateAndUp(int n, int k, Random rnd) {
        return new Matrix[]{random(n, k, false, rnd).withBf16Compute(), random(n, k, true, rnd).withBf16Compute()};
    }

    /** x (m × k) rounded whole into the NORMED slot's rows: the A operand the products read. */
    private static Bf16Rows normedRows(float[] x, int m, int k) {
        Bf16Rows xr = Bf16Rows.reusable(Bf16Rows.Slot.NORMED, m, k);
        xr.convert(x, 0, 0, m);
        return xr;
    }
}
