package tagllm.serve;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Lets one request at a time run the model, in arrival order, and turns a wait past the timeout into 503.
 *
 * <p>Why serialise although the Transformer is safe for concurrent calls: the engine has one shared worker
 * pool, and a forward pass started while it is busy runs on its caller's thread alone. Taking turns gives each
 * pass every core, so latency and throughput are no worse, and activation memory stays that of one pass
 * instead of growing with the number of connections.
 */
final class ComputeGate {
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Duration timeout;

    ComputeGate(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("busy timeout must be positive, got " + timeout);
        this.timeout = timeout;
    }

    <T> T run(Supplier<T> work) {
        boolean got;
        try {
            got = lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "the server is shutting down");
        }
        if (!got) {
            throw new ApiException(503, "server busy: the model did not become free within " + timeout.toMillis() / 1000.0
                    + " s; try again later");
        }
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }
}
