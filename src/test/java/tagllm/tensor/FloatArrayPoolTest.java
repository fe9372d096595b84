package tagllm.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FloatArrayPoolTest {
    @Test
    void reusesBySizeAndTracksThePeak() {
        FloatArrayPool pool = new FloatArrayPool(1000);
        float[] a = pool.take(100), b = pool.take(50);
        assertEquals(600, pool.highWaterBytes());
        pool.give(a);
        assertEquals(400, pool.pooledBytes());
        assertSame(a, pool.take(100), "an array of the exact size comes back");
        assertNotSame(b, pool.take(50), "b was never given back");
        assertEquals(800, pool.highWaterBytes());
    }

    @Test
    void atLeastTakesTheShortestArrayOfItsWidthUpToTwiceTheRows() {
        FloatArrayPool pool = new FloatArrayPool(1 << 20);
        // made for 100, 150, 200 and 240 rows of width 4: size classes of 104, 152, 208 and 240 rows
        float[] r104 = pool.takeAtLeast(100, 4), r152 = pool.takeAtLeast(150, 4), r208 = pool.takeAtLeast(200, 4);
        float[] r240 = pool.takeAtLeast(240, 4), w3 = pool.takeAtLeast(100, 3), exact = pool.take(400);
        assertEquals(4 * 104, r104.length);
        assertEquals(4 * 240, r240.length);
        for (float[] a : new float[][]{r240, r208, w3, exact, r152, r104}) pool.give(a);
        long allocated = pool.allocatedBytes();
        assertSame(r104, pool.takeAtLeast(100, 4), "the shortest that fits first");
        assertSame(r152, pool.takeAtLeast(100, 4));
        assertSame(r208, pool.takeAtLeast(100, 4), "208 rows: twice 100's size class");
        assertEquals(allocated, pool.allocatedBytes());
        float[] fresh = pool.takeAtLeast(100, 4);
        assertEquals(4 * 104, fresh.length, "240 rows are more than twice 104: a new array of 100's size class");
        assertEquals(allocated + 4 * 4 * 104, pool.allocatedBytes(), "neither the width-3 nor the exact array is taken");
        assertSame(r240, pool.takeAtLeast(200, 4));
        assertSame(w3, pool.takeAtLeast(90, 3));
        assertSame(exact, pool.take(400), "take stays exact");
    }

    @Test
    void sizeClassesAreEightToFifteenTimesAPowerOfTwo() {
        // hand-computed: 8·2^e <= n < 16·2^e rounds up to a multiple of 2^e
        assertEquals(15, FloatArrayPool.sizeClass(15));
        assertEquals(16, FloatArrayPool.sizeClass(16));
        assertEquals(18, FloatArrayPool.sizeClass(17));
        assertEquals(104, FloatArrayPool.sizeClass(100));
        assertEquals(1024, FloatArrayPool.sizeClass(1000));
        assertEquals(1024, FloatArrayPool.sizeClass(1024));
        assertEquals(1152, FloatArrayPool.sizeClass(1025));
        assertEquals(589_824, FloatArrayPool.sizeClass(576 * 1000)); // 9 · 2^16
        for (int n = 16; n < 100_000; n += 37) {
            int c = FloatArrayPool.sizeClass(n);
            assertTrue(c >= n && c - n <= n / 8, n + " -> " + c);
            assertEquals(c, FloatArrayPool.sizeClass(c), "a class is its own class");
        }
    }

    @Test
    void batchesOfVaryingLengthStopAllocatingAfterTheLongest() {
        // one training step's arrays for r rows (widths of a small model's activations), steps of random length
        int[] widths = {1, 9, 32, 192, 576, 576, 1536, 1536};
        FloatArrayPool pool = new FloatArrayPool(0);
        java.util.Random rnd = new java.util.Random(7);
        step(pool, widths, 700); // the longest batch first
        long afterLongest = pool.allocatedBytes();
        for (int i = 0; i < 200; i++) step(pool, widths, 350 + rnd.nextInt(351));
        assertEquals(afterLongest, pool.allocatedBytes(), "every batch of 350-700 rows reuses the 700-row arrays");
        step(pool, widths, 800);
        assertTrue(pool.allocatedBytes() > afterLongest, "a batch past the longest one's size classes allocates");
    }

    private static void step(FloatArrayPool pool, int[] widths, int rows) {
        float[][] taken = new float[widths.length][];
        for (int i = 0; i < widths.length; i++) {
            taken[i] = pool.takeAtLeast(rows, widths[i]);
            assertTrue(taken[i].length >= rows * widths[i]);
        }
        for (float[] a : taken) pool.give(a);
    }

    @Test
    void aLoopMixingExactAndAtLeastTakesSettlesAfterOneRound() {
        // a forward's takeAtLeast(n) calls and a gradient's take(n), with longer arrays left by earlier work
        FloatArrayPool pool = new FloatArrayPool(1 << 20);
        for (int i = 0; i < 3; i++) pool.give(new float[108]);
        long before = pool.allocatedBytes();
        for (int round = 0; round < 4; round++) {
            float[][] fwd = new float[5][];
            for (int i = 0; i < fwd.length; i++) fwd[i] = pool.takeAtLeast(100);
            float[] exact = pool.take(100);
            assertEquals(100, exact.length);
            // round 0: the forward's arrays (of 100's size class, 104) and the exact one are new (the arrays given
            // from outside are kept for take of their length, 108); later rounds reuse everything: the forward never
            // takes the exact array, though it is the shortest that fits
            assertEquals(before + 4 * (5 * 104 + 100), pool.allocatedBytes(), "round " + round);
            for (float[] a : fwd) pool.give(a);
            pool.give(exact);
        }
    }

    @Test
    void overTheCapTheLengthsTakenLeastRecentlyGoFirst() {
        FloatArrayPool pool = new FloatArrayPool(4 * 300);
        float[] old = pool.take(100), recent = pool.take(120);
        pool.give(old);
        pool.give(recent);
        pool.give(pool.take(150)); // 370 floats > 300 in all (the high-water mark is 220): drop the length taken first
        assertEquals(4 * 270, pool.pooledBytes());
        assertSame(recent, pool.take(120));
        assertEquals(4 * 150, pool.pooledBytes());
    }

    @Test
    void holdsAsMuchAsWasEverInUseAtOnce() {
        // one step's arrays all come back: a cap below the step's working set must not drop (and re-allocate) any
        FloatArrayPool pool = new FloatArrayPool(4 * 100);
        float[] a = pool.take(200), b = pool.take(300);
        pool.give(a);
        pool.give(b);
        assertEquals(4 * 500, pool.pooledBytes());
        long allocated = pool.allocatedBytes();
        pool.give(pool.take(300));
        pool.give(pool.take(200));
        assertEquals(allocated, pool.allocatedBytes());
    }

    @Test
    void overTheCapOtherSizesGoFirst() {
        FloatArrayPool pool = new FloatArrayPool(4 * 150);
        float[] small = new float[60], big = new float[100];
        pool.give(small);
        pool.give(big); // 160 floats > cap of 150: the other size is dropped to make room
        assertEquals(400, pool.pooledBytes());
        assertSame(big, pool.take(100));
        assertEquals(60, pool.take(60).length);
        pool.ensureCapacity(4 * 1000);
        pool.give(small);
        pool.give(big);
        assertEquals(640, pool.pooledBytes());
    }
}
