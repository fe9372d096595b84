package tagllm.tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Float arrays kept for reuse, up to a cap in bytes. A training loop allocates the same large activation arrays
 * every step; handing them back here keeps the heap (and the process's resident memory) at one step's worth and
 * spares zeroing hundreds of megabytes per step. Arrays come back with stale contents: only code that overwrites
 * every element it reads may take them. Thread-safe.
 *
 * <p>The pool holds up to its cap or up to the most that was ever in use at once, whichever is more: a step's
 * arrays all come back at its end, and dropping some of them would only have the next step allocate them again —
 * garbage that, promoted to the old generation, stays resident until a full collection. When it must drop arrays,
 * it drops those of the lengths taken least recently (left over from an earlier kind of work), never those the
 * current loop keeps taking.
 *
 * <p>Batches of real data differ in length from step to step. {@link #takeAtLeast(int, int)} asks for rows of a
 * width (an activation's row length) and gets the shortest free array made for that width with up to about twice
 * the rows, else a new one with {@link #sizeClass rounded-up} rows. An array made for one width never displaces
 * another's, and after the longest batch a batch at least half as long finds its arrays here, once the pool has
 * settled (where requests of one width but different row counts compete, it adds a few arrays over the next dozens
 * of steps, then nothing). With arrays of exactly the length asked for, at most an eighth longer, a training run on
 * SMILES of varying length allocated ~100 MB a second of arrays that were dropped again, and its old generation
 * grew past 7 GB in 100 s.
 */
public final class FloatArrayPool {
    /** The free arrays of one key, and when one of that key was last asked for. */
    private static final class Free {
        final ConcurrentLinkedDeque<float[]> arrays = new ConcurrentLinkedDeque<>();
        volatile long lastTaken;
    }

    /** How many rows an array {@link #takeAtLeast(int, int)} hands out may hold: twice the size class of those asked for. */
    static final int STRETCH = 2;

    /** Free arrays by {@link #key}: width 0 for {@link #take}'s exact lengths, else the width they were made for. */
    private final ConcurrentHashMap<Long, Free> free = new ConcurrentHashMap<>();
    /**
     * The key of every array handed out and not yet given back, so that give files it where it came from. Weak (an
     * array's equals and hashCode are its identity): an array its taker never gives back is not kept alive here.
     */
    private final Map<float[], Long> handedOut = Collections.synchronizedMap(new WeakHashMap<>());
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
        long key = key(0, n);
        float[] a = poll(key);
        return handOut(a != null ? a : allocate(n), key, a != null);
    }

    /** {@link #takeAtLeast(int, int)} of n rows of width 1: for arrays that have no row structure. */
    public float[] takeAtLeast(int n) { return takeAtLeast(n, 1); }

    /**
     * An array of at least rows × width floats: the shortest free one made for this width up to {@link #STRETCH}
     * times {@link #sizeClass}(rows) rows long, else a new one of sizeClass(rows) × width. Only for callers that
     * never rely on the array's length.
     */
    public float[] takeAtLeast(int rows, int width) {
        int rowClass = sizeClass(rows);
        long n = (long) rows * width, most = (long) rowClass * STRETCH * width;
        if (width < 1 || rows < 0 || n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(rows + " rows of width " + width + ": not an array Java can hold");
        }
        float[] a = null;
        long got = -1;
        while (a == null) {
            long best = -1;
            int bestLength = -1;
            for (var e : free.entrySet()) {
                long k = e.getKey();
                int len = (int) k;
                if (k >>> 32 == width && len >= n && len <= most && (bestLength < 0 || len < bestLength)
                        && !e.getValue().arrays.isEmpty()) {
                    best = k;
                    bestLength = len;
                }
            }
            if (best < 0) break;
            a = poll(best); // null when another thread took it meanwhile: look again
            got = best;
        }
        if (a != null) return handOut(a, got, true);
        long length = (long) rowClass * width;
        int len = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(n, length));
        long key = key(width, len);
        free.computeIfAbsent(key, k -> new Free()).lastTaken = clock.incrementAndGet();
        return handOut(allocate(len), key, false);
    }

    /**
     * n rounded up to a multiple of 2^e, where 8·2^e ≤ n &lt; 16·2^e: to the next of 8, 9, ..., 15 times a power of
     * two, at most an eighth more, and nearby n share a class (1,000 to 1,023 all become 1,024; 1,025 becomes
     * 1,152). Below 16 n itself.
     */
    static int sizeClass(int n) {
        if (n < 16) return n;
        long unit = Long.highestOneBit(n) >> 3;
        long len = (n + unit - 1) / unit * unit;
        return (int) Math.min(Integer.MAX_VALUE - 16, len);
    }

    private static long key(int width, int length) { return (long) width << 32 | length; }

    /** A free array of this key or null; either way the key counts as just asked for. */
    private float[] poll(long key) {
        Free f = free.computeIfAbsent(key, k -> new Free());
        f.lastTaken = clock.incrementAndGet();
        return f.arrays.pollFirst();
    }

    private float[] allocate(int n) {
        allocated.addAndGet(4L * n);
        return new float[n];
    }

    private float[] handOut(float[] a, long key, boolean fromPool) {
        if (fromPool) pooled.addAndGet(-4L * a.length);
        handedOut.put(a, key);
        highWater.accumulateAndGet(inUse.addAndGet(4L * a.length), Math::max);
        return a;
    }

    /**
     * Hands an array back: to the arrays of the width it was taken for (one this pool did not hand out is kept for
     * {@link #take} of its exact length). When the pool would exceed its cap, arrays of other keys are dropped first
     * (those taken least recently first), then this one (left to the GC). Null is ignored.
     */
    public void give(float[] a) {
        if (a == null || a.length == 0) return;
        Long taken = handedOut.remove(a);
        long key = taken != null ? taken : key(0, a.length);
        long bytes = 4L * a.length;
        if (taken != null) inUse.addAndGet(-bytes);
        long cap = Math.max(capBytes, highWater.get());
        if (pooled.get() + bytes > cap) {
            // a snapshot of lastTaken: other threads may update it while this sorts
            record Candidate(long lastTaken, Free f) {}
            List<Candidate> stale = new ArrayList<>();
            free.forEach((k, f) -> {
                if (k != key && !f.arrays.isEmpty()) stale.add(new Candidate(f.lastTaken, f));
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
        free.computeIfAbsent(key, k -> new Free()).arrays.addFirst(a);
    }

    /** Drops every free array (left to the GC), e.g. when a kind of work is finished; in-use ones are not affected. */
    public void clear() {
        for (Free f : free.values()) {
            float[] a;
            while ((a = f.arrays.pollFirst()) != null) pooled.addAndGet(-4L * a.length);
        }
    }

    /**
     * The most bytes ever handed out by {@link #take} and {@link #takeAtLeast} and not yet given back, at one time:
     * the peak working set of the code that draws from this pool (arrays never given back count as in use for good).
     */
    public long highWaterBytes() { return highWater.get(); }

    /** Bytes of all arrays this pool ever allocated because none free fitted (a steady loop adds none). */
    public long allocatedBytes() { return allocated.get(); }

    /** Bytes held for reuse now. */
    public long pooledBytes() { return pooled.get(); }
}
