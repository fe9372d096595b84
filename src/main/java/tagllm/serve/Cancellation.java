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

    private volatile String reason;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    /** Marks the work cancelled, once; later calls keep the first reason. */
    public void cancel(String why) {
        synchronized (this) {
            if (reason != null) return;
            reason = why;
        }
        for (Runnable r : listeners) r.run();
    }

    public boolean isCancelled() { return reason != null; }

    /** Throws the 499 refusal when cancelled, so that no half-done result is answered as if whole. */
    public void check() {
        String why = reason;
        if (why != null) throw new ApiException(CLIENT_GONE, "client gone: " + why);
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
