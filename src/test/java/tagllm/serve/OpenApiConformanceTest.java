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

    /** One live answer: the operation it belongs to, its status, content type, headers (names in lower case) and body. */
    private record Seen(String method, String path, int status, String contentType, Map<String, String> headers, String body) {}

    /** Headers whose presence the document must declare where the server sends them (and the server send where declared). */
    private static final List<String> CONTRACT_HEADERS = List.of("retry-after", "www-authenticate");

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
                seen.add(new Seen("POST", p, latin1.status(), latin1.headers().firstValue("Content-Type").orElse(null), headers(latin1), latin1.body()));
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

        Set<String> problems = new TreeSet<>(structure(doc));
        JsonNode paths = doc.path("paths");
        Set<String> declared = new TreeSet<>(), answered = new TreeSet<>();
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
            JsonNode declaredHeaders = response.path("headers");
            for (String h : CONTRACT_HEADERS) {
                JsonNode d = null;
                for (Iterator<String> n = declaredHeaders.fieldNames(); n.hasNext(); ) {
                    String name = n.next();
                    if (name.equalsIgnoreCase(h)) d = resolve(doc, declaredHeaders.path(name));
                }
                String sent = a.headers().get(h);
                if (sent != null && d == null) problems.add(key + ": header " + h + " is sent but not declared");
                if (sent == null && d != null && d.path("required").asBoolean()) problems.add(key + ": required header " + h + " is not sent");
                if (sent != null && d != null) {
                    JsonNode value = d.path("schema").path("type").asText().equals("integer") && sent.matches("-?\\d+") ? JSON.getNodeFactory().numberNode(Long.parseLong(sent))
                            : JSON.getNodeFactory().textNode(sent);
                    List<String> errors = new ArrayList<>();
                    validate(doc, d.path("schema"), value, "header " + h, errors, new TreeSet<>());
                    problems.addAll(errors.stream().map(e -> key + ": " + e).toList());
                }
            }
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
            } else if (type.equals("text/event-stream")) {
                events(doc, content.path(type).path("x-events"), a.body(), key, problems, fieldsSeen);
            }
        }
        for (String d : declared) if (!answered.contains(d)) problems.add(d + ": declared but never answered");
        for (String f : responseFields(doc)) if (!fieldsSeen.contains(f)) problems.add("response field " + f + ": declared but in no answer");
        assertEquals(Set.of(), problems);
    }

    /**
     * The request schema's numeric bounds are the server's: for each number or integer property of GenerateRequest, a
     * request at each bound the schema allows (minimum, maximum, or the range of its format, int32 or int64, where it
     * states none) is answered 200, and one just past a bound it states is refused with 400. A generated client that
     * validates its requests against the document then never sends what the server refuses, nor refuses what it takes.
     */
    @Test
    void generateRequestBoundsAreTheServers() throws Exception {
        PredictorService service = service(List.of(translateTags(dir)));
        ServerOptions options = ServerOptions.defaults().withPort(0).withMaxTokens(3).withLog(line -> { });
        List<String> problems = new ArrayList<>();
        try (TagServer s = TagServer.start(service, options)) {
            JsonNode doc = get(s.uri(), "/openapi.json").json();
            JsonNode props = doc.path("components").path("schemas").path("GenerateRequest").path("properties");
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                var f = it.next();
                JsonNode p = f.getValue();
                String type = p.path("type").asText();
                if (!type.equals("integer") && !type.equals("number")) continue;
                List<String> inside = new ArrayList<>(), outside = new ArrayList<>();
                if (type.equals("integer")) {
                    java.math.BigInteger lo = p.has("minimum") ? p.path("minimum").bigIntegerValue() : null;
                    java.math.BigInteger hi = p.has("maximum") ? p.path("maximum").bigIntegerValue() : null;
                    java.math.BigInteger fmtLo = java.math.BigInteger.valueOf(p.path("format").asText().equals("int32") ? Integer.MIN_VALUE : Long.MIN_VALUE);
                    java.math.BigInteger fmtHi = java.math.BigInteger.valueOf(p.path("format").asText().equals("int32") ? Integer.MAX_VALUE : Long.MAX_VALUE);
                    if (p.path("exclusiveMinimum").asBoolean() && lo != null) lo = lo.add(java.math.BigInteger.ONE);
                    if (p.path("exclusiveMaximum").asBoolean() && hi != null) hi = hi.subtract(java.math.BigInteger.ONE);
                    inside.add((lo != null ? lo : fmtLo).toString());
                    inside.add((hi != null ? hi : fmtHi).toString());
                    if (lo != null) outside.add(lo.subtract(java.math.BigInteger.ONE).toString());
                    if (hi != null) outside.add(hi.add(java.math.BigInteger.ONE).toString());
                } else {
                    if (p.has("minimum")) {
                        double lo = p.path("minimum").asDouble();
                        if (p.path("exclusiveMinimum").asBoolean()) {
                            outside.add(Double.toString(lo));
                            inside.add(Double.toString(lo + 1e-9));
                        } else {
                            inside.add(Double.toString(lo));
                            outside.add(Double.toString(lo - 0.5));
                        }
                    }
                    if (p.has("maximum")) {
                        double hi = p.path("maximum").asDouble();
                        if (p.path("exclusiveMaximum").asBoolean()) outside.add(Double.toString(hi));
                        else inside.add(Double.toString(hi));
                        outside.add(Double.toString(hi + 0.5));
                    }
                }
                // top_k, top_p and seed only shape or seed a sample: beside greedy decoding they are refused (ServeErrorsTest)
                String sampling = Set.of("top_k", "top_p", "seed").contains(f.getKey()) ? "\"temperature\": 1, " : "";
                for (String v : inside) {
                    Reply r = post(s.uri(), "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], " + sampling
                            + (f.getKey().equals("max_tokens") ? "" : "\"max_tokens\": 1, ") + "\"" + f.getKey() + "\": " + v + "}");
                    if (r.status() != 200) problems.add(f.getKey() + " = " + v + " is in the schema's range but got " + r.status() + " " + r.body());
                }
                for (String v : outside) {
                    Reply r = post(s.uri(), "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], " + sampling + "\""
                            + f.getKey() + "\": " + v + "}");
                    if (r.status() != 400) problems.add(f.getKey() + " = " + v + " is outside the schema's range but got " + r.status() + " " + r.body());
                }
            }
            // an optional key sent as null (as some generated clients send an unset field) is taken as absent
            String plain = "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}]";
            Reply without = post(s.uri(), "/v1/generate", plain + "}");
            StringBuilder nulls = new StringBuilder(plain);
            JsonNode request = doc.path("components").path("schemas").path("GenerateRequest");
            Set<String> required = new TreeSet<>();
            request.path("required").forEach(r -> required.add(r.asText()));
            request.path("properties").fieldNames().forEachRemaining(k -> { if (!required.contains(k)) nulls.append(", \"").append(k).append("\": null"); });
            Reply withNulls = post(s.uri(), "/v1/generate", nulls + "}");
            assertEquals(200, without.status(), without.body());
            assertEquals(without.body(), withNulls.body(), "optional keys sent as null are their defaults: " + nulls);
        } finally {
            service.close();
        }
        assertEquals(List.of(), problems);
    }

    /** The structural check finds each kind of break it is there for: it is not satisfied by any document. */
    @Test
    void theStructuralCheckRefusesBrokenDocuments() throws Exception {
        JsonNode base;
        try (var in = OpenApi.class.getResourceAsStream("openapi.json")) {
            base = JSON.readTree(in);
        }
        assertEquals(List.of(), structure(base));
        Map<String, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode>> breaks = new java.util.LinkedHashMap<>();
        breaks.put("operationId", d -> ((com.fasterxml.jackson.databind.node.ObjectNode) d.path("paths").path("/v1/predict").path("post")).remove("operationId"));
        breaks.put("is not unique", d -> ((com.fasterxml.jackson.databind.node.ObjectNode) d.path("paths").path("/v1/generate").path("post")).put("operationId", "predict"));
        breaks.put("not an OpenAPI 3.0 type", d -> ((com.fasterxml.jackson.databind.node.ObjectNode) d.path("components").path("schemas").path("Error").path("properties").path("error"))
                .set("type", JSON.createArrayNode().add("string").add("null")));
        breaks.put("does not resolve", d -> ((com.fasterxml.jackson.databind.node.ObjectNode) d.path("components").path("schemas").path("TagSets").path("properties").path("tag_sets").path("items"))
                .put("$ref", "#/components/schemas/Tagset"));
        breaks.put("must be a boolean in OpenAPI 3.0", d -> ((com.fasterxml.jackson.databind.node.ObjectNode) d.path("components").path("schemas").path("GenerateRequest").path("properties").path("top_p"))
                .put("exclusiveMinimum", 0));
        breaks.put("no OpenAPI 3.0 schema keyword", d -> ((com.fasterxml.jackson.databind.node.ObjectNode) d.path("components").path("schemas").path("Health").path("properties").path("status"))
                .put("const", "ok"));
        breaks.put("needs a description", d -> ((com.fasterxml.jackson.databind.node.ObjectNode) d.path("components").path("responses").path("Error")).remove("description"));
        breaks.put("is not among its properties", d -> ((com.fasterxml.jackson.databind.node.ArrayNode) d.path("components").path("schemas").path("Outputs").path("required")).add("output"));
        breaks.put("oneOf with a nullable alternative", d -> ((com.fasterxml.jackson.databind.node.ObjectNode) d.path("components").path("schemas").path("Predictions").path("properties").path("predictions"))
                .set("items", JSON.createObjectNode().set("oneOf", JSON.createArrayNode().add(JSON.createObjectNode().put("type", "number").put("nullable", true))
                        .add(JSON.createObjectNode().put("type", "string")))));
        breaks.put("expected 3.0.x", d -> ((com.fasterxml.jackson.databind.node.ObjectNode) d).put("openapi", "3.1.0"));
        for (var b : breaks.entrySet()) {
            var broken = (com.fasterxml.jackson.databind.node.ObjectNode) base.deepCopy();
            b.getValue().accept(broken);
            List<String> found = structure(broken);
            assertTrue(found.stream().anyMatch(p -> p.contains(b.getKey())), b.getKey() + ": " + found);
        }
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
        return new Seen(method, path, r.status(), r.headers().firstValue("Content-Type").orElse(null), headers(r), r.body());
    }

    private static Map<String, String> headers(Reply r) {
        Map<String, String> out = new java.util.TreeMap<>();
        r.headers().map().forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), String.join(", ", v)));
        return out;
    }

    /** A POST whose body stops arriving: 408 after the body timeout. */
    private static Seen stalled(int port, String path) throws Exception {
        try (Socket k = new Socket("127.0.0.1", port)) {
            k.setSoTimeout(20_000);
            k.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
                    .getBytes(StandardCharsets.US_ASCII));
            String raw = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(raw.substring(9, 12));
            Map<String, String> headers = new java.util.TreeMap<>();
            for (String l : raw.substring(0, raw.indexOf("\r\n\r\n")).lines().skip(1).toList()) {
                int colon = l.indexOf(':');
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
            return new Seen("POST", path, status, headers.get("content-type"), headers, raw.substring(raw.indexOf("\r\n\r\n") + 4));
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

    /**
     * A text/event-stream answer: every event is one the media type's x-events names, with data its schema takes;
     * tokens first, then exactly one done (or error) event last; the done event's outputs are the tokens concatenated,
     * each with its stop reason.
     */
    private static void events(JsonNode doc, JsonNode declared, String body, String key, Set<String> problems, Set<String> fieldsSeen) throws Exception {
        List<String> names = new ArrayList<>();
        Map<Integer, StringBuilder> pieces = new java.util.TreeMap<>();
        JsonNode done = null;
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) continue;
            String event = null, data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) event = line.substring(7);
                else if (line.startsWith("data: ")) data = line.substring(6);
                else problems.add(key + ": stream line '" + line + "' is neither event: nor data:");
            }
            names.add(event);
            if (!declared.has(event)) {
                problems.add(key + ": stream event '" + event + "' has no schema in x-events");
                continue;
            }
            JsonNode value = JSON.readTree(data);
            List<String> errors = new ArrayList<>();
            validate(doc, declared.path(event), value, "event " + event, errors, fieldsSeen);
            for (String e : errors) problems.add(key + ": " + e + " in " + data);
            if (event.equals("token")) pieces.computeIfAbsent(value.path("index").asInt(), i -> new StringBuilder()).append(value.path("text").asText());
            if (event.equals("done")) done = value;
        }
        String last = names.isEmpty() ? null : names.getLast();
        if (!"done".equals(last) && !"error".equals(last)) problems.add(key + ": the stream does not end with a done or error event: " + names);
        if (names.subList(0, Math.max(0, names.size() - 1)).stream().anyMatch(n -> !"token".equals(n))) problems.add(key + ": events before the last are not all token events: " + names);
        if (done != null) {
            if (done.path("stop_reasons").size() != done.path("outputs").size()) problems.add(key + ": the done event's stop_reasons are not one per output");
            for (int i = 0; i < done.path("outputs").size(); i++) {
                String joined = pieces.containsKey(i) ? pieces.get(i).toString() : "";
                if (!joined.equals(done.path("outputs").get(i).asText())) problems.add(key + ": the pieces of input " + i + " do not concatenate to outputs[" + i + "]");
            }
        }
    }

    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final Set<String> SCHEMA_KEYWORDS = Set.of("title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
            "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required", "enum", "type",
            "allOf", "oneOf", "anyOf", "not", "items", "properties", "additionalProperties", "description", "format", "default", "nullable",
            "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example", "deprecated", "$ref");
    private static final Set<String> TYPES = Set.of("string", "number", "integer", "boolean", "array", "object");

    /**
     * The document is structurally OpenAPI 3.0 (the parts of the specification this document uses): the version,
     * info, paths of methods, operations with unique operationIds and responses keyed by status, each response with
     * a description and each media type and header with a schema, security naming declared schemes, every $ref
     * resolving, and schemas of 3.0's Schema Object keywords only (no 3.1 or JSON Schema 2020 forms such as type
     * arrays or const), nullable beside a type, exclusiveMinimum/Maximum as booleans beside minimum/maximum.
     */
    static List<String> structure(JsonNode doc) {
        List<String> out = new ArrayList<>();
        if (!doc.path("openapi").asText().matches("3\\.0\\.\\d+")) out.add("openapi: expected 3.0.x, got " + doc.path("openapi"));
        for (String f : List.of("title", "version")) if (!doc.path("info").path(f).isTextual()) out.add("info." + f + ": missing or not a string");
        Set<String> schemes = new TreeSet<>();
        doc.path("components").path("securitySchemes").fieldNames().forEachRemaining(schemes::add);
        List<JsonNode> requirements = new ArrayList<>();
        doc.path("security").forEach(requirements::add);
        Set<String> operationIds = new TreeSet<>();
        List<Map.Entry<String, JsonNode>> schemas = new ArrayList<>();
        doc.path("components").path("schemas").fields().forEachRemaining(e -> schemas.add(Map.entry("#/components/schemas/" + e.getKey(), e.getValue())));
        for (Iterator<Map.Entry<String, JsonNode>> p = doc.path("paths").fields(); p.hasNext(); ) {
            var path = p.next();
            if (!path.getKey().startsWith("/")) out.add("paths." + path.getKey() + ": does not start with /");
            for (Iterator<Map.Entry<String, JsonNode>> m = path.getValue().fields(); m.hasNext(); ) {
                var op = m.next();
                String where = op.getKey() + " " + path.getKey();
                if (!METHODS.contains(op.getKey())) {
                    if (!Set.of("summary", "description", "servers", "parameters").contains(op.getKey()) && !op.getKey().startsWith("x-")) out.add(where + ": not a method");
                    continue;
                }
                String id = op.getValue().path("operationId").asText("");
                if (id.isEmpty()) out.add(where + ": no operationId (client generators name their methods after it)");
                else if (!operationIds.add(id)) out.add(where + ": operationId " + id + " is not unique");
                op.getValue().path("security").forEach(requirements::add);
                if (op.getValue().has("requestBody")) {
                    JsonNode rb = resolve(doc, op.getValue().path("requestBody"));
                    rb.path("content").fields().forEachRemaining(c -> schemas.add(Map.entry(where + " request " + c.getKey(), c.getValue().path("schema"))));
                }
                JsonNode responses = op.getValue().path("responses");
                if (responses.isEmpty()) out.add(where + ": no responses");
                for (Iterator<Map.Entry<String, JsonNode>> r = responses.fields(); r.hasNext(); ) {
                    var resp = r.next();
                    String at = where + " " + resp.getKey();
                    if (!resp.getKey().matches("[1-5](\\d\\d|XX)|default")) out.add(at + ": not a status code");
                    JsonNode body = resolve(doc, resp.getValue());
                    if (!body.path("description").isTextual()) out.add(at + ": a response needs a description");
                    for (Iterator<Map.Entry<String, JsonNode>> h = body.path("headers").fields(); h.hasNext(); ) {
                        var header = h.next();
                        JsonNode hd = resolve(doc, header.getValue());
                        if (header.getKey().equalsIgnoreCase("content-type")) out.add(at + ": a Content-Type header definition is ignored by OpenAPI");
                        if (!hd.has("schema")) out.add(at + ": header " + header.getKey() + " has no schema");
                        else schemas.add(Map.entry(at + " header " + header.getKey(), hd.path("schema")));
                    }
                    for (Iterator<Map.Entry<String, JsonNode>> c = body.path("content").fields(); c.hasNext(); ) {
                        var media = c.next();
                        if (!media.getKey().matches("[a-z*]+/[a-z0-9.+*-]+")) out.add(at + ": " + media.getKey() + " is not a media type");
                        if (!media.getValue().has("schema")) out.add(at + " " + media.getKey() + ": no schema");
                        else schemas.add(Map.entry(at + " " + media.getKey(), media.getValue().path("schema")));
                        media.getValue().path("x-events").fields().forEachRemaining(e -> schemas.add(Map.entry(at + " event " + e.getKey(), e.getValue())));
                    }
                }
            }
        }
        for (JsonNode req : requirements) req.fieldNames().forEachRemaining(n -> { if (!schemes.contains(n)) out.add("security: scheme " + n + " is not declared"); });
        refs(doc, doc, "", out);
        for (var e : schemas) schema(e.getValue(), e.getKey(), out);
        return out;
    }

    private static void refs(JsonNode doc, JsonNode n, String where, List<String> out) {
        if (n.isObject() && n.has("$ref")) {
            String ref = n.path("$ref").asText();
            JsonNode t = doc;
            if (ref.startsWith("#/")) for (String part : ref.substring(2).split("/")) t = t.path(part);
            if (!ref.startsWith("#/") || t.isMissingNode()) out.add(where + ": $ref " + ref + " does not resolve");
            if (n.size() > 1) out.add(where + ": $ref with siblings (OpenAPI 3.0 ignores them)");
            return;
        }
        if (n.isObject()) n.fields().forEachRemaining(f -> refs(doc, f.getValue(), where + "/" + f.getKey(), out));
        if (n.isArray()) for (int i = 0; i < n.size(); i++) refs(doc, n.get(i), where + "/" + i, out);
    }

    private static void schema(JsonNode s, String where, List<String> out) {
        if (!s.isObject()) {
            out.add(where + ": a schema must be an object, got " + s);
            return;
        }
        if (s.has("$ref")) return; // checked by refs, and its target is among the component schemas
        s.fieldNames().forEachRemaining(k -> { if (!SCHEMA_KEYWORDS.contains(k) && !k.startsWith("x-")) out.add(where + ": " + k + " is no OpenAPI 3.0 schema keyword"); });
        if (s.has("type") && !(s.path("type").isTextual() && TYPES.contains(s.path("type").asText()))) out.add(where + ": type " + s.path("type") + " is not an OpenAPI 3.0 type");
        if (s.has("nullable") && !s.path("nullable").isBoolean()) out.add(where + ": nullable must be a boolean");
        if (s.path("nullable").asBoolean() && !s.has("type")) out.add(where + ": nullable without type has no effect (OpenAPI 3.0.3)");
        for (String[] pair : new String[][]{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}}) {
            if (s.has(pair[0]) && !s.path(pair[0]).isBoolean()) out.add(where + ": " + pair[0] + " must be a boolean in OpenAPI 3.0");
            if (s.has(pair[0]) && !s.has(pair[1])) out.add(where + ": " + pair[0] + " without " + pair[1]);
        }
        if (s.path("type").asText().equals("array") && !s.has("items")) out.add(where + ": an array schema needs items");
        if (s.has("enum") && (!s.path("enum").isArray() || s.path("enum").isEmpty())) out.add(where + ": enum must be a non-empty array");
        for (JsonNode r : s.path("required")) if (!s.path("properties").has(r.asText())) out.add(where + ": required " + r + " is not among its properties");
        s.path("properties").fields().forEachRemaining(p -> schema(p.getValue(), where + "." + p.getKey(), out));
        if (s.has("items")) schema(s.path("items"), where + "[]", out);
        if (s.path("additionalProperties").isObject()) schema(s.path("additionalProperties"), where + "{}", out);
        else if (s.has("additionalProperties") && !s.path("additionalProperties").isBoolean()) out.add(where + ": additionalProperties must be a boolean or a schema");
        for (String k : List.of("allOf", "oneOf", "anyOf")) for (JsonNode alt : s.path(k)) schema(alt, where + " " + k, out);
        // null matches every nullable alternative at once in generated clients (openapi-generator's python client
        // refuses such a null as "Multiple matches found"): where null is one of the values, anyOf says it
        for (JsonNode alt : s.path("oneOf")) if (alt.path("nullable").asBoolean()) out.add(where + ": oneOf with a nullable alternative (use anyOf: clients generated from oneOf cannot read the null)");
        if (s.has("not")) schema(s.path("not"), where + " not", out);
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
            if (!schema.path("nullable").asBoolean() && !schema.has("oneOf") && !schema.has("anyOf")) errors.add(where + ": null where the schema is not nullable");
            if (!schema.has("oneOf") && !schema.has("anyOf")) return;
        }
        if (schema.has("anyOf")) {
            boolean any = false;
            for (JsonNode alt : schema.path("anyOf")) {
                List<String> e = new ArrayList<>();
                validate(doc, alt, v, where, e, new TreeSet<>());
                any |= e.isEmpty();
            }
            if (!any) errors.add(where + ": no anyOf alternative matches " + v);
            return;
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
                if (schema.has("minItems") && v.size() < schema.path("minItems").asInt()) errors.add(where + ": fewer than minItems " + schema.path("minItems") + " items");
                if (schema.has("maxItems") && v.size() > schema.path("maxItems").asInt()) errors.add(where + ": more than maxItems " + schema.path("maxItems") + " items");
                for (int i = 0; i < v.size(); i++) validate(doc, schema.path("items"), v.get(i), where + "[" + i + "]", errors, fieldsSeen);
            }
            case "string" -> { if (!v.isTextual()) errors.add(where + ": expected a string, got " + v); }
            case "integer" -> {
                if (!v.isIntegralNumber()) errors.add(where + ": expected an integer, got " + v);
                else bounds(schema, v, where, errors);
            }
            case "number" -> {
                if (!v.isNumber()) errors.add(where + ": expected a number, got " + v);
                else bounds(schema, v, where, errors);
            }
            case "boolean" -> { if (!v.isBoolean()) errors.add(where + ": expected a boolean, got " + v); }
            default -> errors.add(where + ": the schema has no type");
        }
    }

    /** minimum and maximum, exclusive where the OpenAPI 3.0 booleans say so. */
    private static void bounds(JsonNode schema, JsonNode v, String where, List<String> errors) {
        java.math.BigDecimal x = v.decimalValue();
        if (schema.has("minimum")) {
            int c = x.compareTo(schema.path("minimum").decimalValue());
            if (c < 0 || c == 0 && schema.path("exclusiveMinimum").asBoolean()) errors.add(where + ": " + v + " is below the minimum " + schema.path("minimum"));
        }
        if (schema.has("maximum")) {
            int c = x.compareTo(schema.path("maximum").decimalValue());
            if (c > 0 || c == 0 && schema.path("exclusiveMaximum").asBoolean()) errors.add(where + ": " + v + " is above the maximum " + schema.path("maximum"));
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
