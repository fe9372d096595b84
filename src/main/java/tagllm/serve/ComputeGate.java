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

    <T> T run(Supplier<T> work) { return run(new Cancellation(), work); }

    /**
     * Runs the work when the model is free. While waiting, a cancellation of the request (its client gone, the server
     * stopping) ends the wait at once with its refusal; once the turn is taken the request counts as running.
     */
    <T> T run(Cancellation cancel, Supplier<T> work) {
        cancel.check();
        // the wait keeps its place in the fair queue; a cancellation interrupts it (and only it)
        Thread[] waiter = {Thread.currentThread()};
        cancel.onCancel(() -> {
            synchronized (waiter) {
                if (waiter[0] != null) waiter[0].interrupt();
            }
        });
        boolean got;
        try {
            got = lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            got = false;
        } finally {
            synchronized (waiter) {
                waiter[0] = null;
            }
        }
        // a cancellation's interrupt is cleared here; another (the server's own stop) is kept
        boolean interrupted = cancel.isCancelled() ? Thread.interrupted() : Thread.currentThread().isInterrupted();
        if (got && !cancel.markRunning()) {
            lock.unlock();
            got = false;
        }
        if (!got) {
            cancel.check();
            if (interrupted) {
                throw new ApiException(503, Cancellation.SHUTTING_DOWN);
            }
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
