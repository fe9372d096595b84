package tagllm.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one shared worker pool of the engine: all cores by default ({@code -Dtagllm.threads=N} overrides).
 * Built for many short parallel regions (a decode step issues hundreds of small matrix-vector products),
 * so workers spin briefly before parking and the calling thread works too. Each thread starts on its own
 * contiguous share of a call's tasks and then helps with the others' ({@link Job}). A call made from another thread
 * while the pool is busy runs on that caller alone: correct, never deadlocking, just not parallel.
 *
 * <p>A call made from inside a task (a lane's product: {@code model.Lanes} runs a run of sequences per core, each
 * through the whole pass) is that task's thread's own: it runs its tasks in order, and a thread of the pool that has
 * run out of work in the enclosing call takes them from the far end meanwhile (helping, {@link #helpNested}). So the
 * core whose lane finishes first shares the other's last stretch instead of waiting at the join. Which thread runs a
 * task never changes what it computes (a task's own scratch is its thread's, and that thread is otherwise idle), so
 * the bits are the same as with the tasks all on their caller. A call from inside a helped task runs on its caller.
 *
 * <p>The workers are daemon threads started with this class; {@link #shutdown()} stops them for good (an application
 * server undeploying a web app that embeds tagllm: the threads' class would otherwise keep the app's class loader).
 */
public final class Parallel {
    /** One unit of parallel work: run task number {@code task}. */
    @FunctionalInterface
    public interface Task {
        void run(int task);
    }

    /** Work over a contiguous index range [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private static final int THREADS = configuredThreads();
    /**
     * About 0.4 ms of spinning before a worker parks: long enough to bridge the serial stretches of a training step
     * (a parked worker took 20-45 µs on average to join the next call on this VM, 6-7 µs at this length), short enough
     * not to hold a shared core for long. 2,000 (~40 µs) lost the worker in those stretches; in one JVM, alternated,
     * 20 rounds of 3 BF16 training steps each, 20,000 was faster in 16 of them (median +0.4%, slowest round 0.80
     * against 0.89 s); docs/benchmarks.md, twelfth pass.
     */
    private static final int SPINS = 20_000;

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final Worker[] WORKERS = startWorkers();
    private static volatile Job current;
    /** Bumped under the lock for each call spread over the pool, and once by {@link #shutdown()}: wakes the workers. */
    private static volatile int generation;
    /** Set once, under the lock, by {@link #shutdown()}: every later call runs on its caller. */
    private static volatile boolean shutDown;
    /** Per thread of a call (the caller is 0): the call it made from inside a task, open to helpers; else null. */
    private static final AtomicReferenceArray<Job> NESTED = new AtomicReferenceArray<>(THREADS);
    /** How many of NESTED are open: waiting threads poll this, which only nested calls write. */
    private static final AtomicInteger nestedOpen = new AtomicInteger();
    /**
     * Whether the lock's holder (a call's caller) is running a nested call's task, its own or helped. A thread of the
     * pool calls only from inside a task (the caller is spinning otherwise), so this and {@link Worker#nested} are all
     * that tell a nested call from an outer one, and only nested calls write them.
     */
    private static boolean callerNested;
    /** Every call from inside a task on its caller alone, unhelped: for tests and alternated timings. */
    static volatile boolean helpOff;

    private Parallel() {}

    public static int threads() { return THREADS; }

    /**
     * Whether a call of {@link #forEachTask} made now from this thread would spread over the pool: there are workers,
     * this is not one of them, and no call is under way. Work that can be cut either way (a batch into one lane per
     * core, or every product over all cores) asks this first; a call that finds the pool taken meanwhile still runs,
     * on its caller alone.
     */
    public static boolean spreads() {
        return WORKERS.length > 0 && !shutDown && !(Thread.currentThread() instanceof Worker) && !LOCK.isLocked();
    }

    /** Runs body.run(t) for every t in [0, tasks), spread over the pool; returns when all have finished. */
    public static void forEachTask(int tasks, Task body) {
        if (tasks <= 0) return;
        if (tasks > 1 && WORKERS.length > 0) {
            Thread me = Thread.currentThread();
            if (me instanceof Worker w) {
                if (!w.nested && !helpOff) {
                    runNested(w.index, tasks, body);
                    return;
                }
            } else if (LOCK.isHeldByCurrentThread()) {
                if (!callerNested && !helpOff) {
                    runNested(0, tasks, body);
                    return;
                }
            } else if (!shutDown && LOCK.tryLock()) {
                // a call that read shutDown just before shutdown() set it still runs correctly: job.work(0) takes
                // every task the (gone) workers would have, so the caller alone finishes the call
                try {
                    runSpread(tasks, body);
                } finally {
                    current = null;
                    LOCK.unlock();
                }
                return;
            }
        }
        // one task, no workers, the pool shut down, a call from inside a nested task, or the pool taken by another
        // thread: on the caller
        for (int t = 0; t < tasks; t++) body.run(t);
    }

    /**
     * Stops the pool's worker threads and waits until they have ended; later calls of {@link #forEachTask},
     * {@link #forRange} and {@link #forRangeGuided} run on their caller alone, with the same results to the bit (which
     * thread runs a task never changes what it computes, and {@link #threads()} still gives the configured count, so
     * work is cut as before), only not in parallel. Idempotent and safe from any thread but one of a parallel call's
     * tasks; a call under way on another thread is waited for first.
     *
     * <p>For a JVM that outlives its use of tagllm: an application server undeploying a web app that embeds it
     * ({@code ServletContextListener.contextDestroyed}), or a plugin host unloading it. The workers are daemon threads,
     * so a JVM that simply exits needs no call. The pool is not restarted on demand: a call that comes late (a request
     * still finishing after contextDestroyed) would start threads of the departing class loader again, the very leak
     * this prevents; a fresh deployment loads this class anew and has its own pool.
     *
     * @throws IllegalStateException called from inside a task of a parallel call, which would wait for itself
     */
    public static void shutdown() {
        if (Thread.currentThread() instanceof Worker || LOCK.isHeldByCurrentThread())
            throw new IllegalStateException("Parallel.shutdown() called from inside a parallel task: it would wait for its own call to end");
        LOCK.lock(); // waits for a call under way; joining under the lock means a concurrent shutdown() returns after the threads are gone
        try {
            if (shutDown) return;
            shutDown = true;
            generation++;
            for (Worker w : WORKERS) LockSupport.unpark(w);
            boolean interrupted = false;
            for (Worker w : WORKERS) {
                while (true) {
                    try {
                        w.join();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true; // the workers end within a park's length: finish the join, keep the status
                    }
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        } finally {
            LOCK.unlock();
        }
    }

    /** A call spread over the pool by the lock's new holder (current is cleared and the lock released by the caller). */
    private static void runSpread(int tasks, Task body) {
        Job job = new Job(body, tasks, StepProfile.profiling(), THREADS);
        long start = job.timed ? System.nanoTime() : 0;
        current = job;
        generation++;
        for (Worker w : WORKERS) LockSupport.unpark(w);
        job.work(0);
        int spins = 0;
        while (job.done.get() < tasks) {
            if (nestedOpen.get() > 0 && helpNested(0)) spins = 0;
            else if (++spins < 1 << 16) Thread.onSpinWait();
            else Thread.yield();
        }
        if (job.timed) StepProfile.idle(Math.max(0, (long) THREADS * (System.nanoTime() - start) - job.busy.get()) / THREADS);
        if (job.error != null) rethrow(job.error);
    }

    /**
     * A call from inside a task of thread me: its tasks in order on this thread, open meanwhile to the pool's threads
     * that have no work left in the enclosing call, which take them from the far end; returns when all have finished
     * (a helper may still be running one when this thread runs out), rethrowing an error one of them threw.
     */
    private static void runNested(int me, int tasks, Task body) {
        Job job = new Job(body, tasks, false, 1);
        NESTED.set(me, job);
        nestedOpen.incrementAndGet();
        setNested(me, true);
        try {
            int t;
            while ((t = job.take(0, true)) >= 0) job.run(t);
        } finally {
            setNested(me, false);
            NESTED.set(me, null);
            nestedOpen.decrementAndGet();
        }
        while (job.done.get() < tasks) Thread.onSpinWait();
        if (job.error != null) rethrow(job.error);
    }

    /**
     * One task of another thread's nested call ({@link #runNested}), taken from the far end, run here by thread me
     * (out of work in the enclosing call); whether there was one. Nothing it does is profiled: the phase it belongs to
     * is timed on its owner's thread.
     */
    private static boolean helpNested(int me) {
        for (int k = 1; k < THREADS; k++) {
            int other = (me + k) % THREADS;
            Job job = NESTED.get(other);
            if (job == null) continue;
            int t = job.take(0, false);
            if (t < 0) continue;
            setNested(me, true);
            try {
                StepProfile.unrecorded(() -> job.run(t));
            } finally {
                setNested(me, false);
            }
            return true;
        }
        return false;
    }

    /** Marks whether thread me (0: the caller) is in a nested call's task; only thread me calls this. */
    private static void setNested(int me, boolean nested) {
        if (me == 0) callerNested = nested;
        else WORKERS[me - 1].nested = nested;
    }

    /**
     * Splits [0, n) into at most a few ranges per thread, each at least {@code grain} long (work below that
     * is not worth a thread hand-off), and runs them in parallel.
     */
    public static void forRange(int n, int grain, Range body) {
        if (n <= 0) return;
        int maxTasks = Math.max(1, n / Math.max(1, grain));
        int tasks = THREADS == 1 ? 1 : Math.min(maxTasks, THREADS * 4);
        if (tasks == 1) {
            body.run(0, n);
            return;
        }
        int per = n / tasks, extra = n % tasks;
        forEachTask(tasks, t -> {
            int from = t * per + Math.min(t, extra);
            body.run(from, from + per + (t < extra ? 1 : 0));
        });
    }

    /**
     * Splits [0, n) into one equal share per thread, each cut into ranges that halve from half the share down to
     * {@code grain} (the last takes what is left), and runs them in parallel. A thread starts on the large ranges of
     * its own share, and one that finishes early takes the small last ranges of another's, so the threads end at
     * most about a grain apart; with equal ranges the first done waited out the other's whole last range. For work
     * whose every index costs the same and whose speed the memory sets (decode's one-row products stream each
     * weight once: F32 decode 2.2-3.6% faster than in ranges of at most 1 MB of weights, BF16 0.2-2.9%, alternated
     * in one JVM; docs/benchmarks.md, twenty-fourth pass).
     * Work under two grains a thread goes as {@link #forRange}.
     */
    public static void forRangeGuided(int n, int grain, Range body) {
        int g = Math.max(1, grain);
        if (THREADS == 1 || n < 2 * THREADS * g) {
            forRange(n, g, body);
            return;
        }
        int[] bounds = guidedBounds(n, THREADS, g);
        forEachTask(bounds.length - 1, t -> body.run(bounds[t], bounds[t + 1]));
    }

    /**
     * The bounds of {@link #forRangeGuided}'s ranges: threads shares (share i from n·i/threads), each in the same
     * number of ranges, since {@link #forEachTask} gives thread i the i-th equal run of the task numbers.
     */
    static int[] guidedBounds(int n, int threads, int grain) {
        int per = 0;
        for (int left = n / threads; left > 0; per++) left -= Math.max(Math.min(left, grain), left / 2);
        int[] bounds = new int[threads * per + 1];
        int k = 0;
        for (int i = 0; i < threads; i++) {
            int at = (int) ((long) n * i / threads), left = (int) ((long) n * (i + 1) / threads) - at;
            for (int j = 0; j < per; j++) {
                int rest = per - 1 - j; // ranges still to come in this share, each at least one long
                int size = rest == 0 ? left : Math.min(left - rest, Math.max(Math.min(left, grain), left / 2));
                at += size;
                left -= size;
                bounds[++k] = at;
            }
        }
        return bounds;
    }

    /**
     * The tasks of one call. Thread i (the caller is 0) owns the i-th contiguous share of the task numbers and runs
     * it in ascending order; a thread done with its share takes the last remaining task of another's (a nested call,
     * {@link #runNested}, has one share, its caller's). Neighbouring task numbers are neighbouring data (row blocks of
     * a product, ranges of rows of an element-wise pass), so each core keeps working on the same rows from one kernel
     * to the next and finds the rows it wrote in its own cache.
     * On Zen 5 (2 cores) the BF16 training step went from 1,187 to 1,258 tokens/s with this alone (medians of 7
     * alternated launches against every thread taking the next task from one counter); the products alone, in a C
     * harness (tools/native-harness/run.sh threads), were 2-4 points of the peak apart in one hour and within noise
     * in another, so the gain is mostly between kernels (docs/benchmarks.md).
     */
    private static final class Job {
        final Task body;
        final int tasks;
        /** Per thread: its next task (low 32 bits) and the end of its share (high 32 bits). */
        final AtomicLongArray share;
        final AtomicInteger done = new AtomicInteger();
        /** Whether the caller is profiled: then busy sums the nanoseconds every thread spent running tasks. */
        final boolean timed;
        final AtomicLong busy = new AtomicLong();
        volatile Throwable error;

        Job(Task body, int tasks, boolean timed, int shares) {
            this.body = body;
            this.tasks = tasks;
            this.timed = timed;
            int n = shares;
            share = new AtomicLongArray(n);
            for (int i = 0; i < n; i++) {
                long from = (long) tasks * i / n, to = (long) tasks * (i + 1) / n;
                share.set(i, to << 32 | from);
            }
        }

        void work(int me) {
            int t;
            while ((t = take(me, true)) >= 0) run(t);
            for (int k = 1; k < THREADS; k++) {
                int other = (me + k) % THREADS;
                while ((t = take(other, false)) >= 0) run(t);
            }
        }

        /** The first (own share) or last (another's) task left in thread i's share, or -1 when it is empty. */
        int take(int i, boolean first) {
            while (true) {
                long s = share.get(i);
                int from = (int) s, to = (int) (s >>> 32);
                if (from >= to) return -1;
                long next = first ? (long) to << 32 | (from + 1) : (long) (to - 1) << 32 | from;
                if (share.compareAndSet(i, s, next)) return first ? from : to - 1;
            }
        }

        void run(int t) {
            long t0 = timed ? System.nanoTime() : 0;
            try {
                body.run(t);
            } catch (Throwable e) {
                error = e;
            } finally {
                if (timed) busy.addAndGet(System.nanoTime() - t0);
                done.incrementAndGet();
            }
        }
    }

    private static final class Worker extends Thread {
        final int index;
        /** Whether this thread is running a nested call's task, its own or helped ({@link #callerNested}). */
        boolean nested;

        Worker(int i) {
            super("tagllm-worker-" + i);
            index = i;
            setDaemon(true);
        }

        @Override
        public void run() {
            int seen = generation;
            while (true) {
                int spins = 0;
                while (generation == seen) {
                    // between its calls, a call's task may make a nested call: help with it (nestedOpen is written
                    // only by nested calls, so a pass without them polls what it always did)
                    if (nestedOpen.get() > 0 && helpNested(index)) spins = 0;
                    else if (++spins < SPINS) Thread.onSpinWait();
                    // a call under way may yet open one: park briefly, so that long tasks with no nested calls (a
                    // batch prediction's chunks) do not hold the core; else until the next call wakes it
                    else if (current != null) LockSupport.parkNanos(50_000);
                    else LockSupport.park(this);
                }
                seen = generation;
                if (shutDown) return;
                Job job = current;
                if (job != null) job.work(index);
            }
        }
    }

    private static Worker[] startWorkers() {
        Worker[] ws = new Worker[THREADS - 1];
        for (int i = 0; i < ws.length; i++) {
            ws[i] = new Worker(i + 1);
            ws[i].start();
        }
        return ws;
    }

    private static int configuredThreads() {
        String p = System.getProperty("tagllm.threads");
        if (p != null) {
            try {
                int n = Integer.parseInt(p.trim());
                if (n >= 1) return n;
            } catch (NumberFormatException ignored) {
                // fall through to all cores: a bad value must not stop the engine
            }
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    private static void rethrow(Throwable e) {
        if (e instanceof RuntimeException r) throw r;
        if (e instanceof Error err) throw err;
        throw new IllegalStateException(e);
    }
}
