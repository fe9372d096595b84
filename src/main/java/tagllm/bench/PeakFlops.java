package tagllm.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.CyclicBarrier;
import java.util.function.LongToDoubleFunction;

/**
 * The machine's FP32 multiply-add peak as this JVM reaches it: one thread per core, each running twelve
 * independent Vector API FMA chains (enough to cover the FMA latency times the issue width of current x86 and
 * ARM cores) on registers only. The best of a few timed rounds is reported; other work on the machine lowers it.
 * {@link #measureBf16} does the same with the native kernels' BF16 dot-product loop, the peak of
 * {@code --compute bf16}.
 */
public final class PeakFlops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 12;
    private static volatile float sink;

    private PeakFlops() {}

    /** A measured peak: GFLOP/s of all threads together and of one thread alone. */
    public record Result(int threads, double gflops, double gflopsOneThread, int vectorBits) {
        /**
         * The higher of two measurements of the same loop, field by field. The machine's capability is the faster
         * one: a slower measurement saw other work on the machine (or a slower moment of a shared host), and a share
         * of it would flatter whatever ran at a faster moment.
         */
        public Result higher(Result other) {
            if (other.threads != threads || other.vectorBits != vectorBits) {
                throw new IllegalArgumentException("peaks of different loops: " + this + " and " + other);
            }
            return new Result(threads, Math.max(gflops, other.gflops), Math.max(gflopsOneThread, other.gflopsOneThread), vectorBits);
        }

        /** How far the lower of two measurements (all threads) falls below the higher: 0 the same, 0.25 a quarter. */
        public double dropFrom(Result other) {
            double hi = Math.max(gflops, other.gflops), lo = Math.min(gflops, other.gflops);
            return hi > 0 ? 1 - lo / hi : 0;
        }
    }

    public static Result measure(int threads, int rounds) {
        return measure(threads, rounds, PeakFlops::chains, (double) CHAINS * S.length() * 2, S.vectorBitSize());
    }

    /** The BF16 dot-product peak through the native kernels' loop; needs {@code NativeBf16.available()}. */
    public static Result measureBf16(int threads, int rounds) {
        return measure(threads, rounds, tagllm.tensor.NativeBf16::peakLoop, tagllm.tensor.NativeBf16.PEAK_FLOPS_PER_ITER, 512);
    }

    private static Result measure(int threads, int rounds, LongToDoubleFunction loop, double flopsPerIter, int bits) {
        long iters = calibrate(loop);
        double one = 0, all = 0;
        for (int r = 0; r < rounds; r++) {
            one = Math.max(one, run(1, iters, loop, flopsPerIter));
            all = Math.max(all, run(threads, iters, loop, flopsPerIter));
        }
        return new Result(threads, all, one, bits);
    }

    /** Iterations that take roughly 50 ms on one thread, once the loop is compiled. */
    private static long calibrate(LongToDoubleFunction loop) {
        // Many short calls first: the loop must be JIT-compiled before its speed means anything.
        long warm = System.nanoTime();
        while (System.nanoTime() - warm < 300_000_000L) sink += (float) loop.applyAsDouble(4096);
        long iters = 1 << 16;
        while (true) {
            long t0 = System.nanoTime();
            sink += (float) loop.applyAsDouble(iters);
            long ns = System.nanoTime() - t0;
            if (ns > 20_000_000L) return Math.max(1, iters * 50_000_000L / ns);
            iters *= 2;
        }
    }

    /** GFLOP/s of `threads` threads each running `iters` iterations at the same time (first start to last end). */
    private static double run(int threads, long iters, LongToDoubleFunction loop, double flopsPerIter) {
        CyclicBarrier start = new CyclicBarrier(threads);
        long[] begin = new long[threads], end = new long[threads];
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                begin[id] = System.nanoTime();
                float r = (float) loop.applyAsDouble(iters);
                end[id] = System.nanoTime();
                sink += r;
            }, "tagllm-peak-" + t);
            ts[t].start();
        }
        try {
            for (Thread t : ts) t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("peak measurement interrupted", e);
        }
        long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
        for (int t = 0; t < threads; t++) {
            first = Math.min(first, begin[t]);
            last = Math.max(last, end[t]);
        }
        return threads * iters * flopsPerIter / ((last - first) / 1e9) / 1e9;
    }

    /** CHAINS dependent chains c = c·a + b, independent of each other so the FMA units stay full. */
    private static float chains(long iters) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f), b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 0.10f), c1 = FloatVector.broadcast(S, 0.11f);
        FloatVector c2 = FloatVector.broadcast(S, 0.12f), c3 = FloatVector.broadcast(S, 0.13f);
        FloatVector c4 = FloatVector.broadcast(S, 0.14f), c5 = FloatVector.broadcast(S, 0.15f);
        FloatVector c6 = FloatVector.broadcast(S, 0.16f), c7 = FloatVector.broadcast(S, 0.17f);
        FloatVector c8 = FloatVector.broadcast(S, 0.18f), c9 = FloatVector.broadcast(S, 0.19f);
        FloatVector c10 = FloatVector.broadcast(S, 0.20f), c11 = FloatVector.broadcast(S, 0.21f);
        for (long i = 0; i < iters; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}
