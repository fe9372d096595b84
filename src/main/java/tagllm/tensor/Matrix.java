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
    /**
     * B = Wᵀ packed whole for the native BF16 kernels' y = x·Wᵀ ({@link NativeBf16#pack}), or null: this matrix
     * computes in FP32. Forward products read it as it is; backward ones pack W from the BF16 panels.
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
        return (f32 != null ? 4L * f32.length : 2L * bf16.length) + packedCopyBytes();
    }

    /**
     * Bytes of the second copy that BF16 compute keeps ({@link #withBf16Compute}: Wᵀ packed for the native kernels,
     * beside the panels), 0 without one: memory the engine adds to the model's own weights.
     */
    public long packedCopyBytes() {
        return nativePacked != null ? nativePacked.byteSize() : 0;
    }

    /**
     * The same weights, multiplied with BF16 operands (FP32 products and sums): products with enough rows for the
     * register tile go to the native kernels ({@link NativeBf16}): forward ones read a copy of Wᵀ packed once here
     * in their layout (packing it per product took ~2% of the SmolLM2 BF16 training step and a pass over the
     * weights), backward ones pack W from the BF16 panels per product; the rest (decoding, a few rows) read the BF16
     * panels in Java. F32 weights are rounded to the nearest BF16 for both, so every product sees the same weights
     * and the F32 panels are not kept (half their memory, twice the decode speed); BF16 weights are used exactly.
     * This matrix itself is unchanged.
     *
     * @throws IllegalStateException naming the reason when the native kernels cannot run here
     */
    public Matrix withBf16Compute() {
        if (nativePacked != null) return this;
        NativeBf16.requireBf16Compute();
        short[] panels = bf16;
        if (panels == null) {
            panels = new short[f32.length];
            for (int i = 0; i < panels.length; i++) panels[i] = Bf16.round(f32[i]);
        }
        int nativePanels = (rows + NativeBf16.PANEL - 1) / NativeBf16.PANEL;
        MemorySegment packed = Arena.ofAuto().allocate(4 * NativeBf16.packedWords(cols, rows), 64);
        try (Arena scratch = Arena.ofConfined()) {
            // row-major only while packing: it is the layout tl_pack_bf16 reads Wᵀ from
            MemorySegment seg = scratch.allocate(2L * rows * cols, 64);
            short[] row = new short[cols];
            for (int r = 0; r < rows; r++) {
                int i = index(r, 0);
                for (int c = 0; c < cols; c++, i += PANEL) row[c] = panels[i];
                MemorySegment.copy(row, 0, seg, ValueLayout.JAVA_SHORT, 2L * r * cols, cols);
            }
            NativeBf16.pack(seg, cols, rows, true, 0, nativePanels, packed);
        }
        return new Matrix(rows, cols, null, panels, packed);
    }

    /** Whether this matrix reads the very same packed arrays as {@code other} (a tied LM head and its embedding). */
    public boolean sharesPanelsWith(Matrix other) {
        return (f32 != null && f32 == other.f32) || (bf16 != null && bf16 == other.bf16);
    }

    /** Whether products with this matrix compute in BF16 ({@link #withBf16Compute()}). */
    public boolean bf16Compute() { return nativePacked != null; }

    /** Wᵀ packed for the native kernels (red = cols, cols = rows in {@link NativeBf16#pack}'s terms), or null. */
    MemorySegment nativePacked() { return nativePacked; }
}
