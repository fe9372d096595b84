package tagllm.tensor;

/**
 * Rows of activations rounded to BF16 the way the native products read their A operand (row stride
 * {@link Gemm#nativeLda}), filled range by range by the code that produces the float rows (an RMSNorm, the SwiGLU
 * gate), right after it writes them. The products then skip their own conversion pass: that pass read the whole
 * float matrix back from memory (about 4% of the BF16 training step). The rounding is the native library's, so the
 * products get exactly the operand they would have converted themselves.
 *
 * <p>Three buffers per calling thread, reused: the caller of a layer fills one (through its parallel tasks) and hands
 * it to the next products, which are done with it before it is filled again. Slots whose contents are never needed at
 * the same time share a buffer (see {@link Slot}).
 */
public final class Bf16Rows {
    /**
     * What a buffer holds, and which of the three it is. The slots live together in threes: a layer's forward holds
     * NORMED (h1, then h2) beside GATE_OUT (the SwiGLU output, the down product's input); the MLP's backward holds
     * RESIDUAL_GRAD (for the down and then the O product) beside GATE_GRAD and UP_GRAD; q/k/v's backward holds the
     * three QUERY/KEY/VALUE_GRAD; and each group is done with before the next one starts (forward, then the layers'
     * backward from the top, each layer's MLP before its q/k/v). So slots of one group take different buffers and
     * groups share them: about 7 MB instead of 13 at SmolLM2's shape, 8 × 128 positions (the rest of the JVM beside
     * the weights and activations is what the memory target's 0.5 × weights has to cover).
     */
    public enum Slot {
        NORMED(0), GATE_OUT(1), GATE_GRAD(1), UP_GRAD(2), RESIDUAL_GRAD(0), QUERY_GRAD(0), KEY_GRAD(1), VALUE_GRAD(2);

        final int buffer;

        Slot(int buffer) { this.buffer = buffer; }
    }

    private static final ThreadLocal<short[][]> BUFFERS = ThreadLocal.withInitial(() -> new short[3][0]);

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
        if (held[slot.buffer].length < need) held[slot.buffer] = new short[(int) need];
        return new Bf16Rows(held[slot.buffer], rows, cols, lda);
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
