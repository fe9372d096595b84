package tagllm.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The pool hands each thread a contiguous share of the tasks and lets it take the last tasks of the others' shares:
 * whatever the timing, every task must run exactly once and all of them must have finished when the call returns.
 */
class ParallelTest {
    @Test
    void everyTaskRunsExactlyOnceBeforeTheCallReturns() {
        for (int tasks = 1; tasks <= 67; tasks++) {
            AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
            int n = tasks;
            Parallel.forEachTask(tasks, t -> {
                // uneven work: the first share is slow, so the other threads run out early and take from it
                if (t < n / 2) spin(20_000);
                runs.incrementAndGet(t);
            });
            for (int t = 0; t < tasks; t++) assertEquals(1, runs.get(t), "task " + t + " of " + tasks);
        }
    }

    @Test
    void rangesCoverEachIndexOnce() {
        for (int n : new int[]{1, 5, 8, 9, 100, 1001}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            Parallel.forRange(n, 3, (from, to) -> {
                for (int i = from; i < to; i++) seen.incrementAndGet(i);
            });
            for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "index " + i + " of " + n);
        }
    }

    /**
     * Guided ranges, worked out by hand: 96 indices on two threads, grain 2, are two shares of 48, each halving from
     * 24 (24, 12, 6, 3), then the grain (2), then what is left (1).
     */
    @Test
    void guidedRangesHalveWithinEachShareDownToTheGrain() {
        assertArrayEquals(new int[]{0, 24, 36, 42, 45, 47, 48, 72, 84, 90, 93, 95, 96}, Parallel.guidedBounds(96, 2, 2));
        // 37 on two threads, grain 4: shares of 18 and 19 in as many ranges each, 9, 4, 4, 1 and 9, 5, 4, 1 (the
        // second share's ranges halve what is left of it, each leaving one index for every range still to come)
        assertArrayEquals(new int[]{0, 9, 13, 17, 18, 27, 32, 36, 37}, Parallel.guidedBounds(37, 2, 4));
        // three threads: shares of 10, 10 and 10 (5, 2, 2, 1 each with grain 2)
        assertArrayEquals(new int[]{0, 5, 7, 9, 10, 15, 17, 19, 20, 25, 27, 29, 30}, Parallel.guidedBounds(30, 3, 2));
    }

    @Test
    void guidedRangesCoverEachIndexOnce() {
        for (int n : new int[]{1, 3, 4, 7, 96, 1001, 1536}) {
            for (int grain : new int[]{1, 2, 5}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                Parallel.forRangeGuided(n, grain, (from, to) -> {
                    assertTrue(from < to, "an empty range " + from);
                    if (from < n / 2) spin(5_000); // the first share slow: the others take its last ranges
                    for (int i = from; i < to; i++) seen.incrementAndGet(i);
                });
                for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "index " + i + " of " + n + ", grain " + grain);
            }
        }
    }

    @Test
    void aNestedCallRunsEachTaskOnceAndAnErrorReachesTheCaller() {
        AtomicIntegerArray runs = new AtomicIntegerArray(12 * 5);
        Parallel.forEachTask(12, t -> Parallel.forEachTask(5, u -> runs.incrementAndGet(t * 5 + u)));
        for (int i = 0; i < 60; i++) assertEquals(1, runs.get(i), "inner task " + i);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forEachTask(9, t -> {
            if (t == 7) throw new IllegalStateException("task 7");
        }));
        assertEquals("task 7", e.getMessage());
        // the pool still works after a failed call
        AtomicIntegerArray after = new AtomicIntegerArray(9);
        Parallel.forEachTask(9, after::incrementAndGet);
        for (int t = 0; t < 9; t++) assertEquals(1, after.get(t));
    }

    /**
     * A call from inside a task (a lane's product) is helped by a thread out of work in the enclosing call: here the
     * nested call's first task, run by its caller, waits until its last task has started on another thread, which
     * without helping never happens (its caller would only reach it afterwards) and the wait would time out.
     */
    @Test
    void aNestedCallIsHelpedByAThreadOutOfWork() throws InterruptedException {
        assumeTrue(Parallel.threads() >= 2, "helping needs a second thread");
        for (int round = 0; round < 20; round++) {
            Thread[] ranOn = new Thread[2];
            boolean[] helped = new boolean[1];
            CountDownLatch lastStarted = new CountDownLatch(1);
            Parallel.forEachTask(2, t -> {
                if (t == 0) return; // this thread is out of work at once
                Parallel.forEachTask(2, u -> {
                    ranOn[u] = Thread.currentThread();
                    if (u == 1) lastStarted.countDown();
                    else {
                        try {
                            helped[0] = lastStarted.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
            });
            assertTrue(helped[0], "round " + round + ": the nested call's last task never started while its first ran");
            assertNotSame(ranOn[0], ranOn[1], "round " + round);
        }
    }

    /**
     * With helping switched off (the switch alternated timings use), a nested call runs every task on its caller, in
     * order, even while another thread is out of work: with helping on, that thread takes the far end (above).
     */
    @Test
    void withHelpingOffANestedCallRunsOnItsCallerInOrder() {
        assumeTrue(Parallel.threads() >= 2, "helping needs a second thread");
        Parallel.helpOff = true;
        try {
            for (int round = 0; round < 5; round++) {
                Thread[] ranOn = new Thread[8], owner = new Thread[1];
                int[] order = new int[8], next = {0};
                Parallel.forEachTask(2, t -> {
                    if (t == 0) return; // this thread is out of work at once
                    owner[0] = Thread.currentThread();
                    Parallel.forEachTask(8, u -> {
                        spin(200_000); // long enough that a helper would take the far end
                        ranOn[u] = Thread.currentThread();
                        order[next[0]++] = u;
                    });
                });
                for (int u = 0; u < 8; u++) {
                    assertSame(owner[0], ranOn[u], "round " + round + ", task " + u);
                    assertEquals(u, order[u], "round " + round + ": the tasks in order");
                }
            }
        } finally {
            Parallel.helpOff = false;
        }
    }

    /** An error thrown by a helped task reaches the nested call's caller, and through it the outermost caller. */
    @Test
    void anErrorInAHelpedTaskReachesTheCaller() {
        assumeTrue(Parallel.threads() >= 2, "helping needs a second thread");
        CountDownLatch failed = new CountDownLatch(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forEachTask(2, t -> {
            if (t == 0) return;
            Thread owner = Thread.currentThread();
            Parallel.forEachTask(2, u -> {
                if (u == 1) {
                    failed.countDown();
                    throw new IllegalStateException(Thread.currentThread() == owner ? "on the owner" : "helped");
                }
                try {
                    failed.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            });
        }));
        assertEquals("helped", e.getMessage());
        AtomicIntegerArray after = new AtomicIntegerArray(9);
        Parallel.forEachTask(9, after::incrementAndGet);
        for (int t = 0; t < 9; t++) assertEquals(1, after.get(t));
    }

    /** Calls three deep (a helped task's own call among them) run every task once and return. */
    @Test
    void callsThreeDeepRunEveryTaskOnce() {
        AtomicIntegerArray runs = new AtomicIntegerArray(3 * 7 * 5);
        for (int round = 0; round < 50; round++) {
            Parallel.forEachTask(3, t -> {
                if (t == 0) spin(50_000);
                Parallel.forEachTask(7, u -> Parallel.forEachTask(5, v -> {
                    if (v == 0) spin(2_000);
                    runs.incrementAndGet((t * 7 + u) * 5 + v);
                }));
            });
        }
        for (int i = 0; i < runs.length(); i++) assertEquals(50, runs.get(i), "innermost task " + i);
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }
}
