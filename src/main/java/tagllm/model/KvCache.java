package tagllm.model;

import tagllm.tensor.FloatArrayPool;

/**
 * Keys (after RoPE) and values of every layer for the positions processed so far, for incremental decoding.
 * Allocated once at a fixed capacity; {@link #truncate} rewinds it (e.g. to reuse a shared prompt prefix).
 *
 * <p>Its arrays come from the model's buffer pool and {@link #close()} hands them back (optional: an unclosed
 * cache is simply garbage-collected). A cache lives as long as one generation; made afresh, its megabytes would
 * be alive at a young collection and promoted to the old generation as garbage, growing resident memory with
 * every generation. Pooled arrays have stale contents, which is harmless: only cached positions are ever read.
 */
public final class KvCache implements AutoCloseable {
    private final float[][] keys, values;
    private final int capacity, rowWidth;
    private final FloatArrayPool pool;
    private int length;
    private boolean closed;

    KvCache(int layers, int capacity, int rowWidth, FloatArrayPool pool) {
        long floats = 2L * layers * capacity * rowWidth;
        if ((long) capacity * rowWidth > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("KV cache of " + capacity + " positions is too large (" + floats + " floats)");
        }
        this.capacity = capacity;
        this.rowWidth = rowWidth;
        this.pool = pool;
        keys = new float[layers][];
        values = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = pool.takeAtLeast(capacity, rowWidth);
            values[l] = pool.takeAtLeast(capacity, rowWidth);
        }
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

    /** Bytes of keys and values held (what the cache costs in memory). */
    public long bytes() {
        long floats = 0;
        for (int l = 0; l < keys.length; l++) floats += keys[l].length + values[l].length;
        return 4 * floats;
    }

    /** Hands the arrays back to the model's pool; the cache is unusable afterwards. Closing twice does nothing. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (int l = 0; l < keys.length; l++) {
            pool.give(keys[l]);
            pool.give(values[l]);
        }
    }

    void requireOpen() {
        if (closed) throw new IllegalStateException("this KV cache was closed: its arrays were handed back");
    }

    int layers() { return keys.length; }

    int rowWidth() { return rowWidth; }

    float[] keys(int layer) { return keys[layer]; }

    float[] values(int layer) { return values[layer]; }

    void advance(int n) { length += n; }
}
