package tagllm.tensor;

/**
 * Rows of activations rounded to BF16 the way the native products read their A operand (row stride
 * {@link Gemm#nativeLda}), filled range by range by the code that produces the float rows (an RMSNorm, the SwiGLU
 * gate), right after it writes them. The products then skip their own conversion pass: that pass read the whole
 * float matrix back from memory (about 4% of the BF16 training step). The rounding is the native library's, so the
 * products get exactly the operand they would have converted themselves.
 *
 * <p>A buffer per {@link Slot} and thread, reused: the caller of a layer fills it (through its parallel tasks) and
 * hands it to the next products, which are done with it before the slot is filled again.
 */
public final class Bf16Rows {
    /** What a buffer holds; one reusable buffer per slot and calling thread. */
    public enum Slot { NORMED, GATE_OUT, GATE_GRAD, UP_GRAD, RESIDUAL_GRAD, QUERY_GRAD, KEY_GRAD, VALUE_GRAD }

    private static final ThreadLocal<short[][]> BUFFERS = ThreadLocal.withInitial(() -> new short[Slot.values().length][0]);

    final short[] data;
    final int rows, cols, lda;

    private Bf16Rows(short[] data, int rows, int cols, int lda) {
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.lda = lda;
    }

    /**
     * Whether rows × cols values fit one buffer: at most as many as Gemm converts in one pass (16 M). Larger
     * operands (a very large batch) go through Gemm's own conversion in passes, so that no thread keeps more than
     * that per slot.
     */
    public static boolean fits(int rows, int cols) {
        return (long) rows * Gemm.nativeLda(cols) <= Gemm.NATIVE_A_LIMIT;
    }

    /** This thread's buffer of the slot for rows × cols values (stale contents until {@link #convert} fills them). */
    public static Bf16Rows reusable(Slot slot, int rows, int cols) {
        int lda = Gemm.nativeLda(cols);
        short[][] held = BUFFERS.get();
        long need = (long) rows * lda;
        if (!fits(rows, cols)) throw new IllegalArgumentException(rows + " rows of " + cols + " exceed one buffer (see fits)");
        if (held[slot.ordinal()].length < need) held[slot.ordinal()] = new short[(int) need];
        return new Bf16Rows(held[slot.ordinal()], rows, cols, lda);
    }

    /** Rows [from, to) of x (row stride cols, from xOff) rounded into rows [from, to) here. */
    public void convert(float[] x, int xOff, int from, int to) {
        if (from < 0 || to > rows || from > to) throw new IllegalArgumentException("rows " + from + ".." + to + " of " + rows);
        NativeBf16.toBf16(x, xOff + from * cols, to - from, cols, data, from * lda, lda);
    }

    /**
     * A block of rows [r0, r1) × columns [c0, c0 + width) here from x, which holds just that block (row stride
     * width, from 0); c0 even (a column pair is rounded together).
     */
    public void convertBlock(float[] x, int r0, int r1, int c0, int width) {
        if (r0 < 0 || r1 > rows || r0 > r1 || c0 < 0 || (c0 & 1) != 0 || width < 0 || c0 + width > cols) {
            throw new IllegalArgumentException("block rows " + r0 + ".." + r1 + ", columns " + c0 + " + " + width + " of " + rows + " × " + cols);
        }
        NativeBf16.toBf16(x, 0, r1 - r0, width, data, r0 * lda + c0, lda);
    }

    public int rows() { return rows; }

    public int cols() { return cols; }
}
