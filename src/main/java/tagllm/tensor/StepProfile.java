package tagllm.tensor;

import java.util.EnumMap;
import java.util.Map;

/**
 * Wall-clock seconds per phase of a step (the products by weight, attention, norms, RoPE, SwiGLU, conversions to
 * BF16, copies, embedding and tags, head, optimizer), forward and backward apart: what {@code tagllm bench --profile}
 * prints. Phases are timed on the one thread that {@link #start started} profiling, around calls that run their own
 * parallel tasks, so each phase's time is its wall time on both cores and the phases add up to the step. Phases nest:
 * a conversion to BF16 inside a product is the conversion's time, not the product's (self time). Calls from any other
 * thread, and every call while profiling is off, cost one volatile read.
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
    private static final int PHASES = Phase.values().length;
    /** Nanoseconds by phase × (forward 0, backward 1). */
    private static final long[] NANOS = new long[2 * PHASES];
    /** Idle core-nanoseconds inside parallel calls by phase × direction, over the pool's threads (see above). */
    private static final long[] IDLE = new long[2 * PHASES];
    /** Matrix-product FLOPs by phase × direction. */
    private static final double[] FLOPS = new double[2 * PHASES];
    private static final Phase[] STACK = new Phase[16];
    private static int depth;
    private static long mark;
    private static int direction;

    private StepProfile() {}

    /** Profiles the calling thread from now on, from zero. */
    public static synchronized void start() {
        java.util.Arrays.fill(NANOS, 0);
        java.util.Arrays.fill(IDLE, 0);
        java.util.Arrays.fill(FLOPS, 0);
        depth = 0;
        direction = 0;
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
    static boolean profiling() { return owner == Thread.currentThread(); }

    /**
     * Adds idle time of one parallel call, in nanoseconds over the pool's threads, to the phase the profiled thread
     * is in (none: dropped, as that phase's wall time goes to "outside the phases").
     */
    static void idle(long nanos) {
        if (owner != Thread.currentThread() || depth == 0) return;
        IDLE[2 * STACK[depth - 1].ordinal() + direction] += nanos;
    }

    /**
     * Adds the FLOPs of a matrix product the profiled thread is about to run to the phase it is in (none: dropped, as
     * with {@link #idle}); calls from other threads add nothing.
     */
    static void flops(double f) {
        if (owner != Thread.currentThread() || depth == 0) return;
        FLOPS[2 * STACK[depth - 1].ordinal() + direction] += f;
    }

    /** Whether the phases entered from now on count as backward (true) or forward. */
    public static void backward(boolean b) {
        if (owner == Thread.currentThread()) direction = b ? 1 : 0;
    }

    /** Enters a phase (nested in the current one, whose clock pauses until {@link #exit}). */
    public static void enter(Phase p) {
        if (owner != Thread.currentThread()) return;
        long now = System.nanoTime();
        if (depth > 0) NANOS[2 * STACK[depth - 1].ordinal() + direction] += now - mark;
        STACK[depth++] = p;
        mark = now;
    }

    /** Leaves the phase last entered. */
    public static void exit() {
        if (owner != Thread.currentThread() || depth == 0) return;
        long now = System.nanoTime();
        NANOS[2 * STACK[--depth].ordinal() + direction] += now - mark;
        mark = now;
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
