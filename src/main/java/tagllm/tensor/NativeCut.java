package tagllm.tensor;

import java.util.Arrays;

/**
 * How a product through the native kernels is cut into tasks: rectangles of whole row tiles × whole panels, and the
 * share of them each thread of {@link Parallel} starts on (it runs its share in order; a thread done with its own takes
 * the others' from their ends).
 *
 * <p>The body of the cut is a grid: groups of about {@link #PANELS} panels (evenly sized), and row blocks until there
 * are about {@link #TASKS_PER_THREAD} tasks per thread. Each call of the kernel passes every row tile of A it reads
 * over every panel of the call, so a one-panel task streams A once per panel: on Zen 5, products of the SmolLM2 step
 * ran at 175-220 GFLOP/s a thread cut one panel per task, 300-320 cut four or more (a C harness, every cut of the
 * same product in one process, docs/benchmarks.md).
 *
 * <p>The end of every thread's share is cut finer ({@link #TAIL}): a call ends when its last task does, and the thread
 * that runs out first waits on whatever the other is running or takes another's last task, so the tasks at the ends
 * of the shares set how long one core idles at the join. The bits of every output element are the same whatever the
 * cut (the kernels sum each element in one order).
 */
final class NativeCut {
    /** Panels a grid task covers at most: enough that each row tile of A read serves several. */
    static final int PANELS = 8;

    /**
     * Grid tasks per thread and product. The cores of one machine do not run equally fast (one of this Zen 5's two
     * ran the same work ~8% faster), so a product waits on its last task: in a two-thread C harness of the SmolLM2
     * products, 6 tasks a thread reached 71% of the BF16 peak, 12 74%, 24 75% (each alternated three times). With B
     * packed once per product, more row blocks cost no more packing.
     */
    static final int TASKS_PER_THREAD = 16;

    /**
     * Pieces of the last grid tasks of each thread's share, the last first. On Zen 5 (one JVM, BF16 training steps of
     * SmolLM2-135M's shape, 40 rounds of 3 steps alternated with the plain grid): the products' idle inside their
     * calls 0.0224 → 0.0158 s a step (medians), the step 0.8010 → 0.7925 s, faster in 25 of 40 rounds (before the
     * shares were handed to the pool as cut: 0.0222 → 0.0168 s, 0.8502 → 0.8332 s, 31 of 40); 4 and 2 pieces alone
     * were no different from 8, 4, 2 (docs/benchmarks.md, thirteenth pass).
     */
    private static final int[] TAIL = {8, 4, 2};

    private final int m;
    /** Task t: row tiles [tile0[t], tile1[t]) and panels [panel0[t], panel1[t]). */
    private final int[] tile0, tile1, panel0, panel1;
    private final int rowBlocks;
    /** The first task of each thread's share. */
    private final int[] shareStart;

    private NativeCut(int m, int[] tile0, int[] tile1, int[] panel0, int[] panel1, int rowBlocks, int[] shareStart) {
        this.m = m;
        this.tile0 = tile0;
        this.tile1 = tile1;
        this.panel0 = panel0;
        this.panel1 = panel1;
        this.rowBlocks = rowBlocks;
        this.shareStart = shareStart;
    }

    /**
     * The cut of a product of m rows (tiles of Gemm.MR) over panels output panels, for threads threads; finerEnds: cut
     * the shares' ends finer (only worth it where the call runs in parallel: on one thread the pieces are only more
     * calls of the kernel).
     */
    static NativeCut of(int panels, int m, int threads, boolean finerEnds) {
        int rowTiles = (m + Gemm.MR - 1) / Gemm.MR;
        int panelGroups = (panels + PANELS - 1) / PANELS;
        int perGroup = (panels + panelGroups - 1) / panelGroups;
        panelGroups = (panels + perGroup - 1) / perGroup;
        int rowBlocks = Math.max(1, Math.min(rowTiles, (TASKS_PER_THREAD * threads + panelGroups - 1) / panelGroups));
        int grid = panelGroups * rowBlocks;
        int cap = grid + threads * Arrays.stream(TAIL).sum();
        int[] t0 = new int[cap], t1 = new int[cap], p0 = new int[cap], p1 = new int[cap];
        int n = 0;
        int[] shareStart = new int[threads];
        for (int share = 0; share < threads; share++) {
            shareStart[share] = n;
            int from = (int) ((long) grid * share / threads), to = (int) ((long) grid * (share + 1) / threads);
            for (int g = from; g < to; g++) {
                int fromEnd = to - 1 - g, pieces = finerEnds && fromEnd < TAIL.length ? TAIL[fromEnd] : 1;
                int group = g % panelGroups, block = g / panelGroups;
                int a0 = (int) ((long) rowTiles * block / rowBlocks), a1 = (int) ((long) rowTiles * (block + 1) / rowBlocks);
                int b0 = group * perGroup, b1 = Math.min(panels, b0 + perGroup);
                // rows where there are enough tiles (the kernel's B panels are read once per tile either way), else panels
                boolean byRows = a1 - a0 >= pieces || a1 - a0 >= b1 - b0;
                int span = byRows ? a1 - a0 : b1 - b0;
                pieces = Math.max(1, Math.min(pieces, span));
                for (int q = 0; q < pieces; q++) {
                    int lo = (int) ((long) span * q / pieces), hi = (int) ((long) span * (q + 1) / pieces);
                    t0[n] = byRows ? a0 + lo : a0;
                    t1[n] = byRows ? a0 + hi : a1;
                    p0[n] = byRows ? b0 : b0 + lo;
                    p1[n] = byRows ? b1 : b0 + hi;
                    n++;
                }
            }
        }
        return new NativeCut(m, Arrays.copyOf(t0, n), Arrays.copyOf(t1, n), Arrays.copyOf(p0, n), Arrays.copyOf(p1, n),
                rowBlocks, shareStart);
    }

    int tasks() { return tile0.length; }

    /** The first task of each thread's share, for {@link Parallel#forEachTask(int, int[], Parallel.Task)}. */
    int[] shareStarts() { return shareStart.clone(); }

    /** Whether panels of B are read by more than one block of rows (then B is worth packing once per product). */
    boolean severalRowBlocks() { return rowBlocks > 1; }

    int firstPanel(int t) { return panel0[t]; }

    int endPanel(int t) { return panel1[t]; }

    int firstRow(int t) { return tile0[t] * Gemm.MR; }

    int endRow(int t) { return Math.min(m, tile1[t] * Gemm.MR); }
}
