package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The one matrix-multiply interface of the engine. Weights are {@link Matrix} (F32 or BF16, out × in).
 *
 * <ul>
 *   <li>{@link #xwT}: Y = X·Wᵀ, a linear layer's forward (and the LM head);</li>
 *   <li>{@link #xw}: dX = dY·W, its backward to the input (weights are frozen: no weight gradient exists).</li>
 * </ul>
 *
 * Both run one register-tiled Vector API kernel ({@link GemmKernels}: {@link #MR} rows × one panel of two vectors)
 * over blocks of B = Wᵀ (or W). For xwT on F32 weights the blocks are read in place from the matrix's packed
 * panels; BF16 panels are upcast, and W for xw is transposed out of its panels, block by block into a per-thread
 * buffer that every row tile of the task then reuses. With fewer than MR rows (decode) xwT streams the panels once
 * ({@link MatVec}). Work is split over panels (and row blocks when there are few panels) on the shared
 * {@link Parallel} pool.
 */
public final class Gemm {
    static final VectorSpecies<Float> S = GemmKernels.S;
    static final int L = GemmKernels.L;
    /** Output columns per panel: two vectors. */
    static final int NR = Matrix.PANEL;
    /** Rows per register tile: 14 × 2 vectors = 28 accumulators with 32 vector registers (AVX-512), else 6 × 2. */
    public static final int MR = S.vectorBitSize() >= 512 ? 14 : 6;
    /** Reduction depth per block: one row tile's MR × KC floats of A stay in L1 while it passes over a chunk. */
    static final int KC = 512;
    /** Panels per chunk: CHUNK blocks of KC × NR floats of B stay in L2 while every row tile passes over them. */
    static final int CHUNK = Math.max(1, (512 * 1024) / (KC * NR * 4));

    private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[CHUNK * KC * NR]);
    private static final ThreadLocal<float[]> CTILE = ThreadLocal.withInitial(() -> new float[16 * NR]);
    /** Row stride of the copied A tile: KC plus a cache line, so rows never share L1 sets the way 4 KB strides do. */
    static final int LDA = KC + 16;
    private static final ThreadLocal<float[]> APAD = ThreadLocal.withInitial(() -> new float[MR * LDA]);

    private Gemm() {}

    /** y[m×n] = x[m×k]·wᵀ, or y += x·wᵀ when accumulate; w is n×k. x and y are dense (row strides k and n). */
    public static void xwT(float[] x, int xOff, int m, Matrix w, float[] y, int yOff, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        checkBounds(x, xOff, (long) m * k, "x");
        checkBounds(y, yOff, (long) m * n, "y");
        if (m == 0 || n == 0) return;
        if (m < MR) {
            MatVec.xwT(x, xOff, m, w, y, yOff, accumulate);
            return;
        }
        tiled(x, xOff, m, w, y, yOff, accumulate);
    }

    /**
     * The same as {@link #xwT(float[], int, int, Matrix, float[], int, boolean)} through the register tile whatever
     * m: each row of y then has exactly the bits it has in a product over more rows (the few-row MatVec path,
     * faster for decode, sums in another order). For a layer computed at a few rows that must agree bit for bit
     * with the same layer computed at all rows.
     */
    public static void xwTTiled(float[] x, int xOff, int m, Matrix w, float[] y, int yOff, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        checkBounds(x, xOff, (long) m * k, "x");
        checkBounds(y, yOff, (long) m * n, "y");
        if (m == 0 || n == 0) return;
        tiled(x, xOff, m, w, y, yOff, accumulate);
    }

    private static void tiled(float[] x, int xOff, int m, Matrix w, float[] y, int yOff, boolean accumulate) {
        if (w.bf16Compute()) runNative(x, xOff, m, w, true, y, yOff, accumulate, null, null);
        else run(x, xOff, m, w.storage() == Matrix.Storage.F32 ? new PackedF32(w) : new PackedBf16(w), y, yOff, accumulate);
    }

    /**
     * ys[i][m × ws[i].rows] = x·ws[i]ᵀ (from offsets yOffs[i]) for matrices of the same input width: a layer's q, k
     * and v, or gate and up. With few rows (decode) all of them go through the pool as one pass.
     */
    public static void xwT(float[] x, int xOff, int m, Matrix[] ws, float[][] ys, int[] yOffs) {
        products(x, xOff, m, ws, ys, yOffs, false);
    }

    /** The same through the register tile whatever m, as {@link #xwTTiled(float[], int, int, Matrix, float[], int, boolean)}. */
    public static void xwTTiled(float[] x, int xOff, int m, Matrix[] ws, float[][] ys, int[] yOffs) {
        products(x, xOff, m, ws, ys, yOffs, true);
    }

    private static void products(float[] x, int xOff, int m, Matrix[] ws, float[][] ys, int[] yOffs, boolean tiled) {
        if (ws.length != ys.length || ws.length != yOffs.length || ws.length == 0) {
            throw new IllegalArgumentException(ws.length + " matrices, " + ys.length + " outputs, " + yOffs.length + " offsets");
        }
        int k = ws[0].cols();
        checkBounds(x, xOff, (long) m * k, "x");
        for (int i = 0; i < ws.length; i++) {
            if (ws[i].cols() != k) throw new IllegalArgumentException("matrix " + i + " has " + ws[i].cols() + " columns, matrix 0 has " + k);
            checkBounds(ys[i], yOffs[i], (long) m * ws[i].rows(), "y" + i);
        }
        if (m == 0) return;
        if (m < MR && !tiled) {
            MatVec.xwT(x, xOff, m, ws, ys, yOffs, false);
            return;
        }
        boolean allBf16 = true;
        for (Matrix w : ws) allBf16 &= w.bf16Compute();
        if (allBf16) {
            // One BF16 copy of x serves every matrix (q, k and v read the same normed rows).
            for (int p0 = 0; p0 < m; p0 += nativePassRows(k)) {
                int rows = Math.min(nativePassRows(k), m - p0);
                short[] ab = toBf16(x, xOff + p0 * k, rows, k);
                for (int i = 0; i < ws.length; i++) {
                    nativeProduct(ab, nativeLda(k), rows, ws[i], true, ys[i], yOffs[i] + p0 * ws[i].rows(), false);
                }
            }
            return;
        }
        for (int i = 0; i < ws.length; i++) tiled(x, xOff, m, ws[i], ys[i], yOffs[i], false);
    }

    /**
     * ys[i][m × ws[i].rows] (+)= x·ws[i]ᵀ for rows [0, m) of x already rounded to BF16 by its producer; every matrix
     * must compute in BF16 ({@link Matrix#bf16Compute}). The same bits as the float overloads on the unrounded rows
     * when they take the register tile (m ≥ {@link #MR}, or the tiled overloads): they round x the same way. The
     * matrices may differ in rows (q, k and v): their panels are handed out together, one join for all of them.
     */
    public static void xwT(Bf16Rows x, int m, Matrix[] ws, float[][] ys, int[] yOffs, boolean accumulate) {
        checkBf16Operands(x, m, ws, ys, yOffs, false);
        if (m == 0) return;
        nativeSideBySide(x.data, x.lda, m, ws, ys, yOffs, accumulate);
    }

    /**
     * C_i (+)= A·W_iᵀ for matrices that share A's width but not their row counts, in one hand-out of tasks: each
     * matrix's panels cut into groups of about {@link #NATIVE_PANELS} (evenly sized, never across two matrices),
     * and every group into the same number of row blocks, about {@link #NATIVE_TASKS_PER_THREAD} tasks a thread in
     * all. Separate calls for q, k and v (576, 192 and 192 outputs at SmolLM2's shape) were three joins of both cores,
     * and k's and v's six panels each made tasks of few columns. Each element's bits are the kernel's whatever the cut.
     */
    private static void nativeSideBySide(short[] ab, int lda, int rows, Matrix[] ws, float[][] cs, int[] cOffs,
                                         boolean accumulate) {
        int nr = NativeBf16.PANEL, count = ws.length, red = ws[0].cols();
        // groups of panels: (matrix, first panel, end panel), in matrix order
        int[][] groups = new int[0][];
        double flops = 0;
        for (int i = 0; i < count; i++) {
            int panels = (ws[i].rows() + nr - 1) / nr;
            flops += 2.0 * rows * ws[i].rows() * red;
            if (panels == 0) continue;
            int per = TaskGrid.nativePerGroup(panels);
            for (int p0 = 0; p0 < panels; p0 += per) {
                groups = Arrays.copyOf(groups, groups.length + 1);
                groups[groups.length - 1] = new int[]{i, p0, Math.min(panels, p0 + per)};
            }
        }
        StepProfile.flops(flops);
        if (groups.length == 0) return;
        int rowTiles = (rows + MR - 1) / MR, g = groups.length, rowBlocks = TaskGrid.nativeRowBlocks(rowTiles, g);
        int[][] cut = groups;
        Parallel.forEachTask(g * rowBlocks, t -> {
            int[] group = cut[t % g];
            int i = group[0], cols = ws[i].rows();
            int r0 = TaskGrid.blockRow(rows, rowTiles, rowBlocks, t / g), r1 = TaskGrid.blockRow(rows, rowTiles, rowBlocks, t / g + 1);
            int c0 = group[1] * nr, c1 = Math.min(cols, group[2] * nr);
            if (r1 <= r0) return;
            NativeBf16.packedProductBlock(ab, r0 * lda, lda, r1 - r0, red, ws[i].nativePacked(), cols, c0, c1, cs[i],
                    cOffs[i] + r0 * cols + c0, cols, accumulate);
        });
    }

    /**
     * The checks of the Bf16Rows overloads, before any work; sameShape: every matrix as matrix 0; ys and yOffs null
     * when the outputs go to the tasks' own blocks.
     */
    private static void checkBf16Operands(Bf16Rows x, int m, Matrix[] ws, float[][] ys, int[] yOffs, boolean sameShape) {
        boolean blocks = ys == null;
        if (blocks) {
            ys = new float[ws.length][];
            yOffs = new int[ws.length];
        }
        if (ws.length != ys.length || ws.length != yOffs.length || ws.length == 0) {
            throw new IllegalArgumentException(ws.length + " matrices, " + ys.length + " outputs, " + yOffs.length + " offsets");
        }
        if (m < 0 || m > x.rows) throw new IllegalArgumentException(m + " rows of BF16 input that has " + x.rows);
        for (int i = 0; i < ws.length; i++) {
            Matrix w = ws[i];
            if (!w.bf16Compute()) throw new IllegalArgumentException("matrix " + i + " does not compute in BF16");
            if (w.cols() != x.cols) throw new IllegalArgumentException("matrix " + i + " has " + w.cols() + " columns, the input " + x.cols);
            if (sameShape && w.rows() != ws[0].rows()) {
                throw new IllegalArgumentException("matrix " + i + " has " + w.rows() + " rows, matrix 0 " + ws[0].rows());
            }
            if (!blocks) checkBounds(ys[i], yOffs[i], (long) m * w.rows(), "y" + i);
        }
    }

    /** dx[m×k] (+)= dy·w for rows [0, m) of dy already rounded to BF16 by its producer; w must compute in BF16. */
    public static void xw(Bf16Rows dy, int m, Matrix w, float[] dx, int dxOff, boolean accumulate) {
        xwSum(new Bf16Rows[]{dy}, m, new Matrix[]{w}, dx, dxOff, accumulate);
    }

    /**
     * dx[m×k] from dxOff = Σ_i dys[i]·ws[i] (dx += that when accumulate) for matrices of k columns (n_i × k, all
     * computing in BF16; n_i may differ), summed in the order of i: the bits of {@link #xw(Bf16Rows, int, Matrix,
     * float[], int, boolean)} for i = 0 then accumulating the others, with one packing pass for all of them and one
     * hand-out of tasks (each task adds every term to its block in turn) instead of two joins of both cores per term:
     * gate and up's backward into dL/d(h2), and q, k and v's into dL/d(h1).
     */
    public static void xwSum(Bf16Rows[] dys, int m, Matrix[] ws, float[] dx, int dxOff, boolean accumulate) {
        if (dys.length != ws.length || ws.length == 0) throw new IllegalArgumentException(dys.length + " gradients, " + ws.length + " matrices");
        for (int i = 0; i < ws.length; i++) {
            Matrix w = ws[i];
            if (!w.bf16Compute()) throw new IllegalArgumentException("matrix " + i + " does not compute in BF16");
            if (w.cols() != ws[0].cols()) {
                throw new IllegalArgumentException("matrix " + i + " is " + w.rows() + "×" + w.cols() + ", matrix 0 " + ws[0].rows() + "×" + ws[0].cols());
            }
            if (w.rows() != dys[i].cols) throw new IllegalArgumentException("matrix " + i + " has " + w.rows() + " rows, gradient " + i + " " + dys[i].cols + " columns");
            if (m < 0 || m > dys[i].rows) throw new IllegalArgumentException(m + " rows of BF16 gradient " + i + " that has " + dys[i].rows);
        }
        checkBounds(dx, dxOff, (long) m * ws[0].cols(), "dx");
        if (m == 0 || ws[0].cols() == 0) return;
        short[][] as = new short[ws.length][];
        int[] ldas = new int[ws.length];
        for (int i = 0; i < ws.length; i++) {
            as[i] = dys[i].data;
            ldas[i] = dys[i].lda;
        }
        nativeProducts(as, ldas, m, ws, false, new float[][]{dx}, new int[]{dxOff}, accumulate, true, null, null);
    }

    /**
     * Work on a block of a product's outputs just written, rows [r0, r1) × columns [c0, c1), while it is in the cache
     * of the core that computed it (an element-wise step fused into the product).
     */
    @FunctionalInterface
    public interface Epilogue {
        void run(int r0, int r1, int c0, int c1);
    }

    /**
     * ys[i][m × n] = x·ws[i]ᵀ for matrices of one shape (n × k, all computing in BF16), then after on each block of
     * the outputs once every matrix's block is written: each task computes its block of every matrix in turn (gate
     * and up, then the SwiGLU gate over them). The blocks cover the outputs once; the products' bits are those of
     * {@link #xwT(Bf16Rows, int, Matrix[], float[][], int[], boolean)}.
     */
    public static void xwT(Bf16Rows x, int m, Matrix[] ws, float[][] ys, Epilogue after) {
        int[] offsets = new int[ws.length];
        checkBf16Operands(x, m, ws, ys, offsets, true);
        if (m == 0) return;
        nativeProducts(same(x.data, ws.length), same(x.lda, ws.length), m, ws, true, ys, offsets, false, false, after, null);
    }

    /**
     * dx[m×k] = dy[m×n]·w (w computing in BF16), then after on each block of dx as it is written (dL/d of the SwiGLU
     * gate's output, then the gate's backward over it).
     */
    public static void xw(float[] dy, int dyOff, int m, Matrix w, float[] dx, Epilogue after) {
        int n = w.rows(), k = w.cols();
        if (!w.bf16Compute()) throw new IllegalArgumentException("the matrix does not compute in BF16");
        checkBounds(dy, dyOff, (long) m * n, "dy");
        checkBounds(dx, 0, (long) m * k, "dx");
        if (m == 0 || k == 0) return;
        runNative(dy, dyOff, m, w, false, dx, 0, false, after, null);
    }

    /**
     * Work on a task's block of a product's outputs held in buffers of the task's own, rows [r0, r1) × columns
     * [c0, c1): blocks[i] is matrix i's, element (r, c) at (r − r0)·ld + c − c0. The outputs exist only there, so
     * whatever the caller needs of them it takes now, while they are in the cache of the core that computed them;
     * the buffers are reused by the thread's next task.
     */
    @FunctionalInterface
    public interface BlockEpilogue {
        void run(int r0, int r1, int c0, int c1, float[][] blocks, int ld);
    }

    /**
     * x·ws[i]ᵀ for matrices of one shape (n × k, all computing in BF16), each task's block of every matrix written
     * to buffers of its own and handed to after, never to an m × n array: the gate and up products, whose outputs
     * only the SwiGLU gate reads (and the backward, in the form the caller chooses to keep). The blocks cover the
     * outputs once, with the bits of {@link #xwT(Bf16Rows, int, Matrix[], float[][], int[], boolean)}.
     */
    public static void xwTBlocks(Bf16Rows x, int m, Matrix[] ws, BlockEpilogue after) {
        checkBf16Operands(x, m, ws, null, null, true);
        if (m == 0) return;
        nativeProducts(same(x.data, ws.length), same(x.lda, ws.length), m, ws, true, null, null, false, false, null, after);
    }

    /**
     * dy[m×n]·w (w computing in BF16), each task's block of the result written to a buffer of its own and handed to
     * after (blocks[0]), never to an m × k array: dL/d of the SwiGLU gate's output, which only the gate's backward
     * reads. The bits of {@link #xw(float[], int, int, Matrix, float[], int, boolean)}.
     */
    public static void xwBlocks(float[] dy, int dyOff, int m, Matrix w, BlockEpilogue after) {
        int n = w.rows(), k = w.cols();
        if (!w.bf16Compute()) throw new IllegalArgumentException("the matrix does not compute in BF16");
        checkBounds(dy, dyOff, (long) m * n, "dy");
        if (m == 0 || k == 0) return;
        runNative(dy, dyOff, m, w, false, null, 0, false, null, after);
    }

    /** dx[m×k] = dy[m×n]·w, or dx += dy·w when accumulate; w is n×k. dy and dx are dense (row strides n and k). */
    public static void xw(float[] dy, int dyOff, int m, Matrix w, float[] dx, int dxOff, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        checkBounds(dy, dyOff, (long) m * n, "dy");
        checkBounds(dx, dxOff, (long) m * k, "dx");
        if (m == 0 || k == 0) return;
        if (w.bf16Compute()) runNative(dy, dyOff, m, w, false, dx, dxOff, accumulate, null, null);
        else run(dy, dyOff, m, new PackedTransposed(w), dx, dxOff, accumulate);
    }

    private static void checkBounds(float[] a, int off, long len, String what) {
        if (off < 0 || off + len > a.length) {
            throw new IllegalArgumentException(what + ": need " + len + " floats from offset " + off + ", array has " + a.length);
        }
    }

    // ---------------------------------------------------------------- the B operand, one KC × NR block at a time

    /**
     * B[red × cols] seen as panels of NR columns. A block (panel, k0, kc) is either read in place (direct: the
     * panel's rows at stride {@link #stride} from {@link #offset}) or packed into a kc × NR buffer, zero-padded
     * beyond the last column.
     */
    private abstract static class Operand {
        final int red, cols;

        Operand(int red, int cols) {
            this.red = red;
            this.cols = cols;
        }

        /** The array to read block (panel, k0) from in place, or null when blocks must be packed. */
        float[] direct(int panel) { return null; }

        int offset(int panel, int k0) { throw new UnsupportedOperationException(); }

        int stride() { return NR; }

        abstract void pack(int panel, int k0, int kc, float[] dst, int d0);
    }

    /** Wᵀ of an F32 matrix: its packed panels are exactly the blocks (last panel zero-padded), read in place. */
    private static final class PackedF32 extends Operand {
        final float[] p;

        PackedF32(Matrix w) {
            super(w.cols(), w.rows());
            p = w.packedF32();
        }

        @Override
        float[] direct(int panel) { return p; }

        @Override
        int offset(int panel, int k0) { return (panel * red + k0) * NR; }

        @Override
        void pack(int panel, int k0, int kc, float[] dst, int d0) { System.arraycopy(p, offset(panel, k0), dst, d0, kc * NR); }
    }

    /** Wᵀ of a BF16 matrix: its packed panels upcast block by block. */
    private static final class PackedBf16 extends Operand {
        final short[] p;

        PackedBf16(Matrix w) {
            super(w.cols(), w.rows());
            p = w.packedBf16();
        }

        @Override
        void pack(int panel, int k0, int kc, float[] dst, int d0) {
            int src = (panel * red + k0) * NR;
            for (int i = 0; i < kc * NR; i += L) MatVec.bf16(p, src + i).intoArray(dst, d0 + i);
        }
    }

    /** W itself (for dY·W) from a packed matrix: block (panel, k0) = W[k0 .. k0+kc)[panel's columns], transposed out of the panels. */
    private static final class PackedTransposed extends Operand {
        final Matrix w;
        final float[] f;
        final short[] b;

        PackedTransposed(Matrix w) {
            super(w.rows(), w.cols());
            this.w = w;
            f = w.packedF32();
            b = w.packedBf16();
        }

        @Override
        void pack(int panel, int k0, int kc, float[] dst, int d0) {
            int c0 = panel * NR, width = Math.min(NR, cols - c0);
            // W rows k0.. are panel rows: for a fixed column, NR consecutive W rows are contiguous in the panel.
            for (int j0 = k0; j0 < k0 + kc; ) {
                int inPanel = j0 % NR, run = Math.min(NR - inPanel, k0 + kc - j0);
                int base = w.index(j0, c0);
                for (int cc = 0; cc < width; cc++) {
                    int src = base + cc * NR, d = d0 + (j0 - k0) * NR + cc;
                    if (f != null) {
                        for (int t = 0; t < run; t++) dst[d + t * NR] = f[src + t];
                    } else {
                        for (int t = 0; t < run; t++) dst[d + t * NR] = Float.intBitsToFloat(b[src + t] << 16);
                    }
                }
                j0 += run;
            }
            if (width < NR) zeroColumns(dst, d0, kc, width);
        }
    }

    private static void zeroColumns(float[] dst, int d0, int kc, int width) {
        for (int p = 0; p < kc; p++) Arrays.fill(dst, d0 + p * NR + width, d0 + (p + 1) * NR, 0f);
    }

    // ---------------------------------------------------------------- the blocked product

    /**
     * C[m × b.cols] (+)= A[m × b.red] · B as equal-sized tasks, enough of them (about eight per thread) that the
     * pool's dynamic hand-out evens out the cores. Operands read in place are cut into groups of panels and, where
     * panels are few, row blocks too; packed operands go one panel per task with all rows, so every block is
     * packed exactly once.
     */
    private static void run(float[] a, int aOff, int m, Operand b, float[] c, int cOff, boolean accumulate) {
        StepProfile.flops(2.0 * m * b.cols * b.red);
        TaskGrid grid = TaskGrid.of((b.cols + NR - 1) / NR, m, b.direct(0) != null);
        Parallel.forEachTask(grid.tasks(), t -> {
            int p0 = grid.firstPanel(t), p1 = grid.endPanel(t);
            block(a, aOff, b, c, cOff, accumulate, p0, p1, grid.firstRow(t), grid.endRow(t));
        });
    }

    /**
     * How a product of m rows over some panels is cut into tasks: groups of perGroup panels × rowBlocks blocks of
     * whole row tiles, about eight tasks per thread. Operands read in place (and the native kernels) go in panel
     * groups, plus row blocks where panels are few; packed operands one panel per task with all rows, so every block
     * is packed exactly once.
     */
    private record TaskGrid(int panels, int m, int perGroup, int panelGroups, int rowTiles, int rowBlocks) {
        static TaskGrid of(int panels, int m, boolean inPlace) {
            int threads = Parallel.threads();
            int rowTiles = (m + MR - 1) / MR;
            int target = 8 * threads;
            int perGroup = inPlace ? Math.max(1, panels / target) : 1;
            int panelGroups = (panels + perGroup - 1) / perGroup;
            int rowBlocks = panelGroups >= (inPlace ? target / 2 : 2 * threads) ? 1
                    : Math.min(rowTiles, (target + panelGroups - 1) / panelGroups);
            return new TaskGrid(panels, m, perGroup, panelGroups, rowTiles, rowBlocks);
        }

        /**
         * The native kernels' cut: groups of about {@link #NATIVE_PANELS} panels (evenly sized), and row blocks until
         * there are about {@link #NATIVE_TASKS_PER_THREAD} tasks per thread. Each call of the kernel passes every row
         * tile of A it reads over every panel of the call, so a one-panel task streams A once per panel: on Zen 5,
         * products of the SmolLM2 step ran at 175-220 GFLOP/s a thread cut one panel per task, 300-320 cut four or
         * more (a C harness, every cut of the same product in one process, docs/benchmarks.md). Where a panel group
         * has several row blocks, B is packed once per product ({@link #nativeProduct}). The bits of every output
         * element are the same whatever the cut (the kernels sum each element in one order).
         */
        static TaskGrid forNative(int panels, int m) {
            int rowTiles = (m + MR - 1) / MR;
            int perGroup = nativePerGroup(panels);
            int panelGroups = (panels + perGroup - 1) / perGroup;
            return new TaskGrid(panels, m, perGroup, panelGroups, rowTiles, nativeRowBlocks(rowTiles, panelGroups));
        }

        /** Panels per group of the native cut: groups of about {@link #NATIVE_PANELS}, evenly sized. */
        static int nativePerGroup(int panels) {
            int groups = (panels + NATIVE_PANELS - 1) / NATIVE_PANELS;
            return (panels + groups - 1) / groups;
        }

        /** Row blocks of the native cut: about {@link #NATIVE_TASKS_PER_THREAD} tasks a thread over all the groups. */
        static int nativeRowBlocks(int rowTiles, int groups) {
            return Math.max(1, Math.min(rowTiles, (NATIVE_TASKS_PER_THREAD * Parallel.threads() + groups - 1) / groups));
        }

        /** The first row of row block b (whole tiles; b = rowBlocks gives the end, at most m). */
        static int blockRow(int m, int rowTiles, int rowBlocks, int b) {
            return Math.min(m, (int) ((long) rowTiles * b / rowBlocks) * MR);
        }

        int tasks() { return panelGroups * rowBlocks; }

        int firstPanel(int t) { return t % panelGroups * perGroup; }

        int endPanel(int t) { return Math.min(panels, firstPanel(t) + perGroup); }

        int firstRow(int t) { return blockRow(m, rowTiles, rowBlocks, t / panelGroups); }

        int endRow(int t) { return blockRow(m, rowTiles, rowBlocks, t / panelGroups + 1); }
    }

    /** Panels (of NR columns) a native task covers at most: enough that each row tile of A read serves several. */
    static final int NATIVE_PANELS = 8;

    /**
     * Native tasks per thread and product. The cores of one machine do not run equally fast (one of this Zen 5's two
     * ran the same work ~8% faster), so a product waits on its last task: in a two-thread C harness of the SmolLM2
     * products, 6 tasks a thread reached 71% of the BF16 peak, 12 74%, 24 75% (each alternated three times). With B
     * packed once per product, more row blocks cost no more packing.
     */
    static final int NATIVE_TASKS_PER_THREAD = 16;

    /** Most BF16 values of converted A per pass: rows beyond it (an LM head's vocabulary-wide gradient) go in passes. */
    static final int NATIVE_A_LIMIT = 16 << 20;
    private static final ThreadLocal<short[][]> NATIVE_A = ThreadLocal.withInitial(() -> new short[1][0]);

    /**
     * C (+)= A·Wᵀ (transposed) or A·W through the native BF16 kernels. A is converted to BF16 once, in parallel row
     * blocks (converting it inside every task would stream it from memory once per group of columns), in passes of
     * rows so the copy stays bounded; then each pass is one {@link #nativeProducts}, with after (when not null) on
     * each block of C as its task writes it; or, with c null, C only in the tasks' own blocks, handed to inBlocks.
     */
    private static void runNative(float[] a, int aOff, int m, Matrix w, boolean transposed, float[] c, int cOff,
                                  boolean accumulate, Epilogue after, BlockEpilogue inBlocks) {
        int cols = transposed ? w.rows() : w.cols(), red = transposed ? w.cols() : w.rows();
        int passRows = nativePassRows(red);
        for (int p0 = 0; p0 < m; p0 += passRows) {
            int rows = Math.min(passRows, m - p0), base = p0;
            short[] ab = toBf16(a, aOff + p0 * red, rows, red);
            // the epilogues see rows of the whole product, not of the pass
            Epilogue shifted = after == null ? null : (r0, r1, c0, c1) -> after.run(base + r0, base + r1, c0, c1);
            BlockEpilogue shiftedBlocks = inBlocks == null ? null
                    : (r0, r1, c0, c1, blocks, ld) -> inBlocks.run(base + r0, base + r1, c0, c1, blocks, ld);
            nativeProducts(new short[][]{ab}, new int[]{nativeLda(red)}, rows, new Matrix[]{w}, transposed,
                    c == null ? null : new float[][]{c}, c == null ? null : new int[]{cOff + p0 * cols}, accumulate, false,
                    shifted, shiftedBlocks);
        }
    }

    /** n copies of x. */
    private static short[][] same(short[] x, int n) {
        short[][] a = new short[n][];
        Arrays.fill(a, x);
        return a;
    }

    private static int[] same(int x, int n) {
        int[] a = new int[n];
        Arrays.fill(a, x);
        return a;
    }

    /** Row stride of converted A: even, and off multiples of 2 KB (rows of a tile 2 or 4 KB apart share L1 sets). */
    static int nativeLda(int red) {
        int lda = (red + 1) & ~1;
        return lda % 1024 == 0 ? lda + 32 : lda;
    }

    private static int nativePassRows(int red) { return Math.max(MR, NATIVE_A_LIMIT / nativeLda(red) / MR * MR); }

    /** rows × red floats of a from aOff as BF16 rows of {@link #nativeLda} in this thread's reused array. */
    private static short[] toBf16(float[] a, int aOff, int rows, int red) {
        int lda = nativeLda(red);
        short[][] holder = NATIVE_A.get();
        if (holder[0].length < rows * lda) holder[0] = new short[rows * lda];
        short[] ab = holder[0];
        int tasks = Math.min(rows, 2 * Parallel.threads());
        StepProfile.enter(StepProfile.Phase.TO_BF16);
        try {
            Parallel.forEachTask(tasks, t -> {
                int r0 = (int) ((long) rows * t / tasks), r1 = (int) ((long) rows * (t + 1) / tasks);
                NativeBf16.toBf16(a, aOff + r0 * red, r1 - r0, red, ab, r0 * lda, lda);
            });
        } finally {
            StepProfile.exit();
        }
        return ab;
    }

    /**
     * C (+)= A·Wᵀ or A·W for A already BF16 (rows × lda), cut into tasks by {@link TaskGrid#forNative}. A·Wᵀ reads
     * the matrix's own packed Wᵀ ({@link Matrix#withBf16Compute}). For A·W, where several row blocks read the same
     * panels, W is packed from that Wᵀ once for the product first (a task per panel, into a buffer of this
     * thread's) and every task reads it there: packed per task, each panel of W was read from memory and rearranged
     * once per row block (the packing took 6.6% of the SmolLM2 BF16 training step's samples under perf).
     */
    private static void nativeProduct(short[] ab, int lda, int rows, Matrix w, boolean transposed, float[] c, int cOff,
                                      boolean accumulate) {
        nativeProducts(new short[][]{ab}, new int[]{lda}, rows, new Matrix[]{w}, transposed, new float[][]{c}, new int[]{cOff},
                accumulate, false, null, null);
    }

    /**
     * {@link #nativeProduct} for several matrices at once (of one shape; in a sum, of the same columns), A number i
     * (as[i], row stride ldas[i]) with matrix i: a task computes its block of every matrix in turn, then runs after
     * (when not null) on that block (its rows and columns relative to cOffs). With sum, every term goes to the one
     * output cs[0] at cOffs[0], term i &gt; 0 added to those before it. With cs null, a task writes its blocks to
     * buffers of its thread (one per matrix, or one with sum) and hands them to inBlocks instead.
     */
    private static void nativeProducts(short[][] as, int[] ldas, int rows, Matrix[] ws, boolean transposed, float[][] cs,
                                       int[] cOffs, boolean accumulate, boolean sum, Epilogue after, BlockEpilogue inBlocks) {
        Matrix w0 = ws[0];
        int count = ws.length, cols = transposed ? w0.rows() : w0.cols();
        // each matrix's reduction: the matrices of A·W may differ in rows (a sum over q, k and v)
        int[] reds = new int[count];
        double flops = 0;
        for (int i = 0; i < count; i++) {
            reds[i] = transposed ? ws[i].cols() : ws[i].rows();
            flops += 2.0 * rows * cols * reds[i];
        }
        StepProfile.flops(flops);
        int nr = NativeBf16.PANEL; // the library's panels, not Gemm's NR (which follows the JVM's vector size)
        TaskGrid grid = TaskGrid.forNative((cols + nr - 1) / nr, rows);
        MemorySegment[] b = new MemorySegment[count];
        if (transposed) {
            for (int i = 0; i < count; i++) b[i] = ws[i].nativePacked();
        } else {
            long[] at = new long[count + 1];
            for (int i = 0; i < count; i++) at[i + 1] = at[i] + 4 * NativeBf16.packedWords(reds[i], cols);
            boolean fits = true;
            for (int i = 0; i < count; i++) fits &= at[i + 1] - at[i] <= NATIVE_B_LIMIT;
            MemorySegment all = grid.rowBlocks() > 1 && fits ? packedB(at[count]) : null;
            if (all != null) {
                for (int i = 0; i < count; i++) b[i] = all.asSlice(at[i], at[i + 1] - at[i]);
                // a task per row panel of each W, a run of memory in its packed Wᵀ, into every column panel (W comes
                // from memory once a step: reading it in the order it lies keeps the prefetchers ahead)
                int[] firstTask = new int[count + 1];
                for (int i = 0; i < count; i++) firstTask[i + 1] = firstTask[i] + (reds[i] + nr - 1) / nr;
                Parallel.forEachTask(firstTask[count], t -> {
                    int i = 0;
                    while (t >= firstTask[i + 1]) i++;
                    int q = t - firstTask[i];
                    NativeBf16.packFromTransposed(ws[i].nativePacked(), reds[i], cols, q, q + 1, b[i]);
                });
            }
        }
        Parallel.forEachTask(grid.tasks(), t -> {
            int c0 = grid.firstPanel(t) * nr, c1 = Math.min(cols, grid.endPanel(t) * nr);
            int r0 = grid.firstRow(t), r1 = grid.endRow(t);
            if (r1 <= r0) return;
            float[][] blocks = cs == null ? blockBuffers(sum ? 1 : count, (r1 - r0) * (c1 - c0)) : null;
            for (int i = 0; i < count; i++) {
                int o = sum ? 0 : i, lda = ldas[i];
                short[] ab = as[i];
                boolean acc = accumulate || (sum && i > 0);
                // C itself (row stride cols, from column c0) or this task's block (row stride c1 - c0)
                float[] c = cs == null ? blocks[o] : cs[o];
                int ci = cs == null ? 0 : cOffs[o] + r0 * cols + c0, ldc = cs == null ? c1 - c0 : cols;
                if (b[i] != null) NativeBf16.packedProductBlock(ab, r0 * lda, lda, r1 - r0, reds[i], b[i], cols, c0, c1, c, ci, ldc, acc);
                else NativeBf16.xwFromTransposedBlock(ab, r0 * lda, lda, r1 - r0, reds[i], ws[i].nativePacked(), cols, c0, c1, c, ci, ldc, acc);
            }
            if (after != null) after.run(r0, r1, c0, c1);
            if (inBlocks != null) inBlocks.run(r0, r1, c0, c1, blocks, c1 - c0);
        });
    }

    private static final ThreadLocal<float[][]> OUT_BLOCKS = ThreadLocal.withInitial(() -> new float[0][]);

    /** This thread's first count output-block buffers, each at least n floats (stale contents). */
    private static float[][] blockBuffers(int count, int n) {
        float[][] held = OUT_BLOCKS.get();
        if (held.length < count) {
            held = Arrays.copyOf(held, count);
            OUT_BLOCKS.set(held);
        }
        for (int i = 0; i < count; i++) if (held[i] == null || held[i].length < n) held[i] = new float[n];
        return held;
    }

    /**
     * Most bytes of B packed once per product: every projection up to TinyLlama-1.1B's MLP matrices (5632 × 2048 in
     * BF16, 23 MB; SmolLM2-135M's largest is 1.8 MB); an LM head's gradient product packs per task instead of
     * holding a vocabulary-wide copy.
     */
    static final long NATIVE_B_LIMIT = 32L << 20;
    private static final ThreadLocal<MemorySegment[]> NATIVE_B = ThreadLocal.withInitial(() -> new MemorySegment[1]);

    /**
     * This thread's buffer for packed B, 64-byte aligned, at least bytes long: off the heap, since the GC must not
     * move it between the packing and the products; freed by the GC once replaced or its thread is gone.
     */
    private static MemorySegment packedB(long bytes) {
        MemorySegment[] holder = NATIVE_B.get();
        if (holder[0] == null || holder[0].byteSize() < bytes) {
            holder[0] = Arena.ofAuto().allocate(Math.max(bytes, holder[0] == null ? 0 : holder[0].byteSize() * 3 / 2), 64);
        }
        return holder[0];
    }

    /**
     * One task: panels [p0, p1) × rows [r0, r1). Panels go in chunks whose B blocks fit in L2; for each chunk and
     * reduction block, every row tile (its A rows stay in L1) passes over all panels of the chunk.
     */
    private static void block(float[] a, int aOff, Operand b, float[] c, int cOff, boolean accumulate,
                              int p0, int p1, int r0, int r1) {
        int red = b.red, cols = b.cols;
        float[][] arr = new float[CHUNK][];
        int[] off = new int[CHUNK], ld = new int[CHUNK];
        float[] buf = null, apad = APAD.get();
        for (int q0 = p0; q0 < p1; q0 += CHUNK) {
            int q1 = Math.min(p1, q0 + CHUNK);
            for (int k0 = 0; k0 < red; k0 += KC) {
                int kc = Math.min(KC, red - k0);
                boolean load = accumulate || k0 > 0;
                for (int p = q0; p < q1; p++) {
                    int s = p - q0;
                    float[] direct = b.direct(p);
                    if (direct != null) {
                        arr[s] = direct;
                        off[s] = b.offset(p, k0);
                        ld[s] = b.stride();
                    } else {
                        if (buf == null) buf = BLOCK.get();
                        b.pack(p, k0, kc, buf, s * KC * NR);
                        arr[s] = buf;
                        off[s] = s * KC * NR;
                        ld[s] = NR;
                    }
                }
                if (NATIVE_F32 && nativeBlock(a, aOff, red, cols, kc, k0, arr, off, q0, q1, c, cOff, r0, r1, load)) continue;
                for (int i = r0; i < r1; i += MR) {
                    int rows = Math.min(MR, r1 - i);
                    int tileRows = rows == MR ? MR : rows <= 6 ? 6 : MR;
                    float[] at = a;
                    int ai = aOff + i * red + k0, lda = red;
                    if (rows < MR || red % 1024 == 0) {
                        // A short tile is zero-padded; and rows 4 KB apart (red a multiple of 1024, e.g. 2048) all
                        // fall into the same L1 sets and evict each other on every step: both read a copy instead.
                        for (int r = 0; r < tileRows; r++) {
                            if (r < rows) System.arraycopy(a, ai + r * red, apad, r * LDA, kc);
                            else Arrays.fill(apad, r * LDA, r * LDA + kc, 0f);
                        }
                        at = apad;
                        ai = 0;
                        lda = LDA;
                    }
                    for (int p = q0; p < q1; p++) {
                        int s = p - q0, j0 = p * NR, width = Math.min(NR, cols - j0);
                        int ci = cOff + i * cols + j0;
                        if (width == NR && rows == MR) tile(MR, at, ai, lda, kc, arr[s], off[s], ld[s], c, ci, cols, load);
                        else edge(tileRows, rows, at, ai, lda, kc, arr[s], off[s], ld[s], c, ci, cols, width, load);
                    }
                }
            }
        }
    }

    /**
     * Whether F32 products go through the native FP32 tile ({@link NativeBf16#f32Block}): where the library is loaded
     * and its panels are this JVM's (512-bit vectors). The same FMA chains as the Java kernels, so the same bits;
     * -Dtagllm.nativeF32=false keeps the Java kernels (for comparisons).
     */
    static final boolean NATIVE_F32 = NR == NativeBf16.PANEL && NativeBf16.available()
            && !"false".equalsIgnoreCase(System.getProperty("tagllm.nativeF32", "true"));

    /**
     * One reduction block of {@link #block} (panels [q0, q1), rows [r0, r1), B's blocks at arr/off) in one native
     * call; false (nothing done) where the panels do not lie evenly apart in one array (both operands of today lay
     * them so: a matrix's own panels, or the packing buffer's blocks). A stride shorter than a block is refused by
     * {@link NativeBf16#f32Block}.
     */
    private static boolean nativeBlock(float[] a, int aOff, int red, int cols, int kc, int k0, float[][] arr, int[] off,
                                       int q0, int q1, float[] c, int cOff, int r0, int r1, boolean load) {
        int panels = q1 - q0;
        long pstride = panels > 1 ? off[1] - off[0] : (long) kc * NR;
        for (int s = 1; s < panels; s++) {
            if (arr[s] != arr[0] || off[s] - off[s - 1] != pstride) return false;
        }
        int width = Math.min(NR, cols - (q1 - 1) * NR);
        NativeBf16.f32Block(a, aOff + r0 * red + k0, red, r1 - r0, kc, arr[0], off[0], pstride, panels, width, c,
                cOff + r0 * cols + q0 * NR, cols, load);
        return true;
    }

    private static void tile(int rows, float[] a, int ai, int lda, int kc, float[] b, int bi, int ldb, float[] c, int ci,
                             int ldc, boolean load) {
        if (rows == 14) GemmKernels.kernel14(a, ai, lda, kc, b, bi, ldb, c, ci, ldc, load);
        else GemmKernels.kernel6(a, ai, lda, kc, b, bi, ldb, c, ci, ldc, load);
    }

    /**
     * A partial tile (fewer rows, or a panel cut by the matrix edge): C goes through a full-width buffer so it runs
     * the same register tile as the interior (a row-by-row loop has too few independent accumulators to keep the
     * FMA units busy); A has tileRows rows (zero-padded when the tile is short).
     */
    private static void edge(int tileRows, int rows, float[] a, int ai, int lda, int kc, float[] b, int bi, int ldb,
                             float[] c, int ci, int ldc, int width, boolean load) {
        float[] t = CTILE.get();
        if (load) {
            for (int r = 0; r < rows; r++) System.arraycopy(c, ci + r * ldc, t, r * NR, width);
        }
        tile(tileRows, a, ai, lda, kc, b, bi, ldb, t, 0, NR, load);
        for (int r = 0; r < rows; r++) System.arraycopy(t, r * NR, c, ci + r * ldc, width);
    }
}
