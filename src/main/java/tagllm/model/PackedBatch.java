package tagllm.model;

import java.util.Arrays;

/**
 * Several sequences back to back in one row-major block of input embeddings (no padding).
 * Row r is one position: its input vector (a token embedding or a tag slot), its RoPE position
 * (counting from 0 within its sequence) and the first row it may attend to. Attention of row r
 * covers rows [attendFrom[r], r]: causal within its sequence, never into another sequence, and
 * with domain-span isolation never before the span's start (the official code's attention_mask_new).
 * gradFrom[s] is the first row of sequence s whose input is trainable: backward need not go before it.
 * The input block may be longer than rows × hidden (a pooled array serving batches of other lengths); only its
 * first rows × hidden values are rows.
 */
public final class PackedBatch {
    private final int hidden;
    private final float[] input;
    private final int[] seqStart;
    private final int[] position;
    private final int[] attendFrom;
    private final int[] gradFrom;
    /** Where row 0's input vector starts in the input block (floats): non-zero only for a lane's part of a batch. */
    private final int inputOffset;

    public PackedBatch(int hidden, float[] input, int[] seqStart, int[] position, int[] attendFrom, int[] gradFrom) {
        this(hidden, input, 0, seqStart, position, attendFrom, gradFrom);
    }

    private PackedBatch(int hidden, float[] input, int inputOffset, int[] seqStart, int[] position, int[] attendFrom,
                        int[] gradFrom) {
        int rows = seqStart[seqStart.length - 1];
        if (input.length - (long) inputOffset < (long) rows * hidden || position.length != rows || attendFrom.length != rows
                || gradFrom.length != seqStart.length - 1) {
            throw new IllegalArgumentException("inconsistent packed batch: rows=" + rows);
        }
        for (int s = 0; s + 1 < seqStart.length; s++) {
            for (int r = seqStart[s]; r < seqStart[s + 1]; r++) {
                if (attendFrom[r] < seqStart[s] || attendFrom[r] > r) {
                    throw new IllegalArgumentException("row " + r + " attends from " + attendFrom[r] + ", outside its sequence");
                }
            }
        }
        this.hidden = hidden;
        this.input = input;
        this.seqStart = seqStart;
        this.position = position;
        this.attendFrom = attendFrom;
        this.gradFrom = gradFrom;
        this.inputOffset = inputOffset;
    }

    /**
     * Sequences s0 .. s1 - 1 as a batch of their own (rows renumbered from 0), reading the same input block in place:
     * a lane's share of the batch ({@link Lanes}).
     */
    PackedBatch part(int s0, int s1) {
        int r0 = seqStart[s0], n = seqStart[s1] - r0;
        int[] starts = new int[s1 - s0 + 1], attend = new int[n], from = new int[s1 - s0];
        for (int s = s0; s <= s1; s++) starts[s - s0] = seqStart[s] - r0;
        for (int i = 0; i < n; i++) attend[i] = attendFrom[r0 + i] - r0;
        for (int s = s0; s < s1; s++) from[s - s0] = gradFrom[s] - r0;
        return new PackedBatch(hidden, input, inputOffset + r0 * hidden, starts, Arrays.copyOfRange(position, r0, r0 + n),
                attend, from);
    }

    /** Where row 0's input vector starts in {@link #input()} (floats). */
    int inputOffset() { return inputOffset; }

    /** One plain causal sequence with positions 0..n-1. */
    public static PackedBatch single(int hidden, float[] input) {
        int n = input.length / hidden;
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) pos[i] = i;
        return new PackedBatch(hidden, input, new int[]{0, n}, pos, new int[n], new int[]{0});
    }

    public int hidden() { return hidden; }

    public int rows() { return seqStart[seqStart.length - 1]; }

    public int sequences() { return seqStart.length - 1; }

    public float[] input() { return input; }

    public int seqStart(int s) { return seqStart[s]; }

    public int seqEnd(int s) { return seqStart[s + 1]; }

    public int position(int row) { return position[row]; }

    public int attendFrom(int row) { return attendFrom[row]; }

    public int gradFrom(int s) { return gradFrom[s]; }

    public int[] positions() { return position; }

    public int[] seqStarts() { return seqStart; }

    @Override
    public String toString() {
        return "PackedBatch{rows=" + rows() + ", seqStart=" + Arrays.toString(seqStart) + "}";
    }
}
