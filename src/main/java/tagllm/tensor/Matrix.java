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
 */
public final class Matrix {
    public enum Storage { F32, BF16 }

    /** Rows per panel: two vectors of the preferred species, the width of the register tile. */
    public static final int PANEL = 2 * FloatVector.SPECIES_PREFERRED.length();

    private final int rows;
    private final int cols;
    private final float[] f32;
    private final short[] bf16;
    /** Row-major BF16 copy for the native BF16-compute kernels, or null: this matrix computes in FP32. */
    private final MemorySegment bf16RowMajor;

    private Matrix(int rows, int cols, float[] f32, short[] bf16, MemorySegment bf16RowMajor) {
        this.rows = rows;
        this.cols = cols;
        this.f32 = f32;
        this.bf16 = bf16;
        this.bf16RowMajor = bf16RowMajor;
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

    /** The packed F32 panels (no copy; see the class comment), or null when stored as BF16. */
    float[] packedF32() { return f32; }

    /** The packed BF16 panels (no copy), or null when stored as F32. */
    short[] packedBf16() { return bf16; }

    /** Index of (r, c) in the packed arrays. */
    int index(int r, int c) { return ((r / PANEL) * cols + c) * PANEL + r % PANEL; }

    public float get(int r, int c) {
        if (r < 0 || r >= rows || c < 0 || c >= cols) {
            throw new IndexOutOfBoundsException("(" + r + ", " + c + ") outside a " + rows + "x" + cols + " matrix");
        }
        int i = index(r, c);
        return f32 != null ? f32[i] : Float.intBitsToFloat(bf16[i] << 16);
    }

    /** Copies row r, upcast to float, into dst[off .. off+cols). */
    public void row(int r, float[] dst, int off) {
        if (r < 0 || r >= rows) throw new IndexOutOfBoundsException("row " + r + " outside a " + rows + "-row matrix");
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

    /** Bytes this matrix holds in memory (the padding of its last panel included, and its BF16-compute copy). */
    public long bytes() {
        return (f32 != null ? 4L * f32.length : 2L * bf16.length) + (bf16RowMajor != null ? bf16RowMajor.byteSize() : 0);
    }

    /**
     * The same weights, multiplied with BF16 operands (FP32 products and sums): products with enough rows for the
     * register tile go to the native kernels ({@link NativeBf16}) through a row-major BF16 copy, and the rest
     * (decoding, a few rows) read BF16 panels in Java. F32 weights are rounded to the nearest BF16 for both, so
     * every product sees the same weights and the F32 panels are not kept (half their memory, twice the decode
     * speed); BF16 weights are used exactly. This matrix itself is unchanged.
     *
     * @throws IllegalStateException naming the reason when the native kernels cannot run here
     */
    public Matrix withBf16Compute() {
        if (bf16RowMajor != null) return this;
        NativeBf16.requireBf16Compute();
        short[] panels = bf16;
        if (panels == null) {
            panels = new short[f32.length];
            for (int i = 0; i < panels.length; i++) panels[i] = Bf16.round(f32[i]);
        }
        MemorySegment seg = Arena.ofAuto().allocate(2L * rows * cols, 64);
        short[] row = new short[cols];
        for (int r = 0; r < rows; r++) {
            int i = index(r, 0);
            for (int c = 0; c < cols; c++, i += PANEL) row[c] = panels[i];
            MemorySegment.copy(row, 0, seg, ValueLayout.JAVA_SHORT, 2L * r * cols, cols);
        }
        return new Matrix(rows, cols, null, panels, seg);
    }

    /** Whether this matrix reads the very same packed arrays as {@code other} (a tied LM head and its embedding). */
    public boolean sharesPanelsWith(Matrix other) {
        return (f32 != null && f32 == other.f32) || (bf16 != null && bf16 == other.bf16);
    }

    /** Whether products with this matrix compute in BF16 ({@link #withBf16Compute()}). */
    public boolean bf16Compute() { return bf16RowMajor != null; }

    /** The row-major BF16 copy (rows × cols), or null. */
    MemorySegment bf16RowMajor() { return bf16RowMajor; }
}
