package tagllm.serve;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Marks the work of one request as no longer wanted (its client has gone). Work checks it between inputs, tokens
 * and batches rather than being interrupted: a forward pass is never cut in the middle, so the model and its caches
 * stay consistent for the next request.
 */
public final class Cancellation {
    /** The status the access log records for a request whose client went away (nginx's "client closed request"). */
    public static final int CLIENT_GONE = 499;

    /** What a request cancelled because the server stops is answered (503, the connection then closes). */
    static final String SHUTTING_DOWN = "the server is shutting down";

    private volatile String reason;
    private volatile boolean shutdown;
    /** Whether the request's model work has begun (it had a turn on the model). */
    private boolean running;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    /** Marks the work cancelled, once; later calls keep the first reason. */
    public void cancel(String why) { cancel(why, false); }

    private void cancel(String why, boolean forShutdown) {
        synchronized (this) {
            if (reason != null) return;
            shutdown = forShutdown;
            reason = why;
        }
        for (Runnable r : listeners) r.run();
    }

    /** Cancels because the server stops: the request is answered 503 "the server is shutting down". */
    void cancelForShutdown() { cancel(SHUTTING_DOWN, true); }

    /** The same, only while the request's model work has not begun (it is read, checked or waits its turn). */
    boolean cancelForShutdownIfWaiting() {
        synchronized (this) {
            if (running) return false;
        }
        cancelForShutdown();
        return true;
    }

    /** Called when the request's model work begins; false (and nothing marked) when it was cancelled before. */
    synchronized boolean markRunning() {
        if (reason != null) return false;
        running = true;
        return true;
    }

    public boolean isCancelled() { return reason != null; }

    /**
     * Throws the refusal when cancelled, so that no half-done result is answered as if whole: 499 when the client has
     * gone, 503 when the server stops.
     */
    public void check() {
        String why = reason;
        if (why == null) return;
        if (shutdown) throw new ApiException(503, SHUTTING_DOWN);
        throw new ApiException(CLIENT_GONE, "client gone: " + why);
    }

    /** Runs {@code r} on cancellation (at once when already cancelled). */
    void onCancel(Runnable r) {
        synchronized (this) {
            if (reason == null) {
                listeners.add(r);
                return;
            }
        }
        r.run();
    }
}
