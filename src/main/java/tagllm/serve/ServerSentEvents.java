package tagllm.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streaming generation ({@code "stream": true}): text/event-stream with one {@code token} event per decoded piece
 * ({"index": i, "text": "..."}), then one {@code done} event with the whole outputs, or an {@code error} event.
 *
 * <p>The model runs on its own thread and hands pieces over through a queue; this thread writes them. So a client
 * that reads slowly never holds the model. A client that stops reading without closing would still have the
 * model generate for it until a write fails at the idle timeout, its events piling up meanwhile (a socket buffer
 * takes megabytes first): so the stream's send buffer is kept small, and once more than {@link #MAX_UNWRITTEN}
 * bytes of events wait to be written the request is cancelled and its connection closed. A request refused
 * before its first piece (unknown task, bad field) still gets its plain JSON error and status.
 */
final class ServerSentEvents {
    /** Most bytes of token events produced but not yet written (some 20,000 pieces): a reader keeps far closer. */
    static final long MAX_UNWRITTEN = 1 << 20;
    /**
     * The send buffer of a streaming connection. Left to the kernel it grows to megabytes, which a client that
     * stopped reading absorbs before any write blocks; this still holds a few hundred pieces, plenty for a reader.
     */
    private static final int SEND_BUFFER = 64 * 1024;

    /** One token event, encoded by the model thread so that its bytes can be counted. */
    private record Piece(byte[] event) {}

    private record End(TagService.Generations result, ApiException refused, Throwable failed) {}

    private final Response response;
    private final Cancellation cancel;
    private final AtomicLong unwritten = new AtomicLong();
    private final java.util.function.IntConsumer beforeLast;
    private final java.util.function.Function<Throwable, String> internalError;

    /**
     * beforeLast runs before the write that completes the answer, with the status the stream ends as (200 after
     * done, the refusal's or 500 after error): the request's ClientWatch must be withdrawn by then, or Jetty closes
     * the connection (keep-alive lost) and a client reusing it gets no answer to its next request; and the request
     * is counted in /metrics by then, so that a client that has read the whole stream finds it counted.
     * internalError logs a failure once events were sent under a new internal error number and returns the error
     * event's message, which names only that number (as a 500's body does).
     */
    ServerSentEvents(Response response, Cancellation cancel, java.util.function.IntConsumer beforeLast,
                     java.util.function.Function<Throwable, String> internalError) {
        this.response = response;
        this.cancel = cancel;
        this.beforeLast = beforeLast;
        this.internalError = internalError;
    }

    /** Streams the generation; returns the outcome for the access log (200, or the status of a refusal). */
    ApiHandlerOutcome run(TagService service, TaskInfo task, List<Map<String, String>> inputs, TagService.Decoding decoding) throws Exception {
        try {
            return stream(service, task, inputs, decoding);
        } catch (Throwable t) {
            cancel.cancel("the stream ended early"); // nobody will write what the model thread would still produce
            throw t;
        }
    }

    private ApiHandlerOutcome stream(TagService service, TaskInfo task, List<Map<String, String>> inputs, TagService.Decoding decoding) throws Exception {
        LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        Thread.ofVirtual().name("tagllm-generate").start(() -> {
            try {
                events.add(new End(service.generate(task, inputs, decoding, (i, text) -> offer(events, i, text), cancel), null, null));
            } catch (ApiException e) {
                events.add(new End(null, e, null));
            } catch (Throwable t) {
                events.add(new End(null, null, t));
            }
        });
        Object first = events.take();
        if (first instanceof End end && end.result() == null) {
            if (end.refused() != null) throw end.refused(); // nothing sent yet: a plain JSON error with its status
            throw new IllegalStateException("generation failed", end.failed());
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        limitSendBuffer();
        Object e = first;
        while (true) {
            if (e instanceof Piece p) {
                write(p.event(), -1);
                unwritten.addAndGet(-p.event().length);
            } else if (e instanceof End end) {
                if (end.result() != null) {
                    ObjectNode o = RequestBodies.JSON.createObjectNode().put("task", end.result().task());
                    if (task.tagSet() != null) o.put("tag_set", task.tagSet());
                    ApiHandler.putOutputs(o, end.result());
                    write("done", o, 200);
                    return new ApiHandlerOutcome(200);
                }
                // logged before the event is written: a client that reads the number finds it in the log
                String message = end.refused() != null ? end.refused().getMessage() : internalError.apply(end.failed());
                int status = end.refused() != null ? end.refused().status() : 500;
                write("error", ApiHandler.error(message), status);
                return new ApiHandlerOutcome(status);
            }
            e = events.take();
        }
    }

    /** Queues a token event for the writer, or cancels the request when the client is too far behind. */
    private void offer(LinkedBlockingQueue<Object> events, int index, String text) {
        byte[] event = encode("token", RequestBodies.JSON.createObjectNode().put("index", index).put("text", text));
        if (unwritten.addAndGet(event.length) > MAX_UNWRITTEN) {
            cancel.cancel("the client is not reading: more than " + MAX_UNWRITTEN + " bytes of events wait to be written");
            // the writer is blocked on a full socket: closing ends its write now rather than at the idle timeout
            endPoint().close();
            return; // generation stops at its next check
        }
        events.add(new Piece(event));
    }

    private EndPoint endPoint() { return response.getRequest().getConnectionMetaData().getConnection().getEndPoint(); }

    private void limitSendBuffer() {
        if (!(endPoint() instanceof SocketChannelEndPoint s)) return;
        try {
            s.getChannel().setOption(StandardSocketOptions.SO_SNDBUF, SEND_BUFFER);
        } catch (IOException | UnsupportedOperationException e) {
            // a connection already closed: the first write fails and says so
        }
    }

    private static byte[] encode(String event, ObjectNode data) {
        try {
            return ("event: " + event + "\ndata: " + RequestBodies.JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // Jackson writing its own tree to a string
        }
    }

    /** The last event of the stream, which ends as endStatus. */
    private void write(String event, ObjectNode data, int endStatus) throws IOException {
        write(encode(event, data), endStatus);
    }

    /**
     * An event; endStatus -1 for a token, else this is the last write and the stream ends as that status. A write
     * that fails means the client closed or stopped reading (the idle timeout): the model stops too.
     */
    private void write(byte[] event, int endStatus) throws IOException {
        boolean last = endStatus >= 0;
        try {
            if (last) beforeLast.accept(endStatus);
            ApiHandler.writeBlocking(response, last, ByteBuffer.wrap(event));
        } catch (IOException e) {
            cancel.cancel("the stream could not be written (" + e.getClass().getSimpleName() + ")");
            cancel.check();
        }
    }

    /** The status the access log records for a stream. */
    record ApiHandlerOutcome(int status) {}
}
