package tagllm.tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Float arrays kept for reuse, by exact length, up to a cap in bytes. A training loop allocates the same large
 * activation arrays every step; handing them back here keeps the heap (and the process's resident memory) at one
 * step's worth and spares zeroing hundreds of megabytes per step. Arrays come back with stale contents: only
 * code that overwrites every element may take them. Thread-safe.
 *
 * <p>The pool holds up to its cap or up to the most that was ever in use at once, whichever is more: a step's
 * arrays all come back at its end, and dropping some of them would only have the next step allocate them again —
 * garbage that, promoted to the old generation, stays resident until a full collection. When it must drop arrays,
 * it drops those of the lengths taken least recently (left over from an earlier kind of work), never those the
 * current loop keeps taking.
 */
public final class FloatArrayPool {
    /** The free arrays of one length, and when one of that length was last asked for. */
    private static final class Free {
        final ConcurrentLinkedDeque<float[]> arrays = new ConcurrentLinkedDeque<>();
        volatile long lastTaken;
    }

    private final ConcurrentHashMap<Integer, Free> free = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong();
    private final AtomicLong pooled = new AtomicLong();
    private final AtomicLong inUse = new AtomicLong();
    private final AtomicLong highWater = new AtomicLong();
    private final AtomicLong allocated = new AtomicLong();
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
        float[] a = poll(n);
        return handOut(a != null ? a : allocate(n), a != null);
    }

    /**
     * An array of at least n floats: the longest free one up to an eighth longer (batches of nearby sizes then share
     * arrays instead of each keeping its own set), else a new one of n. Only for callers that never rely on the
     * array's length. Longest first leaves the arrays of exactly n to {@link #take}, whose callers need them:
     * otherwise a loop mixing both would miss, and allocate, for several rounds before its set settles.
     */
    public float[] takeAtLeast(int n) {
        free.computeIfAbsent(n, k -> new Free()).lastTaken = clock.incrementAndGet();
        float[] a = null;
        while (a == null) {
            int best = -1;
            for (var e : free.entrySet()) {
                int len = e.getKey();
                if (len >= n && len - n <= n / 8 && len > best && !e.getValue().arrays.isEmpty()) best = len;
            }
            if (best < 0) break;
            a = poll(best); // null when another thread took it meanwhile: look again
        }
        return handOut(a != null ? a : allocate(n), a != null);
    }

    /** A free array of exactly n floats or null; either way n counts as just asked for. */
    private float[] poll(int n) {
        Free f = free.computeIfAbsent(n, k -> new Free());
        f.lastTaken = clock.incrementAndGet();
        return f.arrays.pollFirst();
    }

    private float[] allocate(int n) {
        allocated.addAndGet(4L * n);
        return new float[n];
    }

    private float[] handOut(float[] a, boolean fromPool) {
        if (fromPool) pooled.addAndGet(-4L * a.length);
        highWater.accumulateAndGet(inUse.addAndGet(4L * a.length), Math::max);
        return a;
    }

    /**
     * Hands an array back. When the pool would exceed its cap, arrays of other lengths are dropped first (those
     * taken least recently first), then this one (left to the GC). Null is ignored.
     */
    public void give(float[] a) {
        if (a == null || a.length == 0) return;
        long bytes = 4L * a.length;
        inUse.addAndGet(-bytes);
        long cap = Math.max(capBytes, highWater.get());
        if (pooled.get() + bytes > cap) {
            // a snapshot of lastTaken: other threads may update it while this sorts
            record Candidate(long lastTaken, Free f) {}
            List<Candidate> stale = new ArrayList<>();
            free.forEach((len, f) -> {
                if (len != a.length && !f.arrays.isEmpty()) stale.add(new Candidate(f.lastTaken, f));
            });
            stale.sort(Comparator.comparingLong(Candidate::lastTaken));
            for (Candidate c : stale) {
                float[] old;
                while (pooled.get() + bytes > cap && (old = c.f().arrays.pollLast()) != null) {
                    pooled.addAndGet(-4L * old.length);
                }
            }
        }
        if (pooled.addAndGet(bytes) > cap) {
            pooled.addAndGet(-bytes);
            return;
        }
        free.computeIfAbsent(a.length, k -> new Free()).arrays.addFirst(a);
    }

    /** Drops every free array (left to the GC), e.g. when a kind of work is finished; in-use ones are not affected. */
    public void clear() {
        for (Free f : free.values()) {
            float[] a;
            while ((a = f.arrays.pollFirst()) != null) pooled.addAndGet(-4L * a.length);
        }
    }

    /**
     * The most bytes ever handed out by {@link #take} and not yet given back, at one time: the peak working set of
     * the code that draws from this pool (arrays never given back count as in use for good).
     */
    public long highWaterBytes() { return highWater.get(); }

    /** Bytes of all arrays this pool ever allocated because none free fitted (a steady loop adds none). */
    public long allocatedBytes() { return allocated.get(); }

    /** Bytes held for reuse now. */
    public long pooledBytes() { return pooled.get(); }
}
