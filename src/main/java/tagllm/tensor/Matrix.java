package tagllm.tensor;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A dense matrix of frozen weights in the Hugging Face orientation (out × in), F32 or BF16 (BF16 stays BF16, half
 * the memory traffic, and is upcast exactly, bits &lt;&lt; 16, when read).
 *
 * <p>Stored once, at construction, in the layout the matrix-multiply kernel reads: panels of {@link #PANEL}
 * consecutive rows, each panel column-major (for panel b, element (r, c) sits at (b·cols + c)·PANEL + r − b·PANEL),
 * the last panel zero-padded. Y = X·Wᵀ then streams W exactly as stored, for one row (decode) as for many, and no
 * call repacks or transposes the weights. Rows are still readable one at a time ({@link #row}, embedding lookup).
 *
 * <p>A matrix that computes in BF16 ({@link #withBf16Compute}) holds its weights once, in the native kernels' layout
 * instead: Wᵀ packed ({@link NativeBf16#pack}), panels of {@link NativeBf16#PANEL} rows of W with the pairs of
 * W's columns running down each panel, a pair in one 32-bit word. Every reader of such a matrix reads that copy.
 */
public final class Matrix {
    public enum Storage { F32, BF16 }

    /** Rows per panel: two vectors of the preferred species, the width of the register tile. */
    public static final int PANEL = 2 * FloatVector.SPECIES_PREFERRED.length();

    private final int rows;
    private final int cols;
    /** The weights in Java's panels (one of f32 and bf16), or both null when held as {@link #nativePacked}. */
    private final float[] f32;
    private final short[] bf16;
    /**
     * B = Wᵀ packed whole for the native BF16 kernels' y = x·Wᵀ ({@link NativeBf16#pack}), the only copy of the
     * weights, or null: this matrix computes in FP32. Forward products read it as it is, backward ones pack W from it
     * ({@link NativeBf16#packFromTransposed}), one row (decode) runs through it ({@link NativeBf16#matVec}).
     */
    private final MemorySegment nativePacked;

    private Matrix(int rows, int cols, float[] f32, short[] bf16, MemorySegment nativePacked) {
        this.rows = rows;
        this.cols = cols;
        this.f32 = f32;
        this.bf16 = bf16;
        this.nativePacked = nativePacked;
    }

    /** Writes row r (cols values) into dst. */
    @FunctionalInterface
    public interface F32Rows {
        void read(int row, float[] dst);
    }

    /** Writes row r (cols BF16 bit patterns) into dst. */
    @FunctionalInterface
    public interface Bf16Rows {
        void read(int row, short[] dst);
    }

    /** From row-major data (rows × cols values); the array is not kept. */
    public static Matrix f32(int rows, int cols, float[] data) {
        checkShape(rows, cols, data.length);
        return f32(rows, cols, (r, dst) -> System.arraycopy(data, r * cols, dst, 0, cols));
    }

    /** From BF16 bits in row-major order (rows × cols values); the array is not kept. */
    public static Matrix bf16(int rows, int cols, short[] data) {
        checkShape(rows, cols, data.length);
        return bf16(rows, cols, (r, dst) -> System.arraycopy(data, r * cols, dst, 0, cols));
    }

    /**
     * Row by row (rows 0, 1, ... in order) from a source such as a mapped file or a generator: no row-major copy
     * of the whole matrix ever exists, so loading needs no more memory than the packed weights themselves.
     */
    public static Matrix f32(int rows, int cols, F32Rows source) {
        checkShape(rows, cols, (long) rows * cols);
        float[] p = new float[packedLength(rows, cols)];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            source.read(r, row);
            int base = (r / PANEL) * cols * PANEL + r % PANEL;
            for (int c = 0; c < cols; c++) p[base + c * PANEL] = row[c];
        }
        return new Matrix(rows, cols, p, null, null);
    }

    /** Row by row from a source of BF16 bits (see {@link #f32(int, int, F32Rows)}). */
    public static Matrix bf16(int rows, int cols, Bf16Rows source) {
        checkShape(rows, cols, (long) rows * cols);
        short[] p = new short[packedLength(rows, cols)];
        short[] row = new short[cols];
        for (int r = 0; r < rows; r++) {
            source.read(r, row);
            int base = (r / PANEL) * cols * PANEL + r % PANEL;
            for (int c = 0; c < cols; c++) p[base + c * PANEL] = row[c];
        }
        return new Matrix(rows, cols, null, p, null);
    }

    private static void checkShape(int rows, int cols, long length) {
        if (rows < 0 || cols < 0 || (long) rows * cols != length) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " does not match its data length " + length);
        }
        if ((long) panels(rows) * PANEL * cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " is too large for one array");
        }
    }

    static int panels(int rows) { return (rows + PANEL - 1) / PANEL; }

    private static int packedLength(int rows, int cols) { return panels(rows) * PANEL * cols; }

    public int rows() { return rows; }

    public int cols() { return cols; }

    public Storage storage() { return f32 != null ? Storage.F32 : Storage.BF16; }

    /** The packed F32 panels (no copy; see the class comment), or null when stored otherwise. */
    float[] packedF32() { return f32; }

    /** The packed BF16 panels (no copy), or null when stored otherwise (F32, or BF16 compute's layout). */
    short[] packedBf16() { return bf16; }

    /** Index of (r, c) in Java's panels (not for a matrix that computes in BF16). */
    int index(int r, int c) { return ((r / PANEL) * cols + c) * PANEL + r % PANEL; }

    /** Byte offset of (r, c) in {@link #nativePacked}: word r % 32 of pair c / 2 of panel r / 32, half c % 2. */
    private long packedOffset(int r, int c) {
        long word = ((long) (r / NativeBf16.PANEL) * ((cols + 1) / 2) + c / 2) * NativeBf16.PANEL + r % NativeBf16.PANEL;
        return 4 * word + 2 * (c & 1);
    }

    public float get(int r, int c) {
        if (r < 0 || r >= rows || c < 0 || c >= cols) {
            throw new IndexOutOfBoundsException("(" + r + ", " + c + ") outside a " + rows + "x" + cols + " matrix");
        }
        if (nativePacked != null) return Float.intBitsToFloat(nativePacked.get(ValueLayout.JAVA_SHORT, packedOffset(r, c)) << 16);
        int i = index(r, c);
        return f32 != null ? f32[i] : Float.intBitsToFloat(bf16[i] << 16);
    }

    /** Copies row r, upcast to float, into dst[off .. off+cols). */
    public void row(int r, float[] dst, int off) {
        if (r < 0 || r >= rows) throw new IndexOutOfBoundsException("row " + r + " outside a " + rows + "-row matrix");
        if (nativePacked != null) {
            // a pair of columns is one word, pairs a word row (PANEL words) apart
            long o = packedOffset(r, 0);
            for (int c = 0; c < cols; c += 2, o += 4L * NativeBf16.PANEL) {
                int word = nativePacked.get(ValueLayout.JAVA_INT, o);
                dst[off + c] = Float.intBitsToFloat(word << 16);
                if (c + 1 < cols) dst[off + c + 1] = Float.intBitsToFloat(word & 0xffff0000);
            }
            return;
        }
        int i = index(r, 0);
        if (f32 != null) {
            for (int c = 0; c < cols; c++, i += PANEL) dst[off + c] = f32[i];
        } else {
            for (int c = 0; c < cols; c++, i += PANEL) dst[off + c] = Float.intBitsToFloat(bf16[i] << 16);
        }
    }

    /** The whole matrix as row-major float (always a copy). */
    public float[] toF32() {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) row(r, out, r * cols);
        return out;
    }

    /** Bytes this matrix holds in memory (the padding of its last panel included). */
    public long bytes() {
        return f32 != null ? 4L * f32.length : bf16 != null ? 2L * bf16.length : nativePacked.byteSize();
    }

    /**
     * The same weights, multiplied with BF16 operands (FP32 products and sums), held once, as Wᵀ packed for the
     * native kernels ({@link NativeBf16#pack}; see the class comment): products with enough rows for the register tile
     * read it as it is (forward) or pack W from it per product (backward); one row (decoding) goes through the native
     * one-row loop over it, a few rows through the Java loop over it ({@link MatVec}). F32 weights are rounded to the
     * nearest BF16, so every product sees the same weights and the F32 panels are not kept (half their memory, twice
     * the decode speed); BF16 weights are used exactly. This matrix itself is unchanged.
     *
     * @throws IllegalStateException naming the reason when the native kernels cannot run here
     */
    public Matrix withBf16Compute() {
        if (nativePacked != null) return this;
        NativeBf16.requireBf16Compute();
        if (f32 != null) {
            return bf16Compute(rows, cols, (r, dst) -> {
                for (int c = 0, i = index(r, 0); c < cols; c++, i += PANEL) dst[c] = Bf16.round(f32[i]);
            });
        }
        return bf16Compute(rows, cols, (r, dst) -> {
            for (int c = 0, i = index(r, 0); c < cols; c++, i += PANEL) dst[c] = bf16[i];
        });
    }

    /**
     * A matrix that computes in BF16 ({@link #withBf16Compute}) read row by row (rows 0, 1, ... in order) from a source
     * of BF16 bits, straight into its one copy: the rows pass through a row-major buffer off the heap, freed before
     * this returns, so a model loads with no second copy of its weights ever held on the heap.
     *
     * @throws IllegalStateException naming the reason when the native kernels cannot run here
     */
    public static Matrix bf16Compute(int rows, int cols, Bf16Rows source) {
        checkShape(rows, cols, (long) rows * cols);
        NativeBf16.requireBf16Compute();
        int panels = (rows + NativeBf16.PANEL - 1) / NativeBf16.PANEL;
        MemorySegment packed = Arena.ofAuto().allocate(Math.max(1, 4 * NativeBf16.packedWords(cols, rows)), 64);
        try (Arena scratch = Arena.ofShared()) {
            // row-major only while packing: it is the layout tl_pack_bf16 reads Wᵀ from (shared: the pool packs it)
            MemorySegment seg = scratch.allocate(Math.max(1, 2L * rows * cols), 64);
            short[] row = new short[cols];
            for (int r = 0; r < rows; r++) {
                source.read(r, row);
                MemorySegment.copy(row, 0, seg, ValueLayout.JAVA_SHORT, 2L * r * cols, cols);
            }
            // panels in parallel: TinyLlama's 1.1 B weights take seconds on one core
            int tasks = Math.min(panels, 4 * Parallel.threads());
            Parallel.forEachTask(tasks, t -> NativeBf16.pack(seg, cols, rows, true, (int) ((long) panels * t / tasks),
                    (int) ((long) panels * (t + 1) / tasks), packed));
        }
        return new Matrix(rows, cols, null, null, packed);
    }

    /** Whether products with this matrix compute in BF16 ({@link #withBf16Compute()}). */
    public boolean bf16Compute() { return nativePacked != null; }

    /** Wᵀ packed for the native kernels (red = cols, cols = rows in {@link NativeBf16#pack}'s terms), or null. */
    MemorySegment nativePacked() { return nativePacked; }
}
