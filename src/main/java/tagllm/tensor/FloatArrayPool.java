package tagllm.tensor;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Float arrays kept for reuse, by exact length, up to a cap in bytes. A training loop allocates the same large
 * activation arrays every step; handing them back here keeps the heap (and the process's resident memory) at one
 * step's worth and spares zeroing hundreds of megabytes per step. Arrays come back with stale contents: only
 * code that overwrites every element may take them. Thread-safe.
 */
public final class FloatArrayPool {
    private final ConcurrentHashMap<Integer, ConcurrentLinkedDeque<float[]>> free = new ConcurrentHashMap<>();
    private final AtomicLong pooled = new AtomicLong();
    private final AtomicLong inUse = new AtomicLong();
    private final AtomicLong highWater = new AtomicLong();
    private volatile long capBytes;

    public FloatArrayPool(long capBytes) {
        this.capBytes = capBytes;
    }

    /** Raises the cap to at least this many bytes (e.g. one training step's activations). */
    public void ensureCapacity(long bytes) {
        if (bytes > capBytes) capBytes = bytes;
    }

    /** An array of exactly n floats, from the pool when one is free (stale contents) or new (zeros). */
    public float[] take(int n) {
        ConcurrentLinkedDeque<float[]> q = free.get(n);
        float[] a = q == null ? null : q.pollFirst();
        return handOut(a != null ? a : new float[n], a != null);
    }

    /**
     * An array of at least n floats: one of exactly n when free, else the shortest free one up to an eighth longer
     * (batches of nearby sizes then share arrays instead of each keeping its own set), else a new one of n.
     * Only for callers that never rely on the array's length.
     */
    public float[] takeAtLeast(int n) {
        ConcurrentLinkedDeque<float[]> q = free.get(n);
        float[] a = q == null ? null : q.pollFirst();
        if (a == null) {
            int best = Integer.MAX_VALUE;
            for (var e : free.entrySet()) {
                int len = e.getKey();
                if (len > n && len - n <= n / 8 && len < best && !e.getValue().isEmpty()) best = len;
            }
            if (best != Integer.MAX_VALUE) a = free.get(best).pollFirst();
        }
        return handOut(a != null ? a : new float[n], a != null);
    }

    private float[] handOut(float[] a, boolean fromPool) {
        if (fromPool) pooled.addAndGet(-4L * a.length);
        highWater.accumulateAndGet(inUse.addAndGet(4L * a.length), Math::max);
        return a;
    }

    /**
     * Hands an array back. When the pool would exceed its cap, arrays of other lengths are dropped first (the
     * shapes in use have changed), then this one (left to the GC). Null is ignored.
     */
    public void give(float[] a) {
        if (a == null || a.length == 0) return;
        long bytes = 4L * a.length;
        inUse.addAndGet(-bytes);
        if (pooled.get() + bytes > capBytes) {
            for (var e : free.entrySet()) {
                if (e.getKey() == a.length) continue;
                float[] old;
                while (pooled.get() + bytes > capBytes && (old = e.getValue().pollLast()) != null) {
                    pooled.addAndGet(-4L * old.length);
                }
            }
        }
        if (pooled.addAndGet(bytes) > capBytes) {
            pooled.addAndGet(-bytes);
            return;
        }
        free.computeIfAbsent(a.length, k -> new ConcurrentLinkedDeque<>()).addFirst(a);
    }

    /**
     * The most bytes ever handed out by {@link #take} and not yet given back, at one time: the peak working set of
     * the code that draws from this pool (arrays never given back count as in use for good).
     */
    public long highWaterBytes() { return highWater.get(); }

    /** Bytes held for reuse now. */
    public long pooledBytes() { return pooled.get(); }
}
