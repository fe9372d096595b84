package tagllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.Presets;
import tagllm.testutil.Shared;

import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/**
 * Walks GET /openapi.json against the server's real answers, both ways: every answer the test draws from a live
 * server (each endpoint and method, every status it gives there, streamed and not, regression, classification and
 * text, refusals) is an operation and status the document declares, with a body its schema takes (objects closed:
 * a field the schema does not name is an error; its required fields present); and every operation, status and
 * response field the document declares was seen in some answer. Answers outside any operation (405 for a method a
 * path does not take, 404 for an unknown path, Jetty's own 400/431) are not operations of the document.
 */
class OpenApiConformanceTest {
    @TempDir
    Path dir;

    /** One live answer: the operation it belongs to, its status, content type and body. */
    private record Seen(String method, String path, int status, String contentType, String body) {}

    private final List<Seen> seen = new ArrayList<>();

    @Test
    void everyAnswerIsDescribedAndEverythingDescribedIsAnswered() throws Exception {
        Path qed = qedTags(dir);
        Path overflow = overflowingQedTags(dir);
        Path translate = translateTags(dir);
        Path bbbp = bbbpTags(dir);
        PredictorService service = PredictorService.load(Shared.model("stories260K").toString(), List.of(qed, overflow, translate, bbbp),
                Duration.ofSeconds(1));
        ServerOptions base = ServerOptions.defaults().withPort(0).withMaxInputs(4).withLog(line -> { })
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(1));
        JsonNode doc;
        try (TagServer s = TagServer.start(service, base)) {
            doc = get(s.uri(), "/openapi.json").json();
            for (String p : List.of("/health", "/openapi.json", "/metrics", "/v1/tasks", "/v1/tag-sets")) {
                observe("GET", s, p, null);
                observe("HEAD", s, p, null);
            }
            String one = "[{\"smiles\": \"CCO\", \"id\": 7}]";
            observe("POST", s, "/v1/predict", "{\"task\": \"QED\", \"tag_set\": \"qed\", \"inputs\": " + one + "}");
            observe("POST", s, "/v1/predict", "{\"task\": \"QED\", \"tag_set\": \"qed-overflow\", \"inputs\": " + one + "}");
            observe("POST", s, "/v1/predict", "{\"task\": \"BBBP\", \"inputs\": " + one + "}");
            observe("POST", s, "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], \"max_tokens\": 3}");
            observe("POST", s, "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], \"max_tokens\": 3, \"stream\": true}");
            for (String p : List.of("/v1/predict", "/v1/generate")) {
                observe("POST", s, p, "{\"inputs\": " + one + "}");                                         // 400
                observe("POST", s, p, "{\"task\": \"QED\", \"tag_set\": \"run9\", \"inputs\": " + one + "}"); // 404
                observe("POST", s, p, "{\"task\": \"BBBP\", \"inputs\": [{}, {}, {}, {}, {}]}");              // 413
                seen.add(stalled(s.port(), p));                                                               // 408
                Reply latin1 = send(HttpRequest.newBuilder(s.uri().resolve(p)).header("Content-Type", "application/json; charset=iso-8859-1")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")));                                      // 415
                seen.add(new Seen("POST", p, latin1.status(), latin1.headers().firstValue("Content-Type").orElse(null), latin1.body()));
            }
            // the model busy past the busy timeout (1 s): 503
            CountDownLatch holding = new CountDownLatch(1), release = new CountDownLatch(1);
            Thread holder = Thread.ofPlatform().start(() -> service.gate().run(() -> {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 0;
            }));
            try {
                holding.await();
                observe("POST", s, "/v1/predict", "{\"task\": \"BBBP\", \"inputs\": " + one + "}");
                observe("POST", s, "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}]}");
            } finally {
                release.countDown();
                holder.join();
            }
        }
        // the same service behind an access token: 401
        try (TagServer s = TagServer.start(service, base.withToken("0123456789abcdef0123"))) {
            for (String p : List.of("/metrics", "/v1/tasks", "/v1/tag-sets")) {
                observe("GET", s, p, null);
                observe("HEAD", s, p, null);
            }
            observe("POST", s, "/v1/predict", "{\"task\": \"BBBP\", \"inputs\": [{\"smiles\": \"CCO\"}]}");
            observe("POST", s, "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}]}");
        } finally {
            service.close();
        }
        scriptedAnswers(base);

        JsonNode paths = doc.path("paths");
        Set<String> declared = new TreeSet<>(), answered = new TreeSet<>(), problems = new TreeSet<>();
        for (Iterator<String> p = paths.fieldNames(); p.hasNext(); ) {
            String path = p.next();
            for (Iterator<String> m = paths.path(path).fieldNames(); m.hasNext(); ) {
                String method = m.next();
                for (Iterator<String> st = paths.path(path).path(method).path("responses").fieldNames(); st.hasNext(); ) {
                    declared.add(method.toUpperCase(Locale.ROOT) + " " + path + " " + st.next());
                }
            }
        }
        Set<String> fieldsSeen = new TreeSet<>();
        for (Seen a : seen) {
            String key = a.method() + " " + a.path() + " " + a.status();
            answered.add(key);
            JsonNode response = paths.path(a.path()).path(a.method().toLowerCase(Locale.ROOT)).path("responses").path(Integer.toString(a.status()));
            if (response.isMissingNode()) {
                problems.add(key + ": the document does not declare this answer");
                continue;
            }
            response = resolve(doc, response);
            if (a.method().equals("HEAD")) {
                if (!a.body().isEmpty()) problems.add(key + ": a HEAD answer has a body");
                continue;
            }
            String type = a.contentType() == null ? "" : a.contentType().split(";")[0].trim();
            JsonNode content = response.path("content");
            if (!content.has(type)) {
                problems.add(key + ": content type " + type + " is not declared (declared: " + String.join(", ", (Iterable<String>) content::fieldNames) + ")");
                continue;
            }
            JsonNode schema = content.path(type).path("schema");
            if (type.equals("application/json")) {
                List<String> errors = new ArrayList<>();
                validate(doc, schema, JSON.readTree(a.body()), "", errors, fieldsSeen);
                for (String e : errors) problems.add(key + ": " + e + " in " + a.body().substring(0, Math.min(300, a.body().length())));
            }
        }
        for (String d : declared) if (!answered.contains(d)) problems.add(d + ": declared but never answered");
        for (String f : responseFields(doc)) if (!fieldsSeen.contains(f)) problems.add("response field " + f + ": declared but in no answer");
        assertEquals(Set.of(), problems);
    }

    /** 500 (a service that fails) and, while the server stops, /health's 503, from a service scripted for them. */
    private void scriptedAnswers(ServerOptions base) throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        TagService scripted = new TagService() {
            public String modelName() { return "m"; }

            public String modelFingerprint() { return "f"; }

            public List<TaskInfo> tasks() { return List.of(); }

            public TaskInfo task(String name) {
                return new TaskInfo(name, tagllm.task.TaskType.REGRESSION, "<X>", Map.of("<X>", "function"), List.of(), "test");
            }

            public Predictions predict(TaskInfo task, List<Map<String, String>> inputs, Cancellation cancel) {
                if (task.name().equals("BOOM")) throw new IllegalStateException("a bug");
                assertTrue(cancel.markRunning());
                running.countDown();
                while (!cancel.isCancelled()) Thread.onSpinWait();
                cancel.check();
                throw new AssertionError("check() throws once cancelled");
            }

            public Predictions predict(String task, List<Map<String, String>> inputs) { throw new UnsupportedOperationException(); }

            public Generations generate(String task, List<Map<String, String>> inputs, int maxTokens) { throw new IllegalStateException("a bug"); }
        };
        TagServer s = TagServer.start(scripted, base);
        try {
            observe("POST", s, "/v1/predict", "{\"task\": \"BOOM\", \"inputs\": [{}]}");
            observe("POST", s, "/v1/generate", "{\"task\": \"BOOM\", \"inputs\": [{}]}");
            Socket spinning = rawPost(s.port(), "/v1/predict", "{\"task\": \"SPIN\", \"inputs\": [{}]}");
            running.await();
            Thread stopper = Thread.ofPlatform().start(() -> s.stop(3));
            long until = System.nanoTime() + 2_000_000_000L;
            int status = 0;
            while (status != 503 && System.nanoTime() < until) {
                Seen h = request("GET", s, "/health", null);
                status = h.status();
                if (status == 503) {
                    seen.add(h);
                    observe("HEAD", s, "/health", null);
                }
            }
            assertEquals(503, status, "/health while the server stops");
            stopper.join();
            spinning.close();
        } finally {
            s.close();
        }
    }

    private void observe(String method, TagServer s, String path, String body) throws Exception {
        seen.add(request(method, s, path, body));
    }

    private static Seen request(String method, TagServer s, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri().resolve(path));
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        Reply r = send(b);
        return new Seen(method, path, r.status(), r.headers().firstValue("Content-Type").orElse(null), r.body());
    }

    /** A POST whose body stops arriving: 408 after the body timeout. */
    private static Seen stalled(int port, String path) throws Exception {
        try (Socket k = new Socket("127.0.0.1", port)) {
            k.setSoTimeout(20_000);
            k.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
                    .getBytes(StandardCharsets.US_ASCII));
            String raw = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(raw.substring(9, 12));
            String type = raw.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-type:")).map(l -> l.substring(13).trim())
                    .findFirst().orElse(null);
            return new Seen("POST", path, status, type, raw.substring(raw.indexOf("\r\n\r\n") + 4));
        }
    }

    /** A BBBP classification set, as ServeClassificationTest builds it. */
    private static Path bbbpTags(Path dir) throws Exception {
        Model m = model();
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        s.put(TagInit.newTag("<BBBP>", TagKind.FUNCTION, 1, init));
        int d = m.config().hiddenSize();
        float[] w = new float[d];
        for (int k = 0; k < d; k++) w[k] = (float) (0.3 * Math.cos(0.7 * k + 0.3));
        s.putHead(new RegressionHead("<BBBP>", 1, d, w, new float[]{0.1f}, null, null));
        s.tasks().put("BBBP", Presets.get("BBBP", "test").toJson());
        Path f = dir.resolve("bbbp.tags.safetensors");
        TagFile.write(s, f);
        return f;
    }

    // ------------------------------------------------------------------ a small OpenAPI 3.0 schema checker

    private static JsonNode resolve(JsonNode doc, JsonNode n) {
        while (n.has("$ref")) {
            JsonNode t = doc;
            for (String part : n.path("$ref").asText().substring(2).split("/")) t = t.path(part);
            assertFalse(t.isMissingNode(), "dangling " + n.path("$ref").asText());
            n = t;
        }
        return n;
    }

    /** Where the schema came from, for naming fields: the $ref's name, or the path in the answer. */
    private static String refName(JsonNode n, String where) {
        return n.has("$ref") ? n.path("$ref").asText().replaceAll(".*/", "") : where;
    }

    private static void validate(JsonNode doc, JsonNode schema, JsonNode v, String where, List<String> errors, Set<String> fieldsSeen) {
        String name = refName(schema, where);
        schema = resolve(doc, schema);
        if (v.isNull()) {
            if (!schema.path("nullable").asBoolean() && !schema.has("oneOf")) errors.add(where + ": null where the schema is not nullable");
            if (!schema.has("oneOf")) return;
        }
        if (schema.has("oneOf")) {
            int matches = 0;
            for (JsonNode alt : schema.path("oneOf")) {
                List<String> e = new ArrayList<>();
                validate(doc, alt, v, where, e, new TreeSet<>());
                if (e.isEmpty()) matches++;
            }
            if (matches != 1) errors.add(where + ": " + matches + " oneOf alternatives match " + v);
            return;
        }
        if (schema.has("enum")) {
            boolean in = false;
            for (JsonNode e : schema.path("enum")) in |= e.equals(v);
            if (!in) errors.add(where + ": " + v + " is not one of " + schema.path("enum"));
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> {
                if (!v.isObject()) {
                    errors.add(where + ": expected an object, got " + v);
                    return;
                }
                for (JsonNode r : schema.path("required")) if (!v.has(r.asText())) errors.add(where + ": required field " + r.asText() + " is missing");
                JsonNode props = schema.path("properties");
                JsonNode extra = schema.path("additionalProperties");
                for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                    var f = it.next();
                    if (props.has(f.getKey())) {
                        fieldsSeen.add(name + "." + f.getKey());
                        validate(doc, props.path(f.getKey()), f.getValue(), where + "." + f.getKey(), errors, fieldsSeen);
                    } else if (extra.isBoolean() && extra.booleanValue()) {
                        // any value
                    } else if (extra.isObject()) {
                        validate(doc, extra, f.getValue(), where + "." + f.getKey(), errors, fieldsSeen);
                    } else {
                        errors.add(where + ": field " + f.getKey() + " is not in the schema");
                    }
                }
            }
            case "array" -> {
                if (!v.isArray()) {
                    errors.add(where + ": expected an array, got " + v);
                    return;
                }
                for (int i = 0; i < v.size(); i++) validate(doc, schema.path("items"), v.get(i), where + "[" + i + "]", errors, fieldsSeen);
            }
            case "string" -> { if (!v.isTextual()) errors.add(where + ": expected a string, got " + v); }
            case "integer" -> { if (!v.isIntegralNumber()) errors.add(where + ": expected an integer, got " + v); }
            case "number" -> { if (!v.isNumber()) errors.add(where + ": expected a number, got " + v); }
            case "boolean" -> { if (!v.isBoolean()) errors.add(where + ": expected a boolean, got " + v); }
            default -> errors.add(where + ": the schema has no type");
        }
    }

    /** SchemaName.field for every property of every schema some response uses (directly or nested). */
    private static Set<String> responseFields(JsonNode doc) {
        Set<String> out = new TreeSet<>();
        Set<String> visited = new TreeSet<>();
        List<JsonNode> todo = new ArrayList<>();
        doc.path("paths").findValues("responses").forEach(todo::add);
        while (!todo.isEmpty()) {
            JsonNode n = todo.removeLast();
            if (n.has("$ref")) {
                String ref = n.path("$ref").asText();
                if (visited.add(ref)) {
                    JsonNode target = resolve(doc, n);
                    if (ref.startsWith("#/components/schemas/")) {
                        for (Iterator<String> f = target.path("properties").fieldNames(); f.hasNext(); ) out.add(refName(n, "") + "." + f.next());
                    }
                    todo.add(target);
                }
                continue;
            }
            n.forEach(todo::add);
        }
        return out;
    }
}
