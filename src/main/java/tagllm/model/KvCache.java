package tagllm.model;

/**
 * Keys (after RoPE) and values of every layer for the positions processed so far, for incremental decoding.
 * Allocated once at a fixed capacity; {@link #truncate} rewinds it (e.g. to reuse a shared prompt prefix).
 */
public final class KvCache {
    private final float[][] keys, values;
    private final int capacity, rowWidth;
    private int length;

    KvCache(int layers, int capacity, int rowWidth) {
        long floats = 2L * layers * capacity * rowWidth;
        if ((long) capacity * rowWidth > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("KV cache of " + capacity + " positions is too large (" + floats + " floats)");
        }
        this.capacity = capacity;
        this.rowWidth = rowWidth;
        keys = new float[layers][capacity * rowWidth];
        values = new float[layers][capacity * rowWidth];
    }

    /** Positions cached so far (the position the next row gets). */
    public int length() { return length; }

    public int capacity() { return capacity; }

    /** Forgets every position from {@code newLength} on. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a KV cache of length " + length + " to " + newLength);
        }
        length = newLength;
    }

    int layers() { return keys.length; }

    int rowWidth() { return rowWidth; }

    float[] keys(int layer) { return keys[layer]; }

    float[] values(int layer) { return values[layer]; }

    void advance(int n) { length += n; }
}
