package tagllm.util;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;

/**
 * Maps a list (a chunk of rows) on a fixed number of threads, keeping the input order. The function must be
 * thread-safe (chem's labelers are: their CDK state is per thread).
 */
public final class ParallelMap implements AutoCloseable {
    private final ForkJoinPool pool;

    public ParallelMap(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.pool = new ForkJoinPool(threads);
    }

    public <I, O> List<O> map(List<I> items, Function<I, O> f) {
        try {
            return pool.submit(() -> items.parallelStream().map(f).toList()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() { pool.shutdown(); }
}
