package tagllm.serve;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The door of the API: at most {@code queue} requests whose body has arrived in the server at once, waiting for the
 * model or running (the rest get 503 with Retry-After, never a reset), and request bodies held in memory limited to
 * a server-wide byte budget (twice the body limit), charged for each body's buffer (min(declared length, 8 KiB) once the header
 * is read, then as the buffer doubles with the bytes that arrive; not for the declared length, which let two
 * trickling uploads hold it all): memory stays bounded whatever the number of clients.
 *
 * <p>A request still sending its body holds no queue place: as many uploads trickling a byte now and then as
 * places locked every other client out (503) until their body timeout, and again when they reconnected. Readers
 * are bounded instead by the connection limit, the body budget and the body timeout. A request that arrives while
 * every place is taken is still refused at the door, before its body is read.
 */
final class Admission {
    /** Longest wait for body memory before answering 503: the budget frees as other requests finish. */
    private static final long MEMORY_WAIT_MS = 2000;
    /** Most bytes of an oversized body read and dropped before answering 413 (so that the client reads the answer). */
    private static final long DRAIN_BYTES = 64L << 20;

    private final int maxRequests;
    private final int budget;
    private final Semaphore requests;
    private final Semaphore bodyBytes;
    /** API requests in the server: reading their body, waiting for the model or running. */
    private final java.util.concurrent.atomic.AtomicInteger present = new java.util.concurrent.atomic.AtomicInteger();

    Admission(int maxRequests, long budgetBytes) {
        this.maxRequests = maxRequests;
        this.budget = (int) Math.min(Integer.MAX_VALUE, budgetBytes);
        this.requests = new Semaphore(maxRequests);
        this.bodyBytes = new Semaphore(budget);
    }

    /** Set when the server stops: requests still sending their body get 503 "the server is shutting down". */
    private volatile boolean stopping;
    /** The waits of requests reading their body, woken when the server stops. */
    private final java.util.Set<CountDownLatch> reading = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The server stops: a request still sending its body is answered 503 "the server is shutting down" at once, as
     * one waiting for the model is (it would get that 503 once its body had come anyway). Before, it kept reading
     * through the grace and then got a 408 saying the connection had been idle too long.
     */
    void stopReading() {
        stopping = true; // before the waits are read; a reader registers its wait before it reads the flag
        for (CountDownLatch l : reading) l.countDown();
    }

    /** API requests in the server: reading, waiting or running. */
    double inFlight() { return present.get(); }

    double bytesHeld() { return budget - bodyBytes.availablePermits(); }

    /** A place in the server (taken at once, no body to read), or 503 when all {@code queue} places are taken. */
    Ticket enter(ServerMetrics metrics) {
        Ticket t = enter(null, null, null, metrics);
        try {
            t.admit();
        } catch (ApiException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /**
     * The same for an HTTP request, whose place is taken by {@link Ticket#admit} once its body is read: here it is
     * refused only when every place is taken now. The refusal first reads and drops the body the client is still
     * sending (up to a cap, within the body timeout) and closes the connection after the answer. Answering at once
     * and closing made the kernel reset the connection under a client still uploading, which then never saw the 503.
     */
    Ticket enter(Request request, Response response, ServerOptions options, ServerMetrics metrics) {
        if (requests.availablePermits() == 0) {
            metrics.refused("busy");
            if (request != null) {
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
                if (!expectsContinue(request)) {
                    drain(request, System.nanoTime() + options.bodyTimeout().toNanos(),
                            Math.max(DRAIN_BYTES, 4 * options.maxBodyBytes()));
                }
            }
            throw busy();
        }
        present.incrementAndGet();
        return new Ticket(metrics);
    }

    private ApiException busy() {
        return new ApiException(503, "server busy: " + maxRequests + " requests are already in the server (its --queue limit); try again shortly");
    }

    /** One request in the server: its place once admitted and the body bytes it holds, all given back on close. */
    final class Ticket implements AutoCloseable {
        private final ServerMetrics metrics;
        private int held;
        private boolean admitted;
        private boolean closed;

        private Ticket(ServerMetrics metrics) { this.metrics = metrics; }

        /** Takes the request's queue place (its body has arrived), or 503 "busy" when every place is taken. */
        void admit() {
            if (admitted) return;
            if (!requests.tryAcquire()) {
                metrics.refused("busy");
                throw busy();
            }
            admitted = true;
        }

        /**
         * The whole body, its buffer charged to the budget as it grows (503 when the budget stays exhausted), 413 past the body limit,
         * 408 when it does not arrive within the body timeout.
         */
        byte[] readBody(Request request, ServerOptions options) {
            long limit = options.maxBodyBytes();
            long deadline = System.nanoTime() + options.bodyTimeout().toNanos();
            long declared = request.getLength();
            if (declared > limit) {
                // A client that waits for 100 Continue has sent no body: reading would make Jetty send the 100 and
                // the client upload it all, only to get the 413. It gets the 413 at once and the connection closes.
                if (!expectsContinue(request)) drain(request, deadline, Math.max(DRAIN_BYTES, 4 * limit));
                metrics.refused("too_large");
                throw tooLarge(declared + " bytes", limit);
            }
            // Memory is charged as the buffer grows with the bytes that have come, not for the declared length up
            // front: two uploads declaring 8 MB and trickling a byte every few seconds held the whole budget (every
            // other client got 503) until their body timeout. The budget bounds the buffers, so memory stays bounded.
            long most = declared >= 0 ? declared : limit;
            int first = (int) Math.min(most, 8192);
            reserve(first, deadline);
            byte[] buf = new byte[first];
            int n = 0;
            while (true) {
                Content.Chunk chunk = next(request, deadline);
                try {
                    ByteBuffer b = chunk.getByteBuffer();
                    int r = b.remaining();
                    if (n + (long) r > limit) {
                        metrics.refused("too_large");
                        drain(request, deadline, Math.max(DRAIN_BYTES, 4 * limit));
                        throw tooLarge("more than " + limit + " bytes", limit);
                    }
                    if (n + r > buf.length) {
                        if (declared >= 0 && n + (long) r > declared) throw ApiException.badRequest("the body is longer than its Content-Length");
                        int grown = (int) Math.min(most, Math.max(2L * buf.length, n + r));
                        reserve(grown - buf.length, deadline);
                        buf = java.util.Arrays.copyOf(buf, grown);
                    }
                    b.get(buf, n, r);
                    n += r;
                    if (chunk.isLast()) break;
                } finally {
                    chunk.release();
                }
            }
            return n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
        }

        private void reserve(int bytes, long deadline) {
            if (bytes == 0) return;
            long waitMs = Math.max(0, Math.min(MEMORY_WAIT_MS, (deadline - System.nanoTime()) / 1_000_000));
            boolean got;
            try {
                got = bodyBytes.tryAcquire(bytes, waitMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(503, "the server is shutting down");
            }
            if (!got) {
                metrics.refused("memory");
                throw new ApiException(503, "server busy: request bodies in memory are at this server's limit of " + budget
                        + " bytes; try again shortly");
            }
            held += bytes;
        }

        private Content.Chunk next(Request request, long deadline) { return Admission.this.next(request, deadline, metrics); }

        private ApiException tooLarge(String size, long limit) {
            return new ApiException(413, "request body of " + size + " is over this server's limit of " + limit + " bytes");
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            if (held > 0) bodyBytes.release(held);
            held = 0;
            if (admitted) requests.release();
            present.decrementAndGet();
        }
    }

    /**
     * The next chunk of the body, waiting at most until the deadline (408 past it or on the idle timeout, counted as a
     * "timeout" refusal unless metrics is null: a body drained after another refusal is that refusal's); 499 (client
     * gone) when the client closed its connection before the body's end.
     */
    private Content.Chunk next(Request request, long deadline, ServerMetrics metrics) {
        while (true) {
            if (stopping) throw new ApiException(503, Cancellation.SHUTTING_DOWN);
            Content.Chunk chunk = request.read();
            if (chunk != null) {
                if (Content.Chunk.isFailure(chunk)) {
                    if (stopping) throw new ApiException(503, Cancellation.SHUTTING_DOWN);
                    Throwable f = chunk.getFailure();
                    if (f instanceof java.util.concurrent.TimeoutException || !chunk.isLast()) {
                        if (metrics != null) metrics.refused("timeout");
                        throw new ApiException(408, "the request body did not arrive in time (the connection was idle too long)");
                    }
                    if (f instanceof org.eclipse.jetty.io.EofException) {
                        // the client closed its connection halfway through the upload (Jetty's "Early EOF"): nobody is
                        // left to answer, so it is recorded as a client gone (499), not as a bad request of the client's
                        throw new ApiException(Cancellation.CLIENT_GONE,
                                "client gone: the connection closed before the whole request body had arrived");
                    }
                    throw new ApiException(400, "the request body could not be read: " + f.getMessage());
                }
                return chunk;
            }
            long left = deadline - System.nanoTime();
            CountDownLatch ready = new CountDownLatch(1);
            reading.add(ready);
            boolean came;
            try {
                if (stopping) throw new ApiException(503, Cancellation.SHUTTING_DOWN);
                request.demand(ready::countDown);
                came = left > 0 && ready.await(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(503, "the server is shutting down");
            } finally {
                reading.remove(ready);
            }
            if (stopping) throw new ApiException(503, Cancellation.SHUTTING_DOWN);
            if (!came) {
                if (metrics != null) metrics.refused("timeout");
                throw new ApiException(408, "the request body did not arrive within the body timeout");
            }
        }
    }

    private static boolean expectsContinue(Request request) {
        return request.getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString());
    }

    /**
     * Reads and drops what the client is still sending, up to a bound, so that it gets to read the answer. The
     * request is already refused (busy, too_large): a body that then stops arriving is no second refusal.
     */
    private void drain(Request request, long deadline, long cap) {
        long read = 0;
        try {
            while (read < cap) {
                Content.Chunk chunk = next(request, deadline, null);
                read += chunk.remaining();
                boolean last = chunk.isLast();
                chunk.release();
                if (last) return;
            }
        } catch (ApiException timedOut) {
            // the refusal is still the answer; the connection closes after it
        }
    }
}
