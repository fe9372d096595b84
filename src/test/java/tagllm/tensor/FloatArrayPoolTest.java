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
    void atLeastTakesTheShortestArrayUpToAnEighthLonger() {
        FloatArrayPool pool = new FloatArrayPool(10_000);
        float[] l110 = new float[110], l104 = new float[104], l200 = new float[200];
        pool.give(l110);
        pool.give(l104);
        pool.give(l200);
        assertSame(l104, pool.takeAtLeast(100));
        assertSame(l110, pool.takeAtLeast(100));
        assertEquals(100, pool.takeAtLeast(100).length, "200 is too long for 100: a new array");
        assertEquals(100, pool.take(100).length);
        assertSame(l200, pool.takeAtLeast(190));
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
