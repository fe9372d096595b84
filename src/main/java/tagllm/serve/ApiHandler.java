package tagllm.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Routes the API's endpoints and turns every outcome into an answer: refusals into {"error": ...} with their
 * status, anything unexpected into a 500 whose details go to the server log only.
 *
 * <p>At the door, before any body byte is read: the access token (when set), admission ({@link Admission}: at
 * most {@code queue} API requests whose body has arrived in the server, beyond that 503 with Retry-After; a request
 * still uploading holds no place). The body's buffer is charged
 * to a server-wide budget (min(declared length, 8 KiB) once the header is read, then as it doubles with the bytes
 * that arrive), so memory for bodies stays under twice the body limit whatever the number of clients, and a slow
 * upload holds at most 8 KiB or twice what it has sent, not its declared length. The body must arrive within the body timeout (408 otherwise).
 */
final class ApiHandler extends Handler.Abstract {
    private static final String ENDPOINTS = "GET /health, GET /metrics, GET /openapi.json, GET /v1/tag-sets, GET /v1/tasks, POST /v1/predict, POST /v1/generate";
    private static final Set<String> KNOWN = Set.of("/health", "/metrics", "/openapi.json", "/v1/tag-sets", "/v1/tasks", "/v1/predict", "/v1/generate");

    private final TagService service;
    private final ServerOptions options;
    private final Admission admission;
    private final ServerMetrics metrics;
    private final AtomicLong errorIds = new AtomicLong();
    /** The cancellations of the API requests in the server: stopping refuses those waiting, then the rest. */
    private final Set<Cancellation> active = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private final byte[] token;

    ApiHandler(TagService service, ServerOptions options, Admission admission, ServerMetrics metrics) {
        this.service = service;
        this.options = options;
        this.admission = admission;
        this.metrics = metrics;
        this.token = options.token() == null ? null : options.token().getBytes(StandardCharsets.UTF_8);
    }

    /** What a handled request ends as: its status, and whether the answer was already written (streaming). */
    private record Outcome(int status, ObjectNode body, boolean written) {}

    /**
     * Counts one request in /metrics, once, before the write that completes its answer: counted after the write, a
     * client could read its answer and scrape /metrics before its request was counted. A request that ends with
     * nothing written (its client gone, or a failure once the answer had begun) is counted when it ends.
     */
    private final class Tally {
        private final String endpoint;
        private final long t0;
        private boolean counted;

        Tally(String path, long t0) {
            this.endpoint = KNOWN.contains(path) ? path : "other";
            this.t0 = t0;
        }

        void count(int status) {
            if (counted) return;
            counted = true;
            metrics.answered(endpoint, status, (System.nanoTime() - t0) / 1e9);
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long t0 = System.nanoTime();
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        String path = request.getHttpURI().getPath();
        if (path == null) path = "/";
        Tally tally = new Tally(path, t0);
        int status;
        String note = "";
        try {
            Outcome o = route(request, response, method, path, tally);
            status = o.status();
            if (stopping && !o.written()) response.getHeaders().put(HttpHeader.CONNECTION, "close");
            if (!o.written()) {
                closeIfBodyUnread(request, response);
                tally.count(o.status());
                send(response, o.status(), o.body(), callback);
            } else {
                callback.succeeded();
            }
        } catch (ApiException e) {
            status = e.status();
            if (status == Cancellation.CLIENT_GONE) {
                // nobody to answer: failing the callback closes what is left of the connection
                note = " (" + e.getMessage() + ")";
                callback.failed(e);
                return logged(method, path, status, t0, tally, note);
            }
            if (status == 503) response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            if (status == 408 || status == 413 || stopping) response.getHeaders().put(HttpHeader.CONNECTION, "close");
            closeIfBodyUnread(request, response);
            tally.count(status);
            send(response, status, error(e.getMessage()), callback);
        } catch (Throwable e) {
            String message = internalError(method, path, e);
            status = 500;
            if (response.isCommitted()) {
                callback.failed(e);
            } else {
                closeIfBodyUnread(request, response);
                tally.count(500);
                send(response, 500, error(message), callback);
            }
        }
        return logged(method, path, status, t0, tally, note);
    }

    /**
     * Logs an internal error with its stack trace under a new number and returns the client's message, which names
     * only that number: a 500's body, or a stream's error event once its events have begun.
     */
    private String internalError(String method, String path, Throwable e) {
        long id = errorIds.incrementAndGet();
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        options.log().accept("internal error #" + id + " in " + method + " " + path + ":\n" + trace);
        return "internal error #" + id + " while handling " + method + " " + path + "; the details are in the server log";
    }

    /** Set on a request whose whole body has been read. */
    private static final String BODY_READ = "tagllm.bodyRead";

    /**
     * Connection: close on an answer to a request whose body was not read (refused before it: 401, 404, 405, a 500):
     * Jetty then drops what has arrived of it and, when the rest has not, closes the connection after the answer
     * (its bytes must not be read as the next request). Without the header the client was not told, reused the
     * connection and had its next request fail on the close.
     */
    private static void closeIfBodyUnread(Request request, Response response) {
        if (request.getAttribute(BODY_READ) != null) return;
        HttpFields h = request.getHeaders();
        long length = h.getLongField(HttpHeader.CONTENT_LENGTH);
        if (length > 0 || h.contains(HttpHeader.TRANSFER_ENCODING)) response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }

    /**
     * The server stops: requests still waiting for the model are answered 503 "the server is shutting down" at once
     * (so are requests that arrive from now on), and the connections close after their answers. Requests whose
     * model work has begun go on until {@link #cancelRunning}.
     */
    void beginStopping() {
        stopping = true; // before the registry is read; a request registers before it reads the flag
        admission.stopReading();
        for (Cancellation c : active) c.cancelForShutdownIfWaiting();
    }

    /** After the grace: the requests still running stop between tokens or batches and are answered 503 as well. */
    int cancelRunning() {
        int n = 0;
        for (Cancellation c : active) {
            if (!c.isCancelled()) n++;
            c.cancelForShutdown();
        }
        return n;
    }

    /** Logs the request; counts it in /metrics unless its answer did (the count then holds that answer's status). */
    private boolean logged(String method, String path, int status, long t0, Tally tally, String note) {
        double seconds = (System.nanoTime() - t0) / 1e9;
        tally.count(status);
        options.log().accept(String.format(Locale.ROOT, "%s %s %d %.1f ms%s", method, path, status, seconds * 1e3, note));
        return true;
    }

    private Outcome route(Request request, Response response, String method, String path, Tally tally) throws Exception {
        if (method.equals("OPTIONS")) return options(response, path, tally);
        switch (path) {
            case "/health" -> {
                allow(response, method, path, "GET");
                // a load balancer or orchestrator reads /health to route traffic: while stopping, say so (503), so
                // that it sends no more requests here rather than ones this server will refuse
                return stopping ? new Outcome(503, health("stopping"), false) : ok(health("ok"));
            }
            case "/openapi.json" -> {
                allow(response, method, path, "GET");
                return ok(OpenApi.document(service, options));
            }
            case "/metrics" -> {
                allow(response, method, path, "GET");
                authorize(request, response);
                byte[] text = metrics.scrape();
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, metrics.contentType());
                tally.count(200);
                writeBlocking(response, true, ByteBuffer.wrap(text));
                return new Outcome(200, null, true);
            }
            case "/v1/tasks" -> {
                allow(response, method, path, "GET");
                authorize(request, response);
                return ok(tasks());
            }
            case "/v1/tag-sets" -> {
                allow(response, method, path, "GET");
                authorize(request, response);
                return ok(tagSets());
            }
            case "/v1/predict", "/v1/generate" -> {
                allow(response, method, path, "POST");
                authorize(request, response);
                try (Admission.Ticket ticket = admission.enter(request, response, options, metrics)) {
                    byte[] bytes = ticket.readBody(request, options);
                    request.setAttribute(BODY_READ, Boolean.TRUE);
                    ticket.admit(); // a place in the queue only now: a slow upload holds none
                    RequestBodies.requireJson(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
                    ObjectNode body = RequestBodies.parseObject(bytes);
                    Cancellation cancel = new Cancellation();
                    active.add(cancel); // before stopping is read: see beginStopping
                    try {
                        if (stopping) cancel.cancelForShutdown();
                        cancel.check();
                        // closed before the answer completes: Jetty closes a connection that still has a reader
                        try (ClientWatch watch = ClientWatch.start(request, cancel)) {
                            Outcome o = path.equals("/v1/predict") ? ok(predict(body, cancel)) : generate(body, request, response, cancel, watch, tally);
                            // a stream stopped the watch before its last write and closed its connection itself
                            if (!o.written() && watch.stopAndSawPipelinedBytes()) response.getHeaders().put(HttpHeader.CONNECTION, "close");
                            return o;
                        }
                    } finally {
                        active.remove(cancel);
                    }
                }
            }
            default -> throw new ApiException(404, "no endpoint " + path + " (endpoints: " + ENDPOINTS + ")");
        }
    }

    private static Outcome ok(ObjectNode body) { return new Outcome(200, body, false); }

    /** The methods a path takes, as an Allow header says them. */
    private static String allowHeader(String path) {
        return path.equals("/v1/predict") || path.equals("/v1/generate") ? "POST, OPTIONS" : "GET, HEAD, OPTIONS";
    }

    /**
     * OPTIONS (RFC 9110 9.3.7): 204 with the methods the path takes in Allow ("OPTIONS *": every method the server
     * takes). No token is needed: it tells nothing the 405 would not, and a browser's preflight carries none.
     */
    private static Outcome options(Response response, String path, Tally tally) throws IOException {
        if (!path.equals("*") && !KNOWN.contains(path)) throw new ApiException(404, "no endpoint " + path + " (endpoints: " + ENDPOINTS + ")");
        response.setStatus(204);
        response.getHeaders().put(HttpHeader.ALLOW, path.equals("*") ? "GET, HEAD, POST, OPTIONS" : allowHeader(path));
        tally.count(204);
        writeBlocking(response, true, ByteBuffer.allocate(0));
        return new Outcome(204, null, true);
    }

    private static void allow(Response response, String method, String path, String allowed) {
        if (method.equals("HEAD") && allowed.equals("GET")) return; // Jetty sends the headers of a HEAD answer, not its body
        if (!method.equals(allowed)) {
            response.getHeaders().put(HttpHeader.ALLOW, allowHeader(path));
            throw new ApiException(405, path + " takes " + allowed + ", not " + method);
        }
    }

    /** With a token set, every endpoint but /health and /openapi.json needs "Authorization: Bearer TOKEN". */
    private void authorize(Request request, Response response) {
        if (token == null) return;
        String h = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        byte[] given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, token)) { // constant time: the comparison does not leak the token
            metrics.refused("unauthorized");
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer"); // RFC 9110: a 401 names its scheme
            throw new ApiException(401, h == null ? "this server needs an access token: send the header 'Authorization: Bearer TOKEN'"
                    : "the access token is not this server's");
        }
    }

    private ObjectNode health(String status) {
        ObjectNode o = RequestBodies.JSON.createObjectNode();
        o.put("status", status);
        o.put("model", service.modelName());
        o.put("fingerprint", service.modelFingerprint());
        o.put("tasks", service.tasks().size());
        ArrayNode sets = o.putArray("tag_sets");
        service.tagSets().forEach(t -> sets.add(t.name()));
        return o;
    }

    private ObjectNode tagSets() {
        ObjectNode o = RequestBodies.JSON.createObjectNode();
        o.put("model", service.modelName());
        ArrayNode a = o.putArray("tag_sets");
        for (TagSetInfo t : service.tagSets()) {
            ObjectNode n = a.addObject();
            n.put("name", t.name());
            ArrayNode files = n.putArray("files");
            t.files().forEach(files::add);
            ArrayNode tasks = n.putArray("tasks");
            t.tasks().forEach(tasks::add);
            ObjectNode notServed = n.putObject("not_served");
            t.notServed().forEach(notServed::put);
        }
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
            if (t.tagSet() != null) n.put("tag_set", t.tagSet());
        }
        return o;
    }

    private ObjectNode predict(ObjectNode body, Cancellation cancel) {
        RequestBodies.allowOnly(body, Set.of("task", "tag_set", "inputs"), Set.copyOf(DECODING));
        TaskInfo task = task(body);
        // a regression or classification task generates nothing: a decoding field would be taken and change nothing
        String nothing = task.type().generatesNothing(task.name());
        for (String field : DECODING) {
            if (nothing != null && body.has(field)) throw ApiException.badRequest(field + ": " + nothing + " (leave out " + field + ")");
        }
        List<Map<String, String>> inputs = RequestBodies.inputs(body, task, options.maxInputs());
        if (task.type() == tagllm.task.TaskType.CLASSIFICATION) return classify(task, inputs, cancel);
        TagService.Predictions p = service.predict(task, inputs, cancel);
        metrics.answeredInputs(task, inputs.size());
        ObjectNode o = RequestBodies.JSON.createObjectNode();
        o.put("task", p.task());
        if (task.tagSet() != null) o.put("tag_set", task.tagSet());
        ArrayNode a = o.putArray("predictions");
        List<String> errors = new java.util.ArrayList<>();
        for (double v : p.values()) {
            // JSON has no NaN or Infinity: an unusable value is null, and "errors" says why, as predict and Spark do
            if (Double.isFinite(v)) {
                a.add(v);
                errors.add(null);
            } else {
                a.addNull();
                errors.add(tagllm.task.TagPredictor.nonFiniteError(v));
            }
        }
        if (errors.stream().anyMatch(java.util.Objects::nonNull)) {
            ArrayNode e = o.putArray("errors");
            for (String m : errors) {
                if (m == null) e.addNull();
                else e.add(m);
            }
        }
        return o;
    }

    /**
     * {"task", "classes", "predictions": [most probable class], "probabilities": [{class: p}]} for a classification
     * task, and "errors" when some input's probabilities are not finite (its prediction and probabilities are null).
     */
    private ObjectNode classify(TaskInfo task, List<Map<String, String>> inputs, Cancellation cancel) {
        TagService.Classifications c = service.classify(task, inputs, cancel);
        metrics.answeredInputs(task, inputs.size());
        ObjectNode o = RequestBodies.JSON.createObjectNode();
        o.put("task", c.task());
        if (task.tagSet() != null) o.put("tag_set", task.tagSet());
        ArrayNode classes = o.putArray("classes");
        c.classes().forEach(classes::add);
        ArrayNode labels = o.putArray("predictions");
        ArrayNode probs = o.putArray("probabilities");
        List<String> errors = new java.util.ArrayList<>();
        for (int i = 0; i < c.probabilities().length; i++) {
            double[] row = c.probabilities()[i];
            // JSON has no NaN: probabilities that are not all finite are no prediction, and "errors" says why, as predict and Spark do
            String error = tagllm.task.TagPredictor.nonFiniteProbabilitiesError(row);
            errors.add(error);
            if (error != null) {
                labels.addNull();
                probs.addNull();
                continue;
            }
            labels.add(c.labels().get(i));
            ObjectNode p = probs.addObject();
            for (int k = 0; k < row.length; k++) p.put(c.classes().get(k), row[k]);
        }
        if (errors.stream().anyMatch(java.util.Objects::nonNull)) {
            ArrayNode e = o.putArray("errors");
            for (String m : errors) {
                if (m == null) e.addNull();
                else e.add(m);
            }
        }
        return o;
    }

    /** generate's fields beyond the task and its inputs: predict refuses them on a task that generates nothing. */
    private static final List<String> DECODING = List.of("max_tokens", "temperature", "top_k", "top_p", "seed", "stream");

    /**
     * watch: stopped before a stream's last write, which completes the answer inside this call. A stream's headers
     * are sent before it ends, so when the watch dropped a pipelined request meanwhile the answer cannot say
     * Connection: close: the connection is shut after the stream instead, which tells the client to send it again.
     */
    private Outcome generate(ObjectNode body, Request request, Response response, Cancellation cancel, ClientWatch watch, Tally tally) throws Exception {
        RequestBodies.allowOnly(body, Set.of("task", "tag_set", "inputs", "max_tokens", "temperature", "top_k", "top_p", "seed", "stream"));
        TaskInfo task = task(body);
        int maxTokens = RequestBodies.optionalInt(body, "max_tokens", Math.min(ServerOptions.DEFAULT_NEW_TOKENS, options.maxTokens()),
                1, options.maxTokens());
        var builder = TagService.Decoding.builder(maxTokens);
        if (body.hasNonNull("temperature")) builder.temperature(RequestBodies.optionalDouble(body, "temperature", 0, 0, 100));
        if (body.hasNonNull("top_k")) builder.topK(RequestBodies.optionalInt(body, "top_k", 0, 0, Integer.MAX_VALUE));
        if (body.hasNonNull("top_p")) builder.topP(RequestBodies.optionalDouble(body, "top_p", 1, Double.MIN_VALUE, 1));
        if (body.hasNonNull("seed")) builder.seed(RequestBodies.optionalLong(body, "seed", 0));
        boolean stream = RequestBodies.optionalBoolean(body, "stream", false);
        TagService.Decoding decoding;
        try {
            decoding = builder.build(); // refuses top_k, top_p or seed beside greedy decoding, as the Java API does
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        List<Map<String, String>> inputs = RequestBodies.inputs(body, task, options.maxInputs());
        if (!stream) {
            TagService.Generations g = service.generate(task, inputs, decoding, null, cancel);
            metrics.answeredInputs(task, inputs.size());
            ObjectNode o = RequestBodies.JSON.createObjectNode();
            o.put("task", g.task());
            if (task.tagSet() != null) o.put("tag_set", task.tagSet());
            putOutputs(o, g);
            return ok(o);
        }
        boolean[] pipelined = new boolean[1];
        int status = new ServerSentEvents(response, cancel, last -> {
            pipelined[0] = watch.stopAndSawPipelinedBytes();
            tally.count(last);
        }, failure -> internalError("POST", "/v1/generate", failure)).run(service, task, inputs, decoding).status();
        if (pipelined[0]) request.getConnectionMetaData().getConnection().getEndPoint().shutdownOutput();
        if (status == 200) metrics.answeredInputs(task, inputs.size());
        return new Outcome(status, null, true);
    }

    /** The task and its tag set: "tag_set" may be left out when only one loaded set serves the task. */
    private TaskInfo task(ObjectNode body) {
        String tagSet = body.hasNonNull("tag_set") ? RequestBodies.requiredName(body, "tag_set") : null;
        if (!body.hasNonNull("task")) return service.task(tagSet, null); // its 400 lists the served tasks
        return service.task(tagSet, RequestBodies.requiredName(body, "task"));
    }

    /**
     * The outputs of a generate answer (plain or the stream's done event) and, beside them, why each ended:
     * stop_reasons[i] is "eos", "newline", "max_tokens" or "context" (the last: the model's context ended
     * outputs[i] before max_tokens and before the model did), as errors sits beside predictions.
     */
    static void putOutputs(ObjectNode o, TagService.Generations g) {
        ArrayNode a = o.putArray("outputs");
        g.texts().forEach(a::add);
        ArrayNode r = o.putArray("stop_reasons");
        g.stopReasons().forEach(reason -> r.add(reason.name().toLowerCase(java.util.Locale.ROOT)));
    }

    static ObjectNode error(String message) {
        return RequestBodies.JSON.createObjectNode().put("error", message);
    }

    /** Writes a JSON answer and completes the request; a client that has gone away only fails the callback. */
    private static void send(Response response, int status, ObjectNode body, Callback callback) {
        byte[] bytes;
        try {
            bytes = RequestBodies.JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            callback.failed(e);
            return;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    /** Writes and waits until written (the answer's buffer stays bounded even for a slow reader). */
    static void writeBlocking(Response response, boolean last, ByteBuffer bytes) throws IOException {
        try (Blocker.Callback cb = Blocker.callback()) {
            response.write(last, bytes, cb);
            cb.block();
        }
    }
}
