package tagllm.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

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
    void atLeastTakesTheLongestArrayUpToAnEighthLonger() {
        FloatArrayPool pool = new FloatArrayPool(10_000);
        float[] l100 = new float[100], l110 = new float[110], l104 = new float[104], l200 = new float[200];
        pool.give(l100);
        pool.give(l110);
        pool.give(l104);
        pool.give(l200);
        assertSame(l110, pool.takeAtLeast(100), "the longest first: exact ones stay for take()");
        assertSame(l104, pool.takeAtLeast(100));
        assertSame(l100, pool.takeAtLeast(100));
        assertEquals(100, pool.takeAtLeast(100).length, "200 is too long for 100: a new array");
        assertEquals(100, pool.take(100).length);
        assertSame(l200, pool.takeAtLeast(190));
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
            // round 0: two forward arrays and the exact one are new; later rounds reuse everything
            assertEquals(before + 4 * 3 * 100, pool.allocatedBytes(), "round " + round);
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
