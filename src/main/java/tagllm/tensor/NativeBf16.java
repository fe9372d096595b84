package tagllm.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The optional native BF16 GEMM kernels (AVX512-BF16 {@code vdpbf16ps}, which the Vector API cannot emit). The
 * library is the class path resource {@value Bf16Library#RESOURCE}, compiled at build time when gcc is there; it
 * is looked for once, on first use. Without it, on a CPU without avx512_bf16, or with {@code -Dtagllm.native=false},
 * {@link #available()} is false, {@link #status()} says why, and the Java kernels do all the work.
 *
 * <p>Weights are BF16 bit patterns: a row-major n×k matrix in a memory segment ({@link #xwT}, {@link #xw},
 * {@link #pack}), B already packed ({@link #packedProduct}; a {@link Matrix} that computes in BF16 keeps its Wᵀ that
 * way, its only copy, which {@link #packFromTransposed}, {@link #xwFromTransposed} and the one-row
 * {@link #matVec(float[], int, int, MemorySegment, int, int, int, float[], int, boolean)} read for the rest); activations are converted to BF16 once per product
 * ({@link #toBf16}) and, like the float outputs, passed in place (critical downcalls, no copy).
 */
public final class NativeBf16 {

    private NativeBf16() {}

    /** Initialised on first use, by the JVM's class initialisation lock: once, lazily, thread-safely. */
    private static final class Holder {
        static final Bf16Library LIBRARY = Bf16Library.load(
                !"false".equalsIgnoreCase(System.getProperty("tagllm.native", "true")),
                System.getProperty("os.name", "unknown"), System.getProperty("os.arch", "unknown"),
                NativeBf16.class.getResource(Bf16Library.RESOURCE));
    }

    /** Whether the native kernels can be called here. Never throws. */
    public static boolean available() { return Holder.LIBRARY.available(); }

    /** Throws IllegalStateException saying why when BF16 compute cannot run here (before any work is done). */
    public static void requireBf16Compute() {
        if (!available()) throw new IllegalStateException("BF16 compute is not available: " + status());
    }

    /** The loaded version and path when {@link #available()}, else why not. */
    public static String status() { return Holder.LIBRARY.status(); }

    /** tl_bf16_version of the loaded library; IllegalStateException(status()) when not available. */
    public static String version() {
        requireAvailable();
        return Holder.LIBRARY.version();
    }

    /**
     * out[rows × ldo] from outOff = x[rows × cols] from xOff rounded to BF16 (nearest even), the column after an odd
     * cols set to zero: the A operand of the BF16-input products below, converted once per product. Each row writes
     * cols values (rounded up to even) and leaves the rest of its stride alone, so out may be a block of a wider
     * matrix and needs only (rows − 1)·ldo plus the last row's values.
     */
    public static void toBf16(float[] x, int xOff, int rows, int cols, short[] out, int outOff, int ldo) {
        if (rows < 0 || cols < 0 || ldo < ((cols + 1) & ~1) || (ldo & 1) != 0) {
            throw new IllegalArgumentException("toBf16: " + rows + "×" + cols + " into rows of " + ldo + " (need an even stride >= cols)");
        }
        checkBounds(x, xOff, (long) rows * cols, "x");
        checkShorts(out, outOff, rows == 0 ? 0 : (long) (rows - 1) * ldo + ((cols + 1) & ~1), "out");
        requireAvailable();
        if (rows == 0 || cols == 0) return;
        try {
            Holder.LIBRARY.toBf16().invokeExact(slice(x, xOff), rows, cols, slice(out, outOff), ldo);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * Columns j0..j1 of y[m×n] (+)= x[m×k]·wᵀ, w the n×k BF16 matrix, x already BF16: a[m × lda] from aOff as
     * {@link #toBf16} writes it (lda even, &gt;= k). y is dense from yOff (row stride n); its other columns are left
     * as they are.
     */
    public static void xwT(short[] a, int aOff, int lda, int m, int k, MemorySegment w, int n, int j0, int j1,
                           float[] y, int yOff, boolean accumulate) {
        checkShape(m, k, n, j0, j1, "j0", "j1", n);
        checkLda(lda, k);
        checkShorts(a, aOff, (long) m * lda, "a");
        checkBounds(y, yOff, (long) m * n, "y");
        checkWeights(w, n, k);
        requireAvailable();
        if (m == 0 || j0 == j1) return;
        try {
            Holder.LIBRARY.xwT().invokeExact(slice(a, aOff), lda, m, k, w, n, j0, j1, slice(y, yOff), accumulate ? 1 : 0);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * Columns c0..c1 of dx[m×k] (+)= dy[m×n]·w, w the n×k BF16 matrix, dy already BF16: a[m × lda] from aOff as
     * {@link #toBf16} writes it (lda even, &gt;= n). dx is dense from dxOff (row stride k); its other columns are left
     * as they are.
     */
    public static void xw(short[] a, int aOff, int lda, int m, int n, MemorySegment w, int k, int c0, int c1,
                          float[] dx, int dxOff, boolean accumulate) {
        checkShape(m, k, n, c0, c1, "c0", "c1", k);
        checkLda(lda, n);
        checkShorts(a, aOff, (long) m * lda, "a");
        checkBounds(dx, dxOff, (long) m * k, "dx");
        checkWeights(w, n, k);
        requireAvailable();
        if (m == 0 || c0 == c1) return;
        try {
            Holder.LIBRARY.xw().invokeExact(slice(a, aOff), lda, m, n, w, k, c0, c1, slice(dx, dxOff), accumulate ? 1 : 0);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * Output columns per panel of the native kernels (NR in tagllm_bf16.c): fixed by the library, whatever vector
     * size the JVM prefers (Gemm's own panels are 16 columns wide under -XX:MaxVectorSize=32 on the same CPU).
     */
    public static final int PANEL = 32;

    /** Panels of {@link #PANEL} output columns, each 2 × ceil(red / 2) BF16 values: the words of B packed whole. */
    public static long packedWords(int red, int cols) {
        return (long) ((cols + PANEL - 1) / PANEL) * ((red + 1) / 2) * PANEL;
    }

    /**
     * Packs panels [p0, p1) of B into dst, where {@link #packedProduct} reads them: B = wᵀ (transposed, w the
     * cols×red matrix, for y = x·wᵀ) or w (w the red×cols matrix, for dx = dy·w). dst is 64-byte aligned and holds
     * {@link #packedWords} 32-bit words; panels of one product can be packed by several threads at once.
     */
    public static void pack(MemorySegment w, int red, int cols, boolean transposed, int p0, int p1, MemorySegment dst) {
        checkPanelRange(red, cols, p0, p1);
        checkWeights(w, red, cols);
        checkPacked(dst, red, cols);
        requireAvailable();
        if (p0 == p1 || red == 0) return;
        try {
            Holder.LIBRARY.pack().invokeExact(w, red, cols, transposed ? 1 : 0, p0, p1, dst);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * Columns c0..c1 (c0 a multiple of {@link #PANEL}) of y[m×cols] (+)= a·B, B packed by
     * {@link #pack}, a BF16 [m × lda] from aOff as {@link #toBf16} writes it (lda even, &gt;= red). The same bits as
     * {@link #xwT} or {@link #xw} on the matrix B was packed from.
     */
    public static void packedProduct(short[] a, int aOff, int lda, int m, int red, MemorySegment b, int cols, int c0,
                                     int c1, float[] y, int yOff, boolean accumulate) {
        checkShape(m, red, cols, c0, c1, "c0", "c1", cols);
        checkBounds(y, yOff, (long) m * cols, "y");
        if (m == 0 || c0 == c1) return;
        packedProductBlock(a, aOff, lda, m, red, b, cols, c0, c1, y, yOff + c0, cols, accumulate);
    }

    /**
     * {@link #packedProduct} into a block of its own: element (r, c) of columns c0..c1 at block[blockOff + r·ldb +
     * c − c0] (ldb &gt;= c1 − c0), e.g. a task's small buffer that its epilogue reads while it is in cache. The same
     * bits wherever the block lies.
     */
    public static void packedProductBlock(short[] a, int aOff, int lda, int m, int red, MemorySegment b, int cols, int c0,
                                          int c1, float[] block, int blockOff, int ldb, boolean accumulate) {
        checkShape(m, red, cols, c0, c1, "c0", "c1", cols);
        if (c0 % PANEL != 0) throw new IllegalArgumentException("c0 " + c0 + " does not start a panel of " + PANEL + " columns");
        checkLda(lda, red);
        checkShorts(a, aOff, (long) m * lda, "a");
        checkBlock(block, blockOff, m, c1 - c0, ldb);
        checkPacked(b, red, cols);
        requireAvailable();
        if (m == 0 || c0 == c1) return;
        try {
            Holder.LIBRARY.packedProduct().invokeExact(slice(a, aOff), lda, m, red, b, cols, c0, c1, slice(block, blockOff), ldb,
                    accumulate ? 1 : 0);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * B[red × cols], FP32 rows at stride ldb from bOff, rounded to BF16 and packed into dst as {@link #tileJobs} (and
     * {@link #packedProduct}) read it: {@link #packedWords} words at a 64-byte boundary, the pair past an odd red and
     * the columns past cols zero.
     */
    public static void packF32(float[] b, int bOff, int ldb, int red, int cols, MemorySegment dst) {
        checkReductionShape(red, cols);
        if (ldb < cols) throw new IllegalArgumentException("ldb " + ldb + " is less than the " + cols + " columns");
        checkBounds(b, bOff, red == 0 ? 0 : (long) (red - 1) * ldb + cols, "b");
        checkPacked(dst, red, cols);
        requireAvailable();
        if (red == 0 || cols == 0) return;
        try {
            Holder.LIBRARY.packF32().invokeExact(slice(b, bOff), ldb, red, cols, dst);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Ints per job of {@link #tileJobs}: first row, rows, panel, first and end reduction element. */
    public static final int JOB = 5;

    /** The most rows of one job: the library's register tile (MR in tagllm_bf16.c). */
    public static final int TILE_ROWS = 14;

    /**
     * C (+)= A·B one register tile at a time: job i (ints JOB·i ..) = (r0, rows ≤ {@link #TILE_ROWS}, panel q, k0 even, k1) adds
     * A[r0 .. r0+rows, k0 .. k1)·B[k0 .. k1, columns of panel q] to (or writes it into) C's rows r0.. and columns q·{@link
     * #PANEL} .. min(cols, (q+1)·PANEL). A is BF16 rows at even stride lda (as {@link #toBf16} writes them), B packed by
     * {@link #packF32} for red rows. When k1 − k0 is odd the last pair reads A at k1, which must then be zero (or k1 =
     * red). Each element sums its pairs in ascending order.
     */
    public static void tileJobs(short[] a, int lda, MemorySegment b, int red, int cols, int[] jobs, int count, float[] c,
                                int ldc, boolean accumulate) {
        checkReductionShape(red, cols);
        checkPacked(b, red, cols);
        if ((lda & 1) != 0) throw new IllegalArgumentException("lda " + lda + " is odd");
        if (count < 0 || (long) JOB * count > jobs.length) throw new IllegalArgumentException(count + " jobs, array holds " + jobs.length / JOB);
        for (int i = 0; i < count; i++) {
            int r0 = jobs[JOB * i], rows = jobs[JOB * i + 1], q = jobs[JOB * i + 2], k0 = jobs[JOB * i + 3], k1 = jobs[JOB * i + 4];
            int c0 = q * PANEL, width = Math.min(PANEL, cols - c0);
            if (r0 < 0 || rows < 1 || rows > TILE_ROWS || q < 0 || width <= 0 || k0 < 0 || (k0 & 1) != 0 || k1 < k0 || k1 > red + 1
                    || (k1 > red && (red & 1) == 0) || k1 + (k1 - k0 & 1) > lda || ldc < width) {
                throw new IllegalArgumentException("job " + i + " (" + r0 + ", " + rows + ", " + q + ", " + k0 + ", " + k1
                        + ") is not a tile of " + red + " × " + cols + " with lda " + lda + " and ldc " + ldc);
            }
            checkShorts(a, r0 * lda, (long) (rows - 1) * lda + k0 + 2L * ((k1 - k0 + 1) / 2), "a");
            checkBounds(c, r0 * ldc + c0, (long) (rows - 1) * ldc + width, "c");
        }
        requireAvailable();
        if (count == 0) return;
        try {
            Holder.LIBRARY.tileJobs().invokeExact(MemorySegment.ofArray(a), lda, b, red, cols, MemorySegment.ofArray(jobs), count,
                    MemorySegment.ofArray(c), ldc, accumulate ? 1 : 0);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * C = A·B in FP32, one register tile per job: job i (ints 2·i, 2·i + 1) = (r0, j) writes C's rows r0 ..
     * r0 + {@link #TILE_ROWS} at columns j .. j + {@link #PANEL} (row stride ldc) from A's rows r0 .. (stride lda, kc
     * values each) and B's kc rows (stride ldb) at those columns. The bits of {@link GemmKernels#kernel14} on the same
     * operands (each element one FMA chain from zero, in ascending order); what it reads and writes must lie inside
     * the arrays, whole tiles included.
     */
    public static void f32Tiles(float[] a, int lda, float[] b, int ldb, int kc, float[] c, int ldc, int[] jobs, int count) {
        if (kc < 0 || lda < kc || ldb < PANEL || ldc < PANEL) {
            throw new IllegalArgumentException("kc " + kc + ", lda " + lda + ", ldb " + ldb + ", ldc " + ldc);
        }
        if (count < 0 || 2L * count > jobs.length) throw new IllegalArgumentException(count + " jobs, array holds " + jobs.length / 2);
        for (int i = 0; i < count; i++) {
            int r0 = jobs[2 * i], j = jobs[2 * i + 1];
            if (r0 < 0 || j < 0 || j + PANEL > ldb || j + PANEL > ldc) {
                throw new IllegalArgumentException("job " + i + " (" + r0 + ", " + j + ") is not a tile with ldb " + ldb + " and ldc " + ldc);
            }
            checkBounds(a, r0 * lda, (long) (TILE_ROWS - 1) * lda + kc, "a");
            checkBounds(b, j, kc == 0 ? 0 : (long) (kc - 1) * ldb + PANEL, "b");
            checkBounds(c, r0 * ldc + j, (long) (TILE_ROWS - 1) * ldc + PANEL, "c");
        }
        requireAvailable();
        if (count == 0) return;
        try {
            Holder.LIBRARY.f32Tiles().invokeExact(MemorySegment.ofArray(a), lda, MemorySegment.ofArray(b), ldb, kc,
                    MemorySegment.ofArray(c), ldc, MemorySegment.ofArray(jobs), count);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * One reduction block of an F32 product, as {@link Gemm}'s blocked loop runs it: C[m × ·] (+)= A[m × kc]·B over
     * {@code panels} panels of B, panel s being kc rows of {@link #PANEL} floats at b[bOff + s·pstride ..] (zero
     * beyond the matrix's columns), the last one {@code width} columns wide; A rows at a[aOff + i·lda ..], C rows at
     * c[cOff + i·ldc ..], panel s at column s·PANEL. Each element is one FMA chain over the block in ascending order,
     * continued from C when load and from zero otherwise: the bits of the Java kernels ({@code GemmKernels}).
     */
    public static void f32Block(float[] a, int aOff, int lda, int m, int kc, float[] b, int bOff, long pstride, int panels,
                                int width, float[] c, int cOff, int ldc, boolean load) {
        if (m < 0 || kc < 0 || lda < kc || panels < 0 || width < 1 || width > PANEL || pstride < (long) kc * PANEL
                || ldc < (long) (panels - 1) * PANEL + width) {
            throw new IllegalArgumentException("F32 block: " + m + " rows, kc " + kc + ", lda " + lda + ", " + panels + " panels "
                    + pstride + " apart, last " + width + " wide, ldc " + ldc);
        }
        if (m == 0 || panels == 0) return;
        checkBounds(a, aOff, (long) (m - 1) * lda + kc, "a");
        checkBounds(b, bOff, (panels - 1) * pstride + (long) kc * PANEL, "b");
        checkBounds(c, cOff, (long) (m - 1) * ldc + (long) (panels - 1) * PANEL + width, "c");
        requireAvailable();
        try {
            Holder.LIBRARY.f32Block().invokeExact(slice(a, aOff), lda, m, kc, slice(b, bOff), pstride, panels, width,
                    slice(c, cOff), ldc, load ? 1 : 0);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Bytes of {@link #attentionForward}'s work area for m query rows (heads as rows), nk keys and head width hd. */
    public static long attentionWorkBytes(int m, int nk, int hd) {
        return workBytes(true, m, nk, hd);
    }

    /** Bytes of the native attention's forward (or backward) work area for m query rows, nk keys, head width hd. */
    private static long workBytes(boolean forward, int m, int nk, int hd) {
        if (m < 1 || nk < 1 || hd < 1) throw new IllegalArgumentException("attention block of " + m + " rows, " + nk + " keys, head width " + hd);
        requireAvailable();
        try {
            return forward ? (long) Holder.LIBRARY.attentionWorkBytes().invokeExact(m, nk, hd)
                    : (long) Holder.LIBRARY.attentionBackwardWorkBytes().invokeExact(m, nk, hd);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * Attention forward of one block under BF16 compute in one call (the bits of {@link BlockAttention}'s tile-by-tile
     * form with 16-lane vectors): rows query rows × group query heads sharing one kv head, nk keys of width hd. Query
     * row i, head hh at q[qOff + i·ldq + hh·hd ..]; key and value j at k and v [kvOff + j·ldk ..]; row i sees keys
     * keys[2i] .. keys[2i + 1] (0 ≤ first ≤ last &lt; nk). Writes softmax(scale·q·kᵀ)·v, scores and softmax in FP32, P
     * and V rounded to BF16 with FP32 sums, to out[outOff + i·ldo + hh·hd ..], and for matrix row t = i·group + hh
     * stats[2t] = scale·max and stats[2t + 1] = Σ exp(scale·s − scale·max), from which the caller takes the log-sum-exp.
     * work: {@link #attentionWorkBytes} at a 64-byte boundary.
     */
    public static void attentionForward(float[] q, int qOff, int ldq, float[] k, float[] v, int kvOff, int ldk, int rows,
                                        int group, int hd, int nk, int[] keys, float scale, float[] out, int outOff, int ldo,
                                        float[] stats, MemorySegment work) {
        if (rows < 1 || group < 1 || hd < 1 || nk < 1 || ldq < group * hd || ldo < group * hd || ldk < hd) {
            throw new IllegalArgumentException("attention block: " + rows + " rows × " + group + " heads of " + hd + ", " + nk
                    + " keys, strides q " + ldq + ", kv " + ldk + ", out " + ldo);
        }
        if (keys.length < 2L * rows) throw new IllegalArgumentException("keys: " + keys.length + " ints for " + rows + " rows");
        checkKeyRanges(keys, rows, nk);
        checkBounds(q, qOff, (long) (rows - 1) * ldq + (long) group * hd, "q");
        checkBounds(k, kvOff, (long) (nk - 1) * ldk + hd, "k");
        checkBounds(v, kvOff, (long) (nk - 1) * ldk + hd, "v");
        checkBounds(out, outOff, (long) (rows - 1) * ldo + (long) group * hd, "out");
        checkBounds(stats, 0, 2L * rows * group, "stats");
        long need = attentionWorkBytes(rows * group, nk, hd);
        if (work.byteSize() < need || work.address() % 64 != 0) {
            throw new IllegalArgumentException("work: need " + need + " bytes at a 64-byte boundary, segment has " + work.byteSize()
                    + " at " + Long.toHexString(work.address()));
        }
        try {
            Holder.LIBRARY.attentionForward().invokeExact(slice(q, qOff), ldq, slice(k, kvOff), slice(v, kvOff), ldk, rows, group, hd,
                    nk, MemorySegment.ofArray(keys), scale, slice(out, outOff), ldo, MemorySegment.ofArray(stats), work);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Bytes of {@link #attentionBackward}'s work area for m query rows (heads as rows), nk keys and head width hd. */
    public static long attentionBackwardWorkBytes(int m, int nk, int hd) {
        return workBytes(false, m, nk, hd);
    }

    /**
     * Attention backward of one block under BF16 compute in one call (the bits of {@link BlockAttention}'s tile-by-tile
     * form with 16-lane vectors), the block laid out as in {@link #attentionForward}. lse[lseOff + i·ldl + hh] is the
     * forward's log-sum-exp of row i, head hh; dO of row i is read at dOut[dOff + qrow[i]·ldd + hh·hd ..] and its dQ
     * written at the same place of dq; dK and dV of key j are added at dk and dv [kvGradOff + krow[j]·ldk ..] (none where
     * krow[j] &lt; 0). P, dP, dS, dO, Q, K and V go through the BF16 tiles with FP32 sums; the recomputed scores and the
     * softmax are FP32. work: {@link #attentionBackwardWorkBytes} at a 64-byte boundary.
     */
    public static void attentionBackward(float[] q, int qOff, int ldq, float[] k, float[] v, int kvOff, int ldk, float[] lse,
                                         int lseOff, int ldl, float[] dOut, float[] dq, int dOff, int[] qrow, int ldd,
                                         float[] dk, float[] dv, int kvGradOff, int[] krow, int rows, int group, int hd, int nk, int[] keys,
                                         float scale, MemorySegment work) {
        if (rows < 1 || group < 1 || hd < 1 || nk < 1 || ldq < group * hd || ldd < group * hd || ldk < hd || ldl < group) {
            throw new IllegalArgumentException("attention block: " + rows + " rows × " + group + " heads of " + hd + ", " + nk
                    + " keys, strides q " + ldq + ", kv " + ldk + ", gradients " + ldd + ", lse " + ldl);
        }
        if (keys.length < 2L * rows || qrow.length < rows || krow.length < nk) {
            throw new IllegalArgumentException("keys, qrow, krow: " + keys.length + ", " + qrow.length + ", " + krow.length
                    + " ints for " + rows + " rows and " + nk + " keys");
        }
        checkKeyRanges(keys, rows, nk);
        for (int i = 0; i < rows; i++) {
            if (qrow[i] < 0) throw new IllegalArgumentException("row " + i + " has no gradient row (" + qrow[i] + ")");
            checkBounds(dOut, dOff + qrow[i] * ldd, (long) group * hd, "dOut");
            checkBounds(dq, dOff + qrow[i] * ldd, (long) group * hd, "dq");
        }
        for (int j = 0; j < nk; j++) {
            if (krow[j] >= 0) {
                checkBounds(dk, kvGradOff + krow[j] * ldk, hd, "dk");
                checkBounds(dv, kvGradOff + krow[j] * ldk, hd, "dv");
            }
        }
        checkBounds(q, qOff, (long) (rows - 1) * ldq + (long) group * hd, "q");
        checkBounds(k, kvOff, (long) (nk - 1) * ldk + hd, "k");
        checkBounds(v, kvOff, (long) (nk - 1) * ldk + hd, "v");
        checkBounds(lse, lseOff, (long) (rows - 1) * ldl + group, "lse");
        long need = attentionBackwardWorkBytes(rows * group, nk, hd);
        if (work.byteSize() < need || work.address() % 64 != 0) {
            throw new IllegalArgumentException("work: need " + need + " bytes at a 64-byte boundary, segment has " + work.byteSize()
                    + " at " + Long.toHexString(work.address()));
        }
        try {
            Holder.LIBRARY.attentionBackward().invokeExact(slice(q, qOff), ldq, slice(k, kvOff), slice(v, kvOff), ldk, slice(lse, lseOff),
                    ldl, slice(dOut, dOff), slice(dq, dOff), MemorySegment.ofArray(qrow), ldd, slice(dk, kvGradOff), slice(dv, kvGradOff),
                    MemorySegment.ofArray(krow), rows, group, hd, nk, MemorySegment.ofArray(keys), scale, work);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Row i of an attention block sees keys keys[2i] .. keys[2i + 1]: within 0 .. nk − 1 and in order, for every row. */
    private static void checkKeyRanges(int[] keys, int rows, int nk) {
        for (int i = 0; i < rows; i++) {
            if (keys[2 * i] < 0 || keys[2 * i] > keys[2 * i + 1] || keys[2 * i + 1] >= nk) {
                throw new IllegalArgumentException("row " + i + " sees keys " + keys[2 * i] + ".." + keys[2 * i + 1] + ", not within 0.." + (nk - 1));
            }
        }
    }

    /** An output block of rows × width floats at row stride ld from off: ld &gt;= width, and its last row inside a. */
    private static void checkBlock(float[] a, int off, int rows, int width, int ld) {
        if (ld < width) throw new IllegalArgumentException("block row stride " + ld + " is less than its " + width + " columns");
        checkBounds(a, off, rows == 0 ? 0 : (long) (rows - 1) * ld + width, "output block");
    }

    /**
     * {@link #pack} of B = w (w the red×cols matrix, for dx = dy·w) from wᵀ packed whole ({@link #pack} with
     * transposed of the same matrix: wt holds {@link #packedWords}(cols, red) words), row panels [q0, q1) of w
     * ({@link #PANEL} rows each) into every column panel of dst: the same words as packing w itself, so a matrix that
     * computes in BF16 keeps only its packed wᵀ ({@link Matrix#withBf16Compute}). Disjoint ranges may be packed at
     * once.
     */
    public static void packFromTransposed(MemorySegment wt, int red, int cols, int q0, int q1, MemorySegment dst) {
        checkReductionShape(red, cols);
        checkPacked(wt, cols, red);
        int rowPanels = (red + PANEL - 1) / PANEL;
        if (q0 < 0 || q0 > q1 || q1 > rowPanels) throw new IllegalArgumentException("row panels " + q0 + ".." + q1 + " of " + rowPanels);
        checkPacked(dst, red, cols);
        requireAvailable();
        if (q0 == q1 || cols == 0) return;
        try {
            Holder.LIBRARY.packFromWt().invokeExact(wt, red, cols, q0, q1, dst);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** {@link #xw} with w (n×k) given as wᵀ packed whole (see {@link #packFromTransposed}), packed as it goes. */
    public static void xwFromTransposed(short[] a, int aOff, int lda, int m, int n, MemorySegment wt, int k, int c0, int c1,
                                        float[] dx, int dxOff, boolean accumulate) {
        checkShape(m, k, n, c0, c1, "c0", "c1", k);
        checkBounds(dx, dxOff, (long) m * k, "dx");
        if (m == 0 || c0 == c1) return;
        xwFromTransposedBlock(a, aOff, lda, m, n, wt, k, c0, c1, dx, dxOff + c0, k, accumulate);
    }

    /** {@link #xwFromTransposed} into a block of its own, laid out as in {@link #packedProductBlock}. */
    public static void xwFromTransposedBlock(short[] a, int aOff, int lda, int m, int n, MemorySegment wt, int k, int c0,
                                             int c1, float[] block, int blockOff, int ldb, boolean accumulate) {
        checkShape(m, k, n, c0, c1, "c0", "c1", k);
        checkLda(lda, n);
        checkShorts(a, aOff, (long) m * lda, "a");
        checkBlock(block, blockOff, m, c1 - c0, ldb);
        checkPacked(wt, k, n);
        requireAvailable();
        if (m == 0 || c0 == c1) return;
        try {
            Holder.LIBRARY.xwWt().invokeExact(slice(a, aOff), lda, m, n, wt, k, c0, c1, slice(block, blockOff), ldb,
                    accumulate ? 1 : 0);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * One row through a matrix in {@link Matrix}'s F32 panels ({@link #PANEL} output columns each, the reduction of k
     * running down a panel, zero past n): y[yOff + j] (+)= Σ_p x[xOff + p]·W[j][p] for the columns of panels
     * [p0, p1), clipped to n. The same sums in the same order as {@link MatVec}'s one-row loop, so the same bits; a
     * software prefetch keeps the stream ahead (decode is bound by memory).
     */
    public static void matVec(float[] x, int xOff, int k, float[] panels, int p0, int p1, int n, float[] y, int yOff,
                              boolean accumulate) {
        matVec(false, x, xOff, k, MemorySegment.ofArray(panels), panels.length, p0, p1, n, y, yOff, accumulate);
    }

    /** {@link #matVec} over BF16 panels (each weight widened exactly, as the Java kernel does). */
    public static void matVec(float[] x, int xOff, int k, short[] panels, int p0, int p1, int n, float[] y, int yOff,
                              boolean accumulate) {
        matVec(true, x, xOff, k, MemorySegment.ofArray(panels), panels.length, p0, p1, n, y, yOff, accumulate);
    }

    /**
     * {@link #matVec} through wᵀ packed whole ({@link #pack} with transposed of the n×k matrix w, a 64-byte aligned
     * segment of {@link #packedWords}(k, n) words): the same sums, so the same bits, as over the same BF16 weights in
     * {@link Matrix}'s panels.
     */
    public static void matVec(float[] x, int xOff, int k, MemorySegment wt, int p0, int p1, int n, float[] y, int yOff,
                              boolean accumulate) {
        checkPanelRange(k, n, p0, p1);
        checkPacked(wt, k, n);
        checkBounds(x, xOff, k, "x");
        checkBounds(y, yOff, n, "y");
        requireAvailable();
        if (p0 == p1) return;
        try {
            Holder.LIBRARY.matVecWt().invokeExact(slice(x, xOff), k, wt, p0, p1, n, slice(y, yOff), accumulate ? 1 : 0);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Both: panels holds panelValues F32 or BF16 values. */
    private static void matVec(boolean bf16, float[] x, int xOff, int k, MemorySegment panels, int panelValues, int p0, int p1,
                               int n, float[] y, int yOff, boolean accumulate) {
        checkMatVec(x, xOff, k, panelValues, p0, p1, n, y, yOff);
        requireAvailable();
        if (p0 == p1) return;
        try {
            if (bf16) Holder.LIBRARY.matVecBf16().invokeExact(slice(x, xOff), k, panels, p0, p1, n, slice(y, yOff), accumulate ? 1 : 0);
            else Holder.LIBRARY.matVecF32().invokeExact(slice(x, xOff), k, panels, p0, p1, n, slice(y, yOff), accumulate ? 1 : 0);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static void checkMatVec(float[] x, int xOff, int k, int panelValues, int p0, int p1, int n, float[] y, int yOff) {
        checkPanelRange(k, n, p0, p1);
        int panels = (n + PANEL - 1) / PANEL;
        if ((long) panels * k * PANEL > panelValues) {
            throw new IllegalArgumentException("panels: need " + (long) panels * k * PANEL + " values for " + n + "×" + k
                    + " in panels of " + PANEL + " columns, array has " + panelValues);
        }
        checkBounds(x, xOff, k, "x");
        checkBounds(y, yOff, n, "y");
    }

    /** The shape of a packed B and panels [p0, p1) of it, for the packing functions. */
    private static void checkPanelRange(int red, int cols, int p0, int p1) {
        checkReductionShape(red, cols);
        int panels = (cols + PANEL - 1) / PANEL;
        if (p0 < 0 || p0 > p1 || p1 > panels) throw new IllegalArgumentException("panels " + p0 + ".." + p1 + " of " + panels);
    }

    private static void checkReductionShape(int red, int cols) {
        if (red < 0 || cols < 0) throw new IllegalArgumentException("negative shape: red=" + red + " cols=" + cols);
    }

    private static void checkPacked(MemorySegment b, int red, int cols) {
        long need = 4 * packedWords(red, cols);
        if (b.byteSize() < need || b.address() % 64 != 0) {
            throw new IllegalArgumentException("packed B: need " + need + " bytes at a 64-byte boundary for " + red + "×" + cols
                    + ", segment has " + b.byteSize() + " at " + Long.toHexString(b.address()));
        }
    }

    /**
     * Runs the library's BF16 peak loop: {@code iters} rounds of 24 independent {@code vdpbf16ps}, i.e.
     * {@link #PEAK_FLOPS_PER_ITER} FLOPs each, on registers only; returns a checksum.
     */
    public static float peakLoop(long iters) {
        if (iters < 0) throw new IllegalArgumentException("iters: " + iters);
        requireAvailable();
        try {
            return (float) Holder.LIBRARY.peak().invokeExact(iters);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** FLOPs of one {@link #peakLoop} iteration: 24 instructions × 16 lanes × 2 products × 2 (multiply, add). */
    public static final int PEAK_FLOPS_PER_ITER = 24 * 16 * 2 * 2;

    private static void checkLda(int lda, int red) {
        if (lda < ((red + 1) & ~1) || (lda & 1) != 0) {
            throw new IllegalArgumentException("lda: " + lda + " is not an even row stride >= " + red);
        }
    }

    private static void checkShorts(short[] a, int off, long len, String what) {
        if (off < 0 || off + len > a.length) {
            throw new IllegalArgumentException(what + ": need " + len + " BF16 values from offset " + off + ", array has " + a.length);
        }
    }

    private static MemorySegment slice(short[] a, int off) {
        return MemorySegment.ofArray(a).asSlice(2L * off);
    }

    private static MemorySegment slice(float[] a, int off) {
        return MemorySegment.ofArray(a).asSlice(4L * off);
    }

    private static void requireAvailable() {
        if (!available()) throw new IllegalStateException(status());
    }

    private static void checkShape(int m, int k, int n, int from, int to, String fromName, String toName, int limit) {
        if (m < 0 || k < 0 || n < 0) throw new IllegalArgumentException("negative shape: m=" + m + " k=" + k + " n=" + n);
        if (from < 0 || from > to || to > limit) {
            throw new IllegalArgumentException(fromName + ".." + toName + " = " + from + ".." + to + " is not a column range within 0.." + limit);
        }
    }

    private static void checkBounds(float[] a, int off, long len, String what) {
        if (off < 0 || off + len > a.length) {
            throw new IllegalArgumentException(what + ": need " + len + " floats from offset " + off + ", array has " + a.length);
        }
    }

    private static void checkWeights(MemorySegment w, int n, int k) {
        long need = 2L * n * k;
        if (w.byteSize() < need) {
            throw new IllegalArgumentException("w: need " + need + " bytes for " + n + "×" + k + " BF16, segment has " + w.byteSize());
        }
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException r) return r;
        if (e instanceof Error err) throw err;
        return new IllegalStateException("native BF16 kernel failed", e);
    }
}
