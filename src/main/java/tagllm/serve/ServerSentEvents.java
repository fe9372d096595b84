package tagllm.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Streaming generation ({@code "stream": true}): text/event-stream with one {@code token} event per decoded piece
 * ({"index": i, "text": "..."}), then one {@code done} event with the whole outputs, or an {@code error} event.
 *
 * <p>The model runs on its own thread and hands pieces over through a queue; this thread writes them. So a client
 * that reads slowly never holds the model (its connection is dropped at the idle timeout instead). A request
 * refused before its first piece (unknown task, bad field) still gets its plain JSON error and status.
 */
final class ServerSentEvents {
    private record Piece(int index, String text) {}

    private record End(TagService.Generations result, ApiException refused, Throwable failed) {}

    private final Response response;
    private final ServerOptions options;
    private final Cancellation cancel;

    ServerSentEvents(Response response, ServerOptions options, Cancellation cancel) {
        this.response = response;
        this.options = options;
        this.cancel = cancel;
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
                events.add(new End(service.generate(task, inputs, decoding, (i, text) -> events.add(new Piece(i, text)), cancel), null, null));
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
        Object e = first;
        while (true) {
            if (e instanceof Piece p) {
                ObjectNode o = RequestBodies.JSON.createObjectNode().put("index", p.index()).put("text", p.text());
                write("token", o, false);
            } else if (e instanceof End end) {
                if (end.result() != null) {
                    ObjectNode o = RequestBodies.JSON.createObjectNode().put("task", end.result().task());
                    if (task.tagSet() != null) o.put("tag_set", task.tagSet());
                    ArrayNode a = o.putArray("outputs");
                    end.result().texts().forEach(a::add);
                    write("done", o, true);
                    return new ApiHandlerOutcome(200);
                }
                String message = end.refused() != null ? end.refused().getMessage() : "internal error while generating; the details are in the server log";
                write("error", ApiHandler.error(message), true);
                if (end.failed() != null) {
                    java.io.StringWriter trace = new java.io.StringWriter();
                    end.failed().printStackTrace(new java.io.PrintWriter(trace));
                    options.log().accept("internal error while streaming " + task.name() + ":\n" + trace);
                    return new ApiHandlerOutcome(500);
                }
                return new ApiHandlerOutcome(end.refused().status());
            }
            e = events.take();
        }
    }

    /** A write that fails means the client closed or stopped reading (the idle timeout): the model stops too. */
    private void write(String event, ObjectNode data, boolean last) throws java.io.IOException {
        String text = "event: " + event + "\ndata: " + RequestBodies.JSON.writeValueAsString(data) + "\n\n";
        try {
            ApiHandler.writeBlocking(response, last, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.io.IOException e) {
            cancel.cancel("the stream could not be written (" + e.getClass().getSimpleName() + ")");
            cancel.check();
        }
    }

    /** The status the access log records for a stream. */
    record ApiHandlerOutcome(int status) {}
}
