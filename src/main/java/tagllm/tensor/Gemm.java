package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one matrix-multiply interface of the engine. Weights are in the Hugging Face layout (out × in, row-major),
 * F32 or BF16 (upcast exactly, bits &lt;&lt; 16, as they are read).
 *
 * <ul>
 *   <li>{@link #xwT}: Y = X·Wᵀ, a linear layer's forward (and the LM head);</li>
 *   <li>{@link #xw}: dX = dY·W, its backward to the input (weights are frozen: no weight gradient exists).</li>
 * </ul>
 *
 * With at least {@link #TILE_ROWS} rows both run one register-tiled Vector API kernel on panels of W that each
 * task packs (and upcasts) into a small cache-resident buffer; with fewer rows (decode) xwT is a dot-product
 * kernel that streams W once in its stored layout. Work is split over output columns (and row blocks when there
 * are few columns) on the shared {@link Parallel} pool.
 */
public final class Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Output columns per packed panel: two vectors. */
    static final int CL = 2 * L;
    /** Rows per register tile: 6 × 2 vectors = 12 accumulators, which leaves room for operands even on AVX2. */
    public static final int TILE_ROWS = 6;
    /** Reduction depth per packed panel: KC × CL floats stay in L1. */
    static final int KC = 128;
    /** Rows of X per block: MC × KC floats of X stay in L2 while all panels pass over them. */
    static final int MC = 240;

    private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[KC * CL]);
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[TILE_ROWS * CL]);
    private static final ThreadLocal<float[]> APAD = ThreadLocal.withInitial(() -> new float[TILE_ROWS * KC]);

    private Gemm() {}

    /** y[m×n] = x[m×k]·wᵀ, or y += x·wᵀ when accumulate; w is n×k. x and y are dense (row strides k and n). */
    public static void xwT(float[] x, int xOff, int m, Matrix w, float[] y, int yOff, boolean accumulate) {
        xwT(x, xOff, m, new Weights(w.f32Data(), w.bf16Data(), w.rows(), w.cols()), y, yOff, accumulate);
    }

    /** dx[m×k] = dy[m×n]·w, or dx += dy·w when accumulate; w is n×k. dy and dx are dense (row strides n and k). */
    public static void xw(float[] dy, int dyOff, int m, Matrix w, float[] dx, int dxOff, boolean accumulate) {
        xw(dy, dyOff, m, new Weights(w.f32Data(), w.bf16Data(), w.rows(), w.cols()), dx, dxOff, accumulate);
    }

    /** The right-hand operand: the first rows × cols values of f32 (or bf16), row-major. */
    record Weights(float[] f32, short[] bf16, int rows, int cols) {
        static Weights of(float[] data, int rows, int cols) {
            if ((long) rows * cols > data.length) {
                throw new IllegalArgumentException(rows + "x" + cols + " operand needs more than " + data.length + " values");
            }
            return new Weights(data, null, rows, cols);
        }

        float get(int r, int c) {
            int i = r * cols + c;
            return f32 != null ? f32[i] : Float.intBitsToFloat(bf16[i] << 16);
        }
    }

    static void xwT(float[] x, int xOff, int m, Weights w, float[] y, int yOff, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        checkBounds(x, xOff, (long) m * k, "x");
        checkBounds(y, yOff, (long) m * n, "y");
        if (m == 0 || n == 0) return;
        if (m < TILE_ROWS) {
            MatVec.xwT(x, xOff, m, w, y, yOff, accumulate);
            return;
        }
        run(x, xOff, m, k, w, true, y, yOff, n, accumulate);
    }

    static void xw(float[] dy, int dyOff, int m, Weights w, float[] dx, int dxOff, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        checkBounds(dy, dyOff, (long) m * n, "dy");
        checkBounds(dx, dxOff, (long) m * k, "dx");
        if (m == 0 || k == 0) return;
        run(dy, dyOff, m, n, w, false, dx, dxOff, k, accumulate);
    }

    private static void checkBounds(float[] a, int off, long len, String what) {
        if (off < 0 || off + len > a.length) {
            throw new IllegalArgumentException(what + ": need " + len + " floats from offset " + off + ", array has " + a.length);
        }
    }

    /**
     * C[m×cols] (+)= A[m×red]·B where B[red×cols] is wᵀ (transposed = true, cols = w.rows) or w itself
     * (transposed = false, cols = w.cols).
     */
    private static void run(float[] a, int aOff, int m, int red, Weights w, boolean transposed,
                            float[] c, int cOff, int cols, boolean accumulate) {
        int panels = (cols + CL - 1) / CL;
        int threads = Parallel.threads();
        int rowTiles = (m + TILE_ROWS - 1) / TILE_ROWS;
        // Few panels (narrow outputs) cannot keep every core busy: split rows as well.
        int rowBlocks = panels >= 2 * threads ? 1 : Math.min(rowTiles, (2 * threads + panels - 1) / panels);
        int panelGroups = Math.min(panels, Math.max(1, 4 * threads / rowBlocks));
        int tasks = panelGroups * rowBlocks;
        Parallel.forEachTask(tasks, t -> {
            int g = t % panelGroups, rb = t / panelGroups;
            int p0 = (int) ((long) panels * g / panelGroups), p1 = (int) ((long) panels * (g + 1) / panelGroups);
            int r0 = (int) ((long) rowTiles * rb / rowBlocks) * TILE_ROWS;
            int r1 = Math.min(m, (int) ((long) rowTiles * (rb + 1) / rowBlocks) * TILE_ROWS);
            block(a, aOff, red, w, transposed, c, cOff, cols, accumulate, p0, p1, r0, r1);
        });
    }

    private static void block(float[] a, int aOff, int red, Weights w, boolean transposed, float[] c, int cOff,
                              int cols, boolean accumulate, int p0, int p1, int r0, int r1) {
        float[] panel = PANEL.get();
        float[] tile = TILE.get();
        float[] apad = APAD.get();
        for (int mc = r0; mc < r1; mc += MC) {
            int mcEnd = Math.min(r1, mc + MC);
            for (int k0 = 0; k0 < red; k0 += KC) {
                int kc = Math.min(KC, red - k0);
                boolean load = accumulate || k0 > 0;
                for (int p = p0; p < p1; p++) {
                    int j0 = p * CL, width = Math.min(CL, cols - j0);
                    if (transposed) packTransposed(w, j0, width, k0, kc, panel);
                    else packRows(w, k0, kc, j0, width, panel);
                    for (int i = mc; i < mcEnd; i += TILE_ROWS) {
                        int rows = Math.min(TILE_ROWS, mcEnd - i);
                        int ai = aOff + i * red + k0;
                        int ci = cOff + i * cols + j0;
                        if (width == CL && rows == TILE_ROWS) {
                            kernel6(a, ai, red, kc, panel, c, ci, cols, load);
                        } else {
                            edge(a, ai, red, rows, kc, panel, c, ci, cols, width, load, tile, apad);
                        }
                    }
                }
            }
        }
    }

    /** panel[p][jj] = w[j0 + jj][k0 + p] (zero beyond width): the columns of wᵀ, contiguous per reduction step. */
    private static void packTransposed(Weights w, int j0, int width, int k0, int kc, float[] panel) {
        int k = w.cols();
        float[] f = w.f32();
        short[] b = w.bf16();
        for (int jj = 0; jj < width; jj++) {
            int src = (j0 + jj) * k + k0;
            if (f != null) {
                for (int p = 0; p < kc; p++) panel[p * CL + jj] = f[src + p];
            } else {
                for (int p = 0; p < kc; p++) panel[p * CL + jj] = Float.intBitsToFloat(b[src + p] << 16);
            }
        }
        if (width < CL) {
            for (int p = 0; p < kc; p++) java.util.Arrays.fill(panel, p * CL + width, (p + 1) * CL, 0f);
        }
    }

    /** panel[p][jj] = w[k0 + p][j0 + jj] (zero beyond width): rows of w, already contiguous along the output. */
    private static void packRows(Weights w, int k0, int kc, int j0, int width, float[] panel) {
        int k = w.cols();
        float[] f = w.f32();
        short[] b = w.bf16();
        for (int p = 0; p < kc; p++) {
            int src = (k0 + p) * k + j0, dst = p * CL;
            if (f != null) {
                System.arraycopy(f, src, panel, dst, width);
            } else {
                for (int jj = 0; jj < width; jj++) panel[dst + jj] = Float.intBitsToFloat(b[src + jj] << 16);
            }
            if (width < CL) java.util.Arrays.fill(panel, dst + width, dst + CL, 0f);
        }
    }

    /** The register tile: 6 rows × 2 vectors of C, one broadcast of A and two panel loads per reduction step. */
    private static void kernel6(float[] a, int ai, int lda, int kc, float[] panel, float[] c, int ci, int ldc, boolean load) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (load) {
            c00 = FloatVector.fromArray(S, c, ci);
            c01 = FloatVector.fromArray(S, c, ci + L);
            c10 = FloatVector.fromArray(S, c, ci + ldc);
            c11 = FloatVector.fromArray(S, c, ci + ldc + L);
            c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
            c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
            c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
            c41 = FloatVector.fromArray(S, c, ci + 4 * ldc + L);
            c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
            c51 = FloatVector.fromArray(S, c, ci + 5 * ldc + L);
        } else {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = FloatVector.zero(S);
        }
        int a0 = ai, a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, panel, p * CL);
            FloatVector b1 = FloatVector.fromArray(S, panel, p * CL + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + L);
    }

    /**
     * A partial tile (fewer rows, or a panel cut by the matrix edge): its rows of A are copied into a zero-padded
     * 6-row buffer and C goes through a full-width buffer, so it runs the same register tile as the interior
     * (a row-by-row loop has too few independent accumulators to keep the FMA units busy).
     */
    private static void edge(float[] a, int ai, int lda, int rows, int kc, float[] panel, float[] c, int ci, int ldc,
                             int width, boolean load, float[] tile, float[] apad) {
        for (int r = 0; r < TILE_ROWS; r++) {
            if (r < rows) System.arraycopy(a, ai + r * lda, apad, r * KC, kc);
            else java.util.Arrays.fill(apad, r * KC, r * KC + kc, 0f);
        }
        if (load) {
            for (int r = 0; r < rows; r++) System.arraycopy(c, ci + r * ldc, tile, r * CL, width);
        }
        kernel6(apad, 0, KC, kc, panel, tile, 0, CL, load);
        for (int r = 0; r < rows; r++) System.arraycopy(tile, r * CL, c, ci + r * ldc, width);
    }
}
