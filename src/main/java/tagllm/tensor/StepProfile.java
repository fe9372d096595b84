package tagllm.tensor;

import java.util.EnumMap;
import java.util.Map;

/**
 * Wall-clock seconds per phase of a step (the products by weight, attention, norms, RoPE, SwiGLU, conversions to
 * BF16, copies, embedding and tags, head, optimizer), forward and backward apart: what {@code tagllm bench --profile}
 * prints. Phases are timed on the one thread that {@link #start started} profiling, around calls that run their own
 * parallel tasks, so each phase's time is its wall time on both cores and the phases add up to the step. Phases nest:
 * a conversion to BF16 inside a product is the conversion's time, not the product's (self time). Every call while
 * profiling is off costs one volatile read; calls from other threads while it is on record nothing unless they run a
 * lane (below).
 *
 * <p>Work the profiled thread cuts into lanes (a batch's sequences in runs, one run per core, each through the whole
 * forward or backward on its own core: {@code model.Lanes}) is recorded on every lane's thread ({@link #inLanes}):
 * each lane's phase times count 1/lanes, so a phase reads as its mean wall time over the lanes and the phases still
 * add up to the step, and every lane's FLOPs count whole. The lanes' wait for the slowest at their join is outside
 * the phases.
 *
 * <p>Beside each phase's wall time it keeps the time the pool's threads sat idle inside that phase's parallel calls
 * ({@link Parallel#forEachTask}): core-seconds with no task to run (a worker still waking, or every thread but one
 * waiting on the last task), over the pool's thread count, so that it reads as the share of the phase's wall time
 * lost to joins. Time outside parallel calls, when only the calling thread works, is not counted as idle.
 *
 * <p>And the floating-point operations of the matrix products the phase called ({@link Gemm}, {@link MatVec}: 2·m·n·k
 * each, what they compute, pruned rows excluded), so a phase's rate can be set against the machine's peak without
 * modelling the step: {@code tagllm bench --profile} prints it per phase.
 */
public final class StepProfile {
    /** What a stretch of the step is spent on. */
    public enum Phase {
        EMBED_TAGS("embedding rows + tag rows (pack, scatter)"),
        QKV("q, k, v products"),
        O("o product"),
        GATE_UP("gate, up products"),
        DOWN("down product"),
        LM_HEAD("LM head product"),
        TO_BF16("activations to BF16 (product inputs)"),
        ATTENTION("attention (scores, softmax, P·V)"),
        NORM("RMSNorm"),
        ROPE("RoPE (+ q/k/v biases)"),
        SWIGLU("SwiGLU"),
        COPIES("row copies, zero fills"),
        HEAD_LOSS("regression head + loss"),
        OPTIMIZER("AdamW");

        public final String label;

        Phase(String label) { this.label = label; }
    }

    private static volatile Thread owner;
    /** A thread's clock while it runs a lane (see {@link #inLanes}), the profiled thread's included. */
    private static final ThreadLocal<Clock> LANE = new ThreadLocal<>();
    /** The profiled thread's clock outside lanes. */
    private static Clock ownClock = new Clock();
    private static final int PHASES = Phase.values().length;
    /** Nanoseconds by phase × (forward 0, backward 1). */
    private static final long[] NANOS = new long[2 * PHASES];
    /** Idle core-nanoseconds inside parallel calls by phase × direction, over the pool's threads (see above). */
    private static final long[] IDLE = new long[2 * PHASES];
    /** Matrix-product FLOPs by phase × direction. */
    private static final double[] FLOPS = new double[2 * PHASES];

    /** One recording thread's nesting of phases; lanes record with weight 1/lanes. */
    private static final class Clock {
        final Phase[] stack = new Phase[16];
        int depth;
        long mark;
        int direction;
        double weight = 1;
    }

    private StepProfile() {}

    /** Profiles the calling thread from now on, from zero. */
    public static synchronized void start() {
        java.util.Arrays.fill(NANOS, 0);
        java.util.Arrays.fill(IDLE, 0);
        java.util.Arrays.fill(FLOPS, 0);
        ownClock = new Clock();
        owner = Thread.currentThread();
    }

    /** Stops profiling (nothing is recorded afterwards). */
    public static synchronized void stop() { owner = null; }

    /** Zeroes the totals (after warm-up runs). */
    public static void reset() {
        if (owner == Thread.currentThread()) {
            java.util.Arrays.fill(NANOS, 0);
            java.util.Arrays.fill(IDLE, 0);
            java.util.Arrays.fill(FLOPS, 0);
        }
    }

    /**
     * Whether some thread is being profiled. Only that thread's phases are recorded, so work that would move to other
     * threads of its own (batch prediction's chunks) stays on it meanwhile.
     */
    public static boolean active() { return owner != null; }

    /** Whether the calling thread is being profiled: {@link Parallel} then times its tasks. */
    static boolean profiling() { return clock() != null; }

    /** The calling thread's clock: the profiled thread's, a lane's, or null (nothing to record). */
    private static Clock clock() {
        Thread o = owner;
        if (o == null) return null;
        Clock lane = LANE.get();
        if (lane == UNRECORDED) return null;
        return lane == null && o == Thread.currentThread() ? ownClock : lane;
    }

    /** The clock of a thread running another's task ({@link #unrecorded}): it records nothing. */
    private static final Clock UNRECORDED = new Clock();

    /**
     * Runs another thread's task here, recording nothing meanwhile: a pool thread helping with a lane's parallel call
     * ({@link Parallel}), whose phase is timed on the lane's own thread.
     */
    static void unrecorded(Runnable body) {
        if (owner == null) {
            body.run();
            return;
        }
        withLaneClock(UNRECORDED, body);
    }

    /** Runs body with this thread's lane clock set to c, then puts back whatever it was (none included). */
    private static void withLaneClock(Clock c, Runnable body) {
        Clock before = LANE.get();
        LANE.set(c);
        try {
            body.run();
        } finally {
            if (before != null) LANE.set(before);
            else LANE.remove();
        }
    }

    /** What the lanes of one call record with ({@link #inLanes}): their weight and direction. */
    public record Lanes(double weight, int direction) {}

    /**
     * For a profiled caller about to run work in this many lanes: what each lane records with; null when the caller
     * is not profiled (the lanes then record nothing).
     */
    public static Lanes lanes(int count) {
        Clock c = clock();
        return c == null ? null : new Lanes(c.weight / count, c.direction);
    }

    /**
     * Runs one lane's work, its phases recorded on this thread at the lanes' weight (lanes null: just runs it). The
     * profiled thread runs a lane too: its open phases pause meanwhile and go on afterwards.
     */
    public static void inLanes(Lanes lanes, Runnable body) {
        if (lanes == null || owner == null) {
            body.run();
            return;
        }
        Clock outer = clock();
        long now = System.nanoTime();
        if (outer != null && outer.depth > 0) add(NANOS, outer, outer.stack[outer.depth - 1], (now - outer.mark) * outer.weight);
        Clock lane = new Clock();
        lane.weight = lanes.weight();
        lane.direction = lanes.direction();
        try {
            withLaneClock(lane, body);
        } finally {
            if (outer != null) outer.mark = System.nanoTime();
        }
    }

    /** Adds to a table's entry for phase p in the clock's direction (lanes add from several threads at once). */
    private static void add(long[] table, Clock c, Phase p, double nanos) {
        synchronized (table) {
            table[2 * p.ordinal() + c.direction] += Math.round(nanos);
        }
    }

    /**
     * Adds idle time of one parallel call, in nanoseconds over the pool's threads, to the phase the profiled thread
     * is in (none: dropped, as that phase's wall time goes to "outside the phases").
     */
    static void idle(long nanos) {
        Clock c = clock();
        if (c == null || c.depth == 0) return;
        add(IDLE, c, c.stack[c.depth - 1], nanos * c.weight);
    }

    /**
     * Adds the FLOPs of a matrix product the profiled thread is about to run to the phase it is in (none: dropped, as
     * with {@link #idle}); calls from threads neither profiled nor running a lane add nothing.
     */
    static void flops(double f) {
        Clock c = clock();
        if (c == null || c.depth == 0) return;
        synchronized (FLOPS) {
            FLOPS[2 * c.stack[c.depth - 1].ordinal() + c.direction] += f;
        }
    }

    /** Whether the phases entered from now on count as backward (true) or forward. */
    public static void backward(boolean b) {
        Clock c = clock();
        if (c != null) c.direction = b ? 1 : 0;
    }

    /** Enters a phase (nested in the current one, whose clock pauses until {@link #exit}). */
    public static void enter(Phase p) {
        Clock c = clock();
        if (c == null) return;
        long now = System.nanoTime();
        if (c.depth > 0) add(NANOS, c, c.stack[c.depth - 1], (now - c.mark) * c.weight);
        c.stack[c.depth++] = p;
        c.mark = now;
    }

    /** Leaves the phase last entered. */
    public static void exit() {
        Clock c = clock();
        if (c == null || c.depth == 0) return;
        long now = System.nanoTime();
        add(NANOS, c, c.stack[--c.depth], (now - c.mark) * c.weight);
        c.mark = now;
    }

    /**
     * Seconds by phase: [forward, backward, forward idle, backward idle] (idle as described above), then the
     * phase's matrix-product GFLOP [forward, backward]; phases never entered are left out.
     */
    public static Map<Phase, double[]> seconds() {
        Map<Phase, double[]> out = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) {
            int i = 2 * p.ordinal();
            if (NANOS[i] + NANOS[i + 1] > 0) {
                out.put(p, new double[]{NANOS[i] / 1e9, NANOS[i + 1] / 1e9, IDLE[i] / 1e9, IDLE[i + 1] / 1e9,
                        FLOPS[i] / 1e9, FLOPS[i + 1] / 1e9});
            }
        }
        return out;
    }
}
