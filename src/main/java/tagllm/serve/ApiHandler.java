package tagllm.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Routes the API's four endpoints and turns every outcome into a JSON answer: refusals into
 * {"error": ...} with their status, anything unexpected into a 500 whose details go to the server log only.
 */
final class ApiHandler implements HttpHandler {
    /** Most bytes of an oversized body read (and dropped) before answering 413; beyond, the connection is cut. */
    private static final long DRAIN_BYTES = 64L << 20;
    private static final String ENDPOINTS = "GET /health, GET /v1/tasks, POST /v1/predict, POST /v1/generate";

    private final TagService service;
    private final ServerOptions options;
    private final AtomicLong errorIds = new AtomicLong();

    ApiHandler(TagService service, ServerOptions options) {
        this.service = service;
        this.options = options;
    }

    @Override
    public void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = ex.getRequestURI().getPath();
        int status;
        try {
            ObjectNode answer = route(ex, method, path);
            status = send(ex, 200, answer);
        } catch (ApiException e) {
            status = send(ex, e.status(), error(e.getMessage()));
        } catch (Throwable e) {
            long id = errorIds.incrementAndGet();
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            options.log().accept("internal error #" + id + " in " + method + " " + path + ":\n" + trace);
            status = send(ex, 500, error("internal error #" + id + " while handling " + method + " " + path
                    + "; the details are in the server log"));
        } finally {
            ex.close();
        }
        options.log().accept(String.format(Locale.ROOT, "%s %s %d %.1f ms", method, path, status, (System.nanoTime() - t0) / 1e6));
    }

    private ObjectNode route(HttpExchange ex, String method, String path) throws IOException {
        return switch (path) {
            case "/health" -> {
                allow(ex, method, "GET");
                yield health();
            }
            case "/v1/tasks" -> {
                allow(ex, method, "GET");
                yield tasks();
            }
            case "/v1/predict" -> {
                allow(ex, method, "POST");
                yield predict(RequestBodies.parseObject(body(ex)));
            }
            case "/v1/generate" -> {
                allow(ex, method, "POST");
                yield generate(RequestBodies.parseObject(body(ex)));
            }
            default -> throw new ApiException(404, "no endpoint " + path + " (endpoints: " + ENDPOINTS + ")");
        };
    }

    private static void allow(HttpExchange ex, String method, String allowed) {
        if (!method.equals(allowed)) {
            ex.getResponseHeaders().set("Allow", allowed);
            throw new ApiException(405, ex.getRequestURI().getPath() + " takes " + allowed + ", not " + method);
        }
    }

    /** The body, refused with 413 past the limit; never holds more than limit + 1 bytes of it. */
    private byte[] body(HttpExchange ex) throws IOException {
        long limit = options.maxBodyBytes();
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        try (InputStream in = ex.getRequestBody()) {
            if (declared != null) {
                long n;
                try {
                    n = Long.parseLong(declared.trim());
                } catch (NumberFormatException e) {
                    throw ApiException.badRequest("Content-Length: not a number: '" + declared + "'");
                }
                if (n > limit) {
                    discard(in, limit);
                    throw tooLarge(n + " bytes");
                }
            }
            byte[] b = in.readNBytes((int) limit + 1);
            if (b.length > limit) {
                discard(in, limit);
                throw tooLarge("more than " + limit + " bytes");
            }
            return b;
        }
    }

    /**
     * Reads and drops what the client is still sending (up to a bound), so that it gets to read the 413: a
     * connection closed while it is sending is a reset to most clients, with the answer lost.
     */
    private static void discard(InputStream in, long limit) throws IOException {
        long cap = Math.max(DRAIN_BYTES, 4 * limit);
        byte[] buf = new byte[64 * 1024];
        for (long read = 0; read < cap; ) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, cap - read));
            if (r < 0) return;
            read += r;
        }
    }

    private ApiException tooLarge(String size) {
        return new ApiException(413, "request body of " + size + " is over this server's limit of " + options.maxBodyBytes() + " bytes");
    }

    private ObjectNode health() {
        ObjectNode o = RequestBodies.JSON.createObjectNode();
        o.put("status", "ok");
        o.put("model", service.modelName());
        o.put("fingerprint", service.modelFingerprint());
        o.put("tasks", service.tasks().size());
        return o;
    }

    private ObjectNode tasks() {
        ObjectNode o = RequestBodies.JSON.createObjectNode();
        o.put("model", service.modelName());
        ArrayNode a = o.putArray("tasks");
        for (TaskInfo t : service.tasks()) {
            ObjectNode n = a.addObject();
            n.put("name", t.name());
            n.put("kind", t.kind());
            n.put("template", t.template());
            ObjectNode tags = n.putObject("tags");
            t.tags().forEach(tags::put);
            ArrayNode fields = n.putArray("fields");
            t.fields().forEach(fields::add);
            n.put("source", t.source());
        }
        return o;
    }

    private ObjectNode predict(ObjectNode body) {
        RequestBodies.allowOnly(body, Set.of("task", "inputs"));
        TaskInfo task = task(body);
        List<Map<String, String>> inputs = RequestBodies.inputs(body, task, options.maxInputs());
        TagService.Predictions p = service.predict(task.name(), inputs);
        ObjectNode o = RequestBodies.JSON.createObjectNode();
        o.put("task", p.task());
        ArrayNode a = o.putArray("predictions");
        for (double v : p.values()) {
            // JSON has no NaN or Infinity: an unusable value is null rather than a token clients cannot parse.
            if (Double.isFinite(v)) a.add(v);
            else a.addNull();
        }
        return o;
    }

    private ObjectNode generate(ObjectNode body) {
        RequestBodies.allowOnly(body, Set.of("task", "inputs", "max_tokens"));
        TaskInfo task = task(body);
        int maxTokens = RequestBodies.optionalInt(body, "max_tokens", Math.min(ServerOptions.DEFAULT_NEW_TOKENS, options.maxTokens()),
                1, options.maxTokens());
        List<Map<String, String>> inputs = RequestBodies.inputs(body, task, options.maxInputs());
        TagService.Generations g = service.generate(task.name(), inputs, maxTokens);
        ObjectNode o = RequestBodies.JSON.createObjectNode();
        o.put("task", g.task());
        ArrayNode a = o.putArray("outputs");
        g.texts().forEach(a::add);
        return o;
    }

    private TaskInfo task(ObjectNode body) {
        if (!body.hasNonNull("task")) return service.task(null); // its 400 lists the served tasks
        return service.task(RequestBodies.requiredString(body, "task"));
    }

    private static ObjectNode error(String message) {
        return RequestBodies.JSON.createObjectNode().put("error", message);
    }

    /** Writes the answer; a client that has gone away is only logged. Returns the status for the access log. */
    private int send(HttpExchange ex, int status, ObjectNode body) {
        try {
            byte[] bytes = RequestBodies.JSON.writeValueAsBytes(body);
            ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            if (status == 503) ex.getResponseHeaders().set("Retry-After", "1");
            if (ex.getRequestMethod().equalsIgnoreCase("HEAD")) {
                ex.sendResponseHeaders(status, -1);
                return status;
            }
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            options.log().accept("could not answer " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + ": " + e.getMessage());
        }
        return status;
    }
}
