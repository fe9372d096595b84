package tagllm.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    /** A lower bound on the ranges splits large work finer (never into more ranges than indices), still once each. */
    @Test
    void aMinimumOfRangesCoversEachIndexOnceInThatManyRanges() {
        // {indices, minimum, ranges with more than one thread}: the minimum, capped by the indices; 7 indices are
        // already 7 ranges (4 per thread, capped), more than the minimum of 3
        for (int[] c : new int[][]{{1000, 100, 100}, {50, 100, 50}, {7, 3, 7}}) {
            int n = c[0], min = c[1];
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            java.util.concurrent.atomic.AtomicInteger ranges = new java.util.concurrent.atomic.AtomicInteger();
            Parallel.forRange(n, 1, min, (from, to) -> {
                ranges.incrementAndGet();
                for (int i = from; i < to; i++) seen.incrementAndGet(i);
            });
            for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "index " + i + " of " + n);
            int expected = Parallel.threads() == 1 ? 1 : c[2];
            assertEquals(expected, ranges.get(), n + " indices, at least " + min + " ranges");
        }
    }

    @Test
    void aNestedCallRunsOnItsCallerAndAnErrorReachesTheCaller() {
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

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }
}
