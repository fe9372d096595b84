package tagllm.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepProfileTest {
    @AfterEach
    void stop() { StepProfile.stop(); }

    /** Nested phases count self time: the outer phase's clock pauses while the inner one runs; the two add up. */
    @Test
    void nestedPhasesCountSelfTime() {
        StepProfile.start();
        long t0 = System.nanoTime();
        StepProfile.enter(StepProfile.Phase.QKV);
        spin(20);
        StepProfile.enter(StepProfile.Phase.TO_BF16);
        spin(30);
        StepProfile.exit();
        spin(10);
        StepProfile.exit();
        double total = (System.nanoTime() - t0) / 1e9;
        StepProfile.backward(true);
        StepProfile.enter(StepProfile.Phase.NORM);
        spin(5);
        StepProfile.exit();
        Map<StepProfile.Phase, double[]> s = StepProfile.seconds();
        double qkv = s.get(StepProfile.Phase.QKV)[0], conv = s.get(StepProfile.Phase.TO_BF16)[0];
        assertTrue(conv >= 0.030, "inner phase " + conv);
        assertTrue(qkv >= 0.030 && qkv < total - 0.030 + 1e-3, "outer phase's self time " + qkv + " of " + total);
        assertEquals(total, qkv + conv, 1e-3);
        assertEquals(0, s.get(StepProfile.Phase.QKV)[1]);
        assertTrue(s.get(StepProfile.Phase.NORM)[1] >= 0.005 && s.get(StepProfile.Phase.NORM)[0] == 0, "backward phase counted as backward");
    }

    /** Only the thread that started profiling counts, and nothing counts once stopped. */
    @Test
    void otherThreadsAndStoppedProfilesRecordNothing() throws Exception {
        StepProfile.start();
        Thread other = new Thread(() -> {
            StepProfile.enter(StepProfile.Phase.ATTENTION);
            spin(5);
            StepProfile.exit();
        });
        other.start();
        other.join();
        StepProfile.stop();
        StepProfile.enter(StepProfile.Phase.SWIGLU);
        spin(5);
        StepProfile.exit();
        assertFalse(StepProfile.seconds().containsKey(StepProfile.Phase.ATTENTION));
        assertFalse(StepProfile.seconds().containsKey(StepProfile.Phase.SWIGLU));
    }

    /**
     * A parallel call whose one task runs 60 ms while the others return at once leaves every other thread of the
     * pool idle for those 60 ms: idle, (threads · call time − busy time) / threads, is at least (threads − 1)/threads
     * of 60 ms and, since busy is at least the 60 ms task, at most the call's wall time less 60 ms / threads; in the
     * phase that made the call (none with one thread). Calls from a thread that is not profiled add nothing.
     */
    @Test
    void idleThreadsInsideParallelCallsAreCountedPerPhase() {
        StepProfile.start();
        StepProfile.backward(true);
        StepProfile.enter(StepProfile.Phase.ATTENTION);
        long t0 = System.nanoTime();
        Parallel.forEachTask(4 * Parallel.threads(), t -> {
            if (t == 0) spin(60);
        });
        double wall = (System.nanoTime() - t0) / 1e9;
        StepProfile.exit();
        double[] s = StepProfile.seconds().get(StepProfile.Phase.ATTENTION);
        int n = Parallel.threads();
        double expected = 0.060 * (n - 1) / n;
        assertEquals(0, s[2], "nothing idle forward");
        // (not wall·(n − 1)/n: that assumes the 60 ms task covers the whole call, and a task started a little late
        // by the OS leaves the call longer than the busy time; it failed once at 31.3 ms idle in a 61.7 ms call)
        assertTrue(s[3] >= expected - 0.002 && s[3] <= wall - 0.060 / n + 1e-4,
                "idle " + s[3] + " s with " + n + " threads, the call took " + wall + " s");
        Thread other = new Thread(() -> Parallel.forEachTask(4 * Parallel.threads(), t -> {
            if (t == 0) spin(20);
        }));
        other.start();
        try {
            other.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertEquals(s[3], StepProfile.seconds().get(StepProfile.Phase.ATTENTION)[3], "another thread's call counted");
    }

    /**
     * Each matrix product adds 2·m·n·k FLOPs (hand-computed below) to the phase and direction it runs in, whichever
     * kernel takes it: the F32 register tile (forward and dX = dY·W), the few-row path, several matrices at once,
     * and the native BF16 kernels where they run (with a conversion to BF16 timed as its own phase inside the call,
     * and a sum of two terms). Products outside any phase, from another thread, or with profiling off add nothing.
     */
    @Test
    void productsCountTheirFlopsInTheirPhase() throws Exception {
        java.util.Random rnd = new java.util.Random(3);
        Matrix w = Matrix.f32(48, 40, randomArray(48 * 40, rnd)), w2 = Matrix.f32(16, 40, randomArray(16 * 40, rnd));
        float[] x = randomArray(20 * 40, rnd), y = new float[20 * 48], y2 = new float[20 * 16], dy = randomArray(20 * 48, rnd);
        float[] dx = new float[20 * 40];
        StepProfile.start();
        Gemm.xwT(x, 0, 20, w, y, 0, false); // outside any phase: dropped
        StepProfile.enter(StepProfile.Phase.QKV);
        Gemm.xwT(x, 0, 20, w, y, 0, false);                                                  // 2·20·48·40 = 76,800
        Gemm.xwT(x, 0, 3, w, y, 0, false);                                                   // few rows: 2·3·48·40 = 11,520
        Gemm.xwT(x, 0, 20, new Matrix[]{w, w2}, new float[][]{y, y2}, new int[]{0, 0});      // 2·20·(48 + 16)·40 = 102,400
        StepProfile.exit();
        StepProfile.backward(true);
        StepProfile.enter(StepProfile.Phase.O);
        Gemm.xw(dy, 0, 20, w, dx, 0, false);                                                 // 2·20·48·40 = 76,800
        StepProfile.exit();
        Thread other = new Thread(() -> {
            StepProfile.enter(StepProfile.Phase.O);
            Gemm.xw(dy, 0, 20, w, dx, 0, false);
            StepProfile.exit();
        });
        other.start();
        other.join();
        Map<StepProfile.Phase, double[]> s = StepProfile.seconds();
        assertEquals(76_800 + 11_520 + 102_400, s.get(StepProfile.Phase.QKV)[4] * 1e9, 1e-3);
        assertEquals(0, s.get(StepProfile.Phase.QKV)[5]);
        assertEquals(76_800, s.get(StepProfile.Phase.O)[5] * 1e9, 1e-3);
        assertEquals(0, s.get(StepProfile.Phase.O)[4]);
        if (NativeBf16.available()) {
            Matrix b = w.withBf16Compute(), b2 = Matrix.f32(48, 40, randomArray(48 * 40, rnd)).withBf16Compute();
            StepProfile.backward(false);
            StepProfile.enter(StepProfile.Phase.DOWN);
            Gemm.xwT(x, 0, 20, b, y, 0, false);                                              // converts x first: 76,800
            StepProfile.exit();
            Bf16Rows g = Bf16Rows.reusable(Bf16Rows.Slot.GATE_GRAD, 20, 48), u = Bf16Rows.reusable(Bf16Rows.Slot.UP_GRAD, 20, 48);
            g.convert(dy, 0, 0, 20);
            u.convert(dy, 0, 0, 20);
            StepProfile.backward(true);
            StepProfile.enter(StepProfile.Phase.GATE_UP);
            Gemm.xwSum(new Bf16Rows[]{g, u}, 20, new Matrix[]{b, b2}, dx, 0, false);         // two terms: 153,600
            StepProfile.exit();
            s = StepProfile.seconds();
            assertEquals(76_800, s.get(StepProfile.Phase.DOWN)[4] * 1e9, 1e-3);
            assertEquals(0, s.get(StepProfile.Phase.TO_BF16)[4] + s.get(StepProfile.Phase.TO_BF16)[5], "the conversion ran no product");
            assertEquals(153_600, s.get(StepProfile.Phase.GATE_UP)[5] * 1e9, 1e-3);
        }
        StepProfile.stop();
        StepProfile.enter(StepProfile.Phase.NORM);
        Gemm.xwT(x, 0, 20, w, y, 0, false);
        StepProfile.exit();
        assertFalse(StepProfile.seconds().containsKey(StepProfile.Phase.NORM));
    }

    /**
     * Work in lanes records on each lane's thread at weight 1/lanes: two lanes spending 40 and 20 ms in a phase read
     * as 30 ms, while the phase the caller was in pauses during its own lane (so it reads less than its wall time by
     * at least the shorter lane); each lane's products count whole
     * (2 × 2·20·48·40 FLOPs), in the direction the caller was in. Without profiling, lanes record nothing.
     */
    @Test
    void lanesRecordTheirMeanTimeAndEveryFlop() {
        java.util.Random rnd = new java.util.Random(5);
        Matrix w = Matrix.f32(48, 40, randomArray(48 * 40, rnd));
        float[] x = randomArray(20 * 40, rnd);
        assertEquals(null, StepProfile.lanes(2), "not profiled: no lanes to record");
        StepProfile.start();
        StepProfile.backward(true);
        long entered = System.nanoTime();
        StepProfile.enter(StepProfile.Phase.NORM);
        spin(10);
        StepProfile.Lanes lanes = StepProfile.lanes(2);
        long[] laneWall = new long[2];
        Parallel.forEachTask(2, k -> StepProfile.inLanes(lanes, () -> {
            long t0 = System.nanoTime();
            StepProfile.enter(StepProfile.Phase.ATTENTION);
            spin(k == 0 ? 40 : 20);
            Gemm.xwT(x, 0, 20, w, new float[20 * 48], 0, false);
            StepProfile.exit();
            laneWall[k] = System.nanoTime() - t0;
        }));
        spin(10);
        StepProfile.exit();
        double total = (System.nanoTime() - entered) / 1e9;
        double[] attention = StepProfile.seconds().get(StepProfile.Phase.ATTENTION);
        double[] norm = StepProfile.seconds().get(StepProfile.Phase.NORM);
        assertEquals(0, attention[0], "recorded as backward");
        // the mean of the lanes: at least that of the 40 and 20 ms spun, at most that of each lane's wall time around
        // enter..exit (bounds that hold when the machine preempts a lane; their sum, 60 ms or more, exceeds the upper)
        double meanWall = (laneWall[0] + laneWall[1]) / 2e9;
        assertTrue(attention[1] >= 0.030 && attention[1] <= meanWall + 1e-4, "mean of 40 and 20 ms: " + attention[1] + " (mean wall " + meanWall + ")");
        assertEquals(2 * 76_800 / 1e9, attention[5], 1e-12, "both lanes' FLOPs");
        // the caller ran one lane (at least the 20 ms one), during which its phase paused; how long it then waited for
        // the other lane depends on the scheduler (a loaded machine preempts), so the bound is the phase's wall time
        // less the shortest lane, not a guess at the wait
        assertTrue(norm[1] >= 0.020 && norm[1] <= total - 0.020, "the caller's phase less its lane: " + norm[1] + " of " + total + " s");
    }

    /**
     * A thread helping with another lane's parallel call ({@link Parallel}) records nothing while it does, whether it
     * is the profiled thread itself or one running a lane; it records again afterwards.
     */
    @Test
    void helpedTasksRecordNothing() {
        StepProfile.start();
        StepProfile.unrecorded(() -> {
            StepProfile.enter(StepProfile.Phase.SWIGLU);
            spin(5);
            StepProfile.exit();
        });
        assertFalse(StepProfile.seconds().containsKey(StepProfile.Phase.SWIGLU), "the profiled thread, helping");
        long[] wall = new long[2];
        StepProfile.inLanes(StepProfile.lanes(2), () -> {
            StepProfile.unrecorded(() -> {
                StepProfile.enter(StepProfile.Phase.ROPE);
                spin(5);
                StepProfile.exit();
            });
            wall[0] = System.nanoTime();
            StepProfile.enter(StepProfile.Phase.NORM);
            spin(10);
            StepProfile.exit();
            wall[1] = System.nanoTime();
        });
        StepProfile.enter(StepProfile.Phase.COPIES);
        spin(4);
        StepProfile.exit();
        Map<StepProfile.Phase, double[]> s = StepProfile.seconds();
        assertFalse(s.containsKey(StepProfile.Phase.ROPE), "a lane, helping");
        // at 1/2: at least half the 10 ms spun, at most half the wall time around enter..exit (bounds that hold on a
        // loaded machine, where the thread may be preempted inside the spin; a weight of 1 exceeds the upper one)
        double norm = s.get(StepProfile.Phase.NORM)[0], half = (wall[1] - wall[0]) / 2e9;
        assertTrue(norm >= 0.005 && norm <= half + 1e-4, "the lane after helping, at 1/2: " + norm + " (half the wall time " + half + ")");
        assertTrue(s.get(StepProfile.Phase.COPIES)[0] >= 0.004, "the profiled thread after its lane");
    }

    private static float[] randomArray(int n, java.util.Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private static void spin(long ms) {
        long end = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }
}
