package tagllm.tensor;

/**
 * A dense row-major matrix of frozen weights, in the Hugging Face layout (out × in).
 * F32 weights live in a float[]; BF16 weights stay BF16 (short[]) to halve memory traffic,
 * and are upcast exactly (bits << 16) when read.
 */
public final class Matrix {
    public enum Storage { F32, BF16 }

    private final int rows;
    private final int cols;
    private final float[] f32;
    private final short[] bf16;

    private Matrix(int rows, int cols, float[] f32, short[] bf16) {
        if ((long) rows * cols != (f32 != null ? f32.length : bf16.length)) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " does not match its data length");
        }
        this.rows = rows;
        this.cols = cols;
        this.f32 = f32;
        this.bf16 = bf16;
    }

    public static Matrix f32(int rows, int cols, float[] data) { return new Matrix(rows, cols, data, null); }

    public static Matrix bf16(int rows, int cols, short[] data) { return new Matrix(rows, cols, null, data); }

    public int rows() { return rows; }

    public int cols() { return cols; }

    public Storage storage() { return f32 != null ? Storage.F32 : Storage.BF16; }

    /** The F32 backing array (no copy), or null when stored as BF16. */
    public float[] f32Data() { return f32; }

    /** The BF16 backing array (no copy), or null when stored as F32. */
    public short[] bf16Data() { return bf16; }

    public float get(int r, int c) {
        int i = r * cols + c;
        return f32 != null ? f32[i] : Float.intBitsToFloat(bf16[i] << 16);
    }

    /** Copies row r, upcast to float, into dst[off .. off+cols). */
    public void row(int r, float[] dst, int off) {
        int base = r * cols;
        if (f32 != null) {
            System.arraycopy(f32, base, dst, off, cols);
        } else {
            for (int c = 0; c < cols; c++) dst[off + c] = Float.intBitsToFloat(bf16[base + c] << 16);
        }
    }

    /** The whole matrix as float (a copy when BF16, the backing array when F32). */
    public float[] toF32() {
        if (f32 != null) return f32;
        float[] out = new float[bf16.length];
        for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat(bf16[i] << 16);
        return out;
    }

    public long bytes() { return f32 != null ? 4L * f32.length : 2L * bf16.length; }
}
