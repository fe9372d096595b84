package tagllm.serve;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/** Every kind of bad request gets a JSON error with the right status, and the server keeps answering. */
class ServeErrorsTest {
    @TempDir
    static Path dir;
    static TagServer server;
    static URI base;
    static final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        PredictorService service = service(List.of(qedTags(dir), translateTags(dir)));
        server = TagServer.start(service, ServerOptions.defaults().withPort(0).withMaxInputs(5).withMaxTokens(32).withLog(log::add));
        base = server.uri();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** Asserts the status, a body that is exactly {"error": ...}, and that the message holds every fragment. */
    static String expectError(Reply r, int status, String... fragments) throws Exception {
        assertEquals(status, r.status(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        assertEquals(1, r.json().size(), "only an error field: " + r.body());
        String m = r.error();
        for (String f : fragments) assertTrue(m.contains(f), "'" + f + "' in: " + m);
        assertEquals(200, get(base, "/health").status(), "still serving after: " + m);
        return m;
    }

    static Reply predict(String body) throws Exception { return post(base, "/v1/predict", body); }

    @Test
    void namesWithWhitespaceOrControlCharactersAreRefusedNamingTheField() throws Exception {
        String ok = "{\"task\": %s, \"inputs\": [{\"smiles\": \"CCO\"}]}";
        assertEquals(200, predict(ok.formatted("\"qed\"")).status(), "names stay case-insensitive");
        expectError(predict(ok.formatted("\"  qed\\t\\n\"")), 400, "task: whitespace around the name");
        expectError(predict(ok.formatted("\"qed\\u0000\"")), 400, "task: control character");
        expectError(predict("{\"task\": \"QED\", \"tag_set\": \" qed\\u0001\", \"inputs\": [{\"smiles\": \"CCO\"}]}"), 400, "tag_set: ");
    }

    @Test
    void headAnswersLikeGetWithoutABody() throws Exception {
        Reply head = send(HttpRequest.newBuilder(base.resolve("/health")).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, head.status());
        assertEquals("", head.body());
        assertTrue(head.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), head.headers().toString());
        Reply post = post(base, "/health", "");
        assertEquals(405, post.status());
        assertEquals("GET, HEAD, OPTIONS", post.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void malformedJsonSaysWhere() throws Exception {
        expectError(predict("{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}"), 400, "malformed JSON", "line 1");
        expectError(predict("{\"task\": \"QED\" \"inputs\": []}"), 400, "malformed JSON", "column");
        expectError(predict("{\"task\": \"QED\", \"task\": \"BA\", \"inputs\": []}"), 400, "malformed JSON", "task");
        String trailing = expectError(predict("{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}]} {}"), 400,
                "malformed JSON: more data after the JSON object", "line 1, column");
        assertFalse(trailing.contains("jackson") || trailing.contains("FAIL_ON"), trailing);
        expectError(predict(""), 400, "empty body");
        expectError(predict("[1, 2]"), 400, "JSON object", "array");
    }

    /**
     * A body declared in a charset other than JSON's (UTF-8, or the UTF-16/32 the parser detects) is refused with 415,
     * not read as UTF-8: "café" in ISO-8859-1 read so got "invalid UTF-8" 400, and windows-1252 text whose bytes
     * happen to be valid UTF-8 ("Ã©") was answered for other text ("é") than the client sent.
     */
    @Test
    void aBodyInAnotherCharsetIs415() throws Exception {
        String json = "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"cafÃ©\"}], \"max_tokens\": 2}";
        for (String cs : List.of("iso-8859-1", "windows-1252", "\"Latin1\"")) {
            Reply r = send(java.net.http.HttpRequest.newBuilder(base.resolve("/v1/generate"))
                    .header("Content-Type", "application/json; charset=" + cs)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(json.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))));
            expectError(r, 415, "charset " + cs.replace("\"", "").toLowerCase(java.util.Locale.ROOT), "UTF-8");
        }
        for (String cs : List.of("utf-8", "\"UTF-8\"", "utf8")) {
            Reply r = send(java.net.http.HttpRequest.newBuilder(base.resolve("/v1/generate"))
                    .header("Content-Type", "application/json; charset=" + cs)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(json.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            assertEquals(200, r.status(), cs + ": " + r.body());
        }
    }

    /**
     * A body declared as anything but JSON (text, form fields as curl -d sends them) is refused with 415 naming the type
     * it got and the one it takes; it was read as JSON anyway. application/json is taken in any case and with
     * parameters, and a body without Content-Type is read as JSON (docs/serve.md).
     */
    @Test
    void aBodyDeclaredAsAnotherMediaTypeIs415() throws Exception {
        String json = "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}]}";
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "text/json", "application/jsonl",
                "multipart/form-data; boundary=x")) {
            for (String path : List.of("/v1/predict", "/v1/generate")) {
                Reply r = send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", type)
                        .POST(HttpRequest.BodyPublishers.ofString(json)));
                expectError(r, 415, "Content-Type " + type.replaceAll(";.*", "") + " is not JSON", "application/json");
            }
        }
        for (String type : List.of("application/json", "Application/JSON", "application/json;charset=UTF-8", " application/json ; charset=utf-8")) {
            Reply r = send(HttpRequest.newBuilder(base.resolve("/v1/predict")).header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofString(json)));
            assertEquals(200, r.status(), type + ": " + r.body());
        }
        Reply none = send(HttpRequest.newBuilder(base.resolve("/v1/predict")).POST(HttpRequest.BodyPublishers.ofString(json)));
        assertEquals(200, none.status(), "no Content-Type is read as JSON: " + none.body());
        String close = "Host: x\r\nConnection: close\r\nContent-Length: " + json.length() + "\r\n";
        expectError(raw("POST /v1/predict HTTP/1.1\r\n" + close + "Content-Type:\r\n\r\n" + json), 415, "Content-Type (empty) is not JSON");
    }

    /**
     * The parser's refusals say what is wrong in JSON's terms and where, not which parser setting would allow it:
     * a client cannot enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` on the server.
     */
    @Test
    void malformedJsonNamesNoParserSettings() throws Exception {
        String nan = expectError(predict("{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"a\"}], \"temperature\": NaN}"), 400,
                "malformed JSON", "'NaN'", "not JSON", "line 1, column");
        String plus = expectError(predict("{\"task\": \"QED\", \"inputs\": [], \"x\": +1}"), 400, "malformed JSON", "plus sign", "line 1, column");
        String comment = expectError(predict("{\"task\": \"QED\" /* which */, \"inputs\": []}"), 400, "malformed JSON", "comment", "line 1, column");
        String deep = expectError(predict("[".repeat(1500)), 400, "malformed JSON", "nesting depth (1001)", "1000");
        String digits = expectError(predict("{\"seed\": 1" + "0".repeat(1200) + "}"), 400, "malformed JSON", "(1201)", "1000");
        for (String m : List.of(nan, plus, comment, deep, digits)) {
            assertFalse(m.contains("`") || m.contains("enable") || m.contains("Feature") || m.contains("Constraints") || m.contains("parser"), m);
        }
    }

    @Test
    void unknownTaskListsTheServedOnes() throws Exception {
        expectError(predict("{\"task\": \"Solubility\", \"inputs\": [{\"smiles\": \"CCO\"}]}"), 400,
                "unknown task 'Solubility'", "QED", "Translate:en-fr");
        expectError(predict("{\"task\": \"BA\", \"inputs\": [{\"smiles\": \"CCO\"}]}"), 400, "unknown task 'BA'");
        expectError(predict("{\"task\": \"SMILES\", \"inputs\": [{\"smiles\": \"CCO\"}]}"), 400, "SMILES", "not served", "language-model");
    }

    @Test
    void missingFieldNamesItAndTheTasksFields() throws Exception {
        expectError(predict("{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}, {\"smile\": \"CCO\"}]}"), 400,
                "inputs[1]", "missing field 'smiles'", "task QED expects fields 'smiles'");
        expectError(predict("{\"task\": \"QED\", \"inputs\": [{\"smiles\": null}]}"), 400, "inputs[0]", "missing field 'smiles'");
        expectError(predict("{\"inputs\": [{\"smiles\": \"CCO\"}]}"), 400, "task: missing", "served tasks: QED");
        expectError(predict("{\"task\": \"QED\"}"), 400, "inputs: missing", "'smiles'");
        expectError(predict("{\"task\": \"QED\", \"inputs\": []}"), 400, "inputs: empty");
    }

    @Test
    void wrongTypesAreNamed() throws Exception {
        expectError(predict("{\"task\": 3, \"inputs\": [{\"smiles\": \"CCO\"}]}"), 400, "task: expected a string, got a number");
        expectError(predict("{\"task\": \"QED\", \"inputs\": {\"smiles\": \"CCO\"}}"), 400, "inputs: expected an array", "got an object");
        expectError(predict("{\"task\": \"QED\", \"inputs\": [\"CCO\"]}"), 400, "inputs[0]: expected an object", "got a string");
        expectError(predict("{\"task\": \"QED\", \"inputs\": [{\"smiles\": 12}]}"), 400, "inputs[0].smiles: expected a string, got a number");
        expectError(predict("{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}], \"input\": 5}"), 400,
                "unknown field 'input'", "inputs, tag_set, task");
        String gen = "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"Hello\"}], \"max_tokens\": %s}";
        expectError(post(base, "/v1/generate", gen.formatted("\"12\"")), 400, "max_tokens: expected an integer 1..32, got a string");
        expectError(post(base, "/v1/generate", gen.formatted("0")), 400, "max_tokens", "got 0");
        expectError(post(base, "/v1/generate", gen.formatted("33")), 400, "max_tokens", "1..32", "got 33");
        expectError(post(base, "/v1/generate", gen.formatted("2.5")), 400, "max_tokens", "got 2.5");
    }

    /**
     * Greedy decoding (temperature 0, also when left out) takes the most likely token: a top_k, top_p or seed beside it
     * was taken and changed nothing. Refused in generate's words (tagllm generate --temperature 0 --top-k 3 is exit 2).
     */
    @Test
    void samplingFieldsBesideGreedyDecodingAreRefusedAsGenerateRefusesThem() throws Exception {
        String gen = "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"Hello\"}], \"max_tokens\": 2, %s}";
        for (String field : List.of("top_k", "top_p", "seed")) {
            String value = "\"" + field + "\": " + (field.equals("top_p") ? "0.5" : "3");
            for (String greedy : List.of("\"temperature\": 0, ", "\"temperature\": null, ", "")) {
                String m = expectError(post(base, "/v1/generate", gen.formatted(greedy + value)), 400,
                        field + ": temperature 0 decodes greedily (the most likely token each step), so " + field
                                + " would change nothing; leave it out, or give temperature above 0");
                assertEquals(greedy.contains(": 0"), !m.contains("(temperature is 0 when left out)"), m);
            }
            assertEquals(200, post(base, "/v1/generate", gen.formatted("\"temperature\": 0.5, " + value)).status(), field + " beside sampling");
            assertEquals(200, post(base, "/v1/generate", gen.formatted("\"temperature\": 0, \"" + field + "\": null")).status(),
                    field + " null is left out");
        }
        // the streamed answer is refused before its first event, as every refusal before the model runs
        expectError(post(base, "/v1/generate", gen.formatted("\"stream\": true, \"seed\": 1")), 400, "seed: temperature 0 decodes greedily");
    }

    /**
     * A regression task generates nothing: max_tokens (or another decoding field) on /v1/predict was refused as an
     * unknown field, not for why it means nothing. Refused now in predict's words (tagllm predict --max-tokens on a
     * regression task is exit 2).
     */
    @Test
    void decodingFieldsOnATaskThatGeneratesNothingAreRefusedAsPredictRefusesThem() throws Exception {
        String body = "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}], \"%s\": %s}";
        for (String field : List.of("max_tokens", "temperature", "top_k", "top_p", "seed", "stream")) {
            expectError(predict(body.formatted(field, field.equals("stream") ? "false" : "1")), 400,
                    field + ": task QED is a regression task, read through its head; only a text task generates tokens (leave out " + field + ")");
        }
        // the field's own meaning comes second: a max_tokens out of range is refused for the same reason
        expectError(predict(body.formatted("max_tokens", "0")), 400, "max_tokens: task QED is a regression task");
        // a text task sent to predict still gets its own refusal (use generate), whatever it carries
        expectError(predict("{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"Hello\"}], \"max_tokens\": 2}"), 400,
                "text task", "/v1/generate");
    }

    @Test
    void eachEndpointRunsItsKindOfTask() throws Exception {
        expectError(predict("{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"Hello\"}]}"), 400, "text task", "/v1/generate");
        expectError(post(base, "/v1/generate", "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}]}"), 400,
                "regression task", "/v1/predict");
    }

    @Test
    void anInputTooLongForTheContextIsRefusedByIndex() throws Exception {
        String longSmiles = "C".repeat(3000);
        expectError(predict(json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", "CCO"), Map.of("smiles", longSmiles))))),
                400, "inputs[1]: too long", "limit is");
    }

    /**
     * A request is answered whole or refused, and its refusal names every input refused with its reason, not only
     * the first: a batch of k bad rows took k + 1 round trips to find them all, one 400 at a time.
     */
    @Test
    void aRefusalNamesEveryRefusedInputWithItsReason() throws Exception {
        String m = expectError(predict(json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", "C1CC"), Map.of("smiles", "CCO"),
                        Map.of("smile", "CCO"), Map.of("smiles", "CCN"), Map.of("smiles", "C".repeat(3000)))))), 400,
                "3 of 5 inputs refused", "inputs[0].smiles: invalid SMILES 'C1CC'", "inputs[2]: missing field 'smiles'", "inputs[4]: too long");
        assertFalse(m.contains("inputs[1]") || m.contains("inputs[3]"), m);
        expectError(predict("{\"task\": \"QED\", \"inputs\": [{\"smiles\": 1}, {\"smiles\": \"CCO\"}, \"CCO\"]}"), 400,
                "2 of 3 inputs refused", "inputs[0].smiles: expected a string, got a number", "inputs[2]: expected an object");
        // one refused input keeps its reason alone, as before
        expectError(predict(json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", "CCO"), Map.of("smile", "C"))))), 400,
                "inputs[1]: missing field 'smiles'");
        try (TagServer wide = TagServer.start(service(List.of(qedTags(dir))), ServerOptions.defaults().withPort(0).withLog(l -> { }))) {
            List<Map<String, String>> sixty = new ArrayList<>();
            for (int i = 0; i < 60; i++) sixty.add(Map.of("smiles", "C1CC"));
            Reply r = post(wide.uri(), "/v1/predict", json(Map.of("task", "QED", "inputs", sixty)));
            assertEquals(400, r.status(), r.body());
            assertTrue(r.error().startsWith("60 of 60 inputs refused") && r.error().contains("inputs[49].smiles")
                    && !r.error().contains("inputs[50]") && r.error().endsWith("; and 10 more"), r.error());
        }
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() throws Exception {
        expectError(get(base, "/v1/predictions"), 404, "no endpoint /v1/predictions", "POST /v1/predict");
        expectError(get(base, "/"), 404, "no endpoint /");
        Reply r = get(base, "/v1/predict");
        expectError(r, 405, "/v1/predict takes POST, not GET");
        assertEquals("POST, OPTIONS", r.headers().firstValue("Allow").orElse(""));
        Reply d = send(HttpRequest.newBuilder(base.resolve("/health")).DELETE());
        expectError(d, 405, "takes GET");
        assertEquals("GET, HEAD, OPTIONS", d.headers().firstValue("Allow").orElse(""));
        expectError(post(base, "/v1/tasks", "{}"), 405, "takes GET, not POST");
    }

    /**
     * OPTIONS asks which methods a path takes (RFC 9110 9.3.7): 204 with Allow, no body, no token needed; it got
     * 405 "takes POST, not OPTIONS", and OPTIONS * got 404 "no endpoint *".
     */
    @Test
    void optionsAnswersTheMethodsAPathTakes() throws Exception {
        for (var e : Map.of("/v1/predict", "POST, OPTIONS", "/v1/generate", "POST, OPTIONS", "/health", "GET, HEAD, OPTIONS",
                "/v1/tasks", "GET, HEAD, OPTIONS", "/metrics", "GET, HEAD, OPTIONS").entrySet()) {
            Reply r = send(HttpRequest.newBuilder(base.resolve(e.getKey())).method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
            assertEquals(204, r.status(), e.getKey() + ": " + r.body());
            assertEquals(e.getValue(), r.headers().firstValue("Allow").orElse(""), e.getKey());
            assertEquals("", r.body());
        }
        try (java.net.Socket k = new java.net.Socket("127.0.0.1", server.port())) {
            k.getOutputStream().write("OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String raw = new String(k.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertTrue(raw.startsWith("HTTP/1.1 204 "), raw);
            assertTrue(raw.contains("Allow: GET, HEAD, POST, OPTIONS\r\n"), raw);
        }
        expectError(send(HttpRequest.newBuilder(base.resolve("/v1/nope")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())), 404, "no endpoint /v1/nope");
    }

    @Test
    void tooManyInputsIs413() throws Exception {
        List<Map<String, String>> six = new ArrayList<>();
        for (int i = 0; i < 6; i++) six.add(Map.of("smiles", "CCO"));
        expectError(predict(json(Map.of("task", "QED", "inputs", six))), 413, "6 inputs", "at most 5");
    }

    @Test
    void aBodyOverTheLimitIs413WhetherItsLengthIsDeclaredOrNot() throws Exception {
        try (TagServer small = TagServer.start(service(List.of(qedTags(dir))), ServerOptions.defaults().withPort(0).withMaxBodyBytes(1024))) {
            String big = json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", "C".repeat(2000)))));
            Reply r = post(small.uri(), "/v1/predict", big);
            assertEquals(413, r.status(), r.body());
            assertTrue(r.error().contains("over this server's limit of 1024 bytes"), r.error());
            // chunked: no Content-Length, the limit is found while reading
            Reply c = send(HttpRequest.newBuilder(small.uri().resolve("/v1/predict")).POST(HttpRequest.BodyPublishers.ofInputStream(
                    () -> new java.io.ByteArrayInputStream(big.getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
            assertEquals(413, c.status(), c.body());
            assertTrue(c.error().contains("more than 1024 bytes"), c.error());
            // many times the limit still gets its answer (the body is drained, not cut off mid-upload)
            byte[] huge = new byte[3 << 20];
            java.util.Arrays.fill(huge, (byte) ' ');
            Reply h = send(HttpRequest.newBuilder(small.uri().resolve("/v1/predict")).POST(HttpRequest.BodyPublishers.ofByteArray(huge)));
            assertEquals(413, h.status(), h.body());
            assertTrue(h.error().contains("request body of " + huge.length + " bytes"), h.error());
            // just under the limit is fine
            Reply ok = post(small.uri(), "/v1/predict", json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", "CCO")))));
            assertEquals(200, ok.status(), ok.body());
            assertEquals(200, get(small.uri(), "/health").status());
        }
    }

    @Test
    void aClientExpecting100ContinueForABodyOverTheLimitGets413AtOnce() throws Exception {
        try (TagServer small = TagServer.start(service(List.of(qedTags(dir))), ServerOptions.defaults().withPort(0).withMaxBodyBytes(1024));
             java.net.Socket k = new java.net.Socket("127.0.0.1", small.port())) {
            k.setSoTimeout(10_000);
            // the header only: a client that asks for 100 Continue sends its body after the interim answer
            k.getOutputStream().write(("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 5000000\r\nExpect: 100-continue\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            k.getOutputStream().flush();
            java.io.InputStream in = k.getInputStream();
            StringBuilder first = new StringBuilder();
            for (int c; (c = in.read()) >= 0 && c != '\n'; ) first.append((char) c);
            assertTrue(first.toString().startsWith("HTTP/1.1 413 "), "no 100 Continue, so no upload: " + first);
            String answer = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8); // then the connection closes
            assertTrue(answer.contains("{\"error\":\"request body of 5000000 bytes is over this server's limit of 1024 bytes\"}"), answer);
            // within the limit, the client is told to go on
            Reply ok = send(HttpRequest.newBuilder(small.uri().resolve("/v1/predict")).expectContinue(true)
                    .POST(HttpRequest.BodyPublishers.ofString(json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", "CCO")))))));
            assertEquals(200, ok.status(), ok.body());
        }
    }

    @Test
    void anInternalErrorIs500WithoutAStackTrace() throws Exception {
        TagService broken = new TagService() {
            public String modelName() { return "m"; }

            public String modelFingerprint() { return "f"; }

            public List<TaskInfo> tasks() { return List.of(); }

            public TaskInfo task(String name) {
                return new TaskInfo(name, tagllm.task.TaskType.REGRESSION, "<QED>", Map.of("<QED>", "function"), List.of(), "test");
            }

            public Predictions predict(String task, List<Map<String, String>> inputs) {
                throw new IllegalStateException("secret internal detail");
            }

            public Generations generate(String task, List<Map<String, String>> inputs, int maxTokens) {
                throw new StackOverflowError();
            }
        };
        List<String> brokenLog = new CopyOnWriteArrayList<>();
        try (TagServer s = TagServer.start(broken, ServerOptions.defaults().withPort(0).withLog(brokenLog::add))) {
            for (String path : List.of("/v1/predict", "/v1/generate")) {
                Reply r = post(s.uri(), path, "{\"task\": \"X\", \"inputs\": [{}]}");
                assertEquals(500, r.status(), r.body());
                assertEquals(1, r.json().size(), r.body());
                String m = r.error();
                assertTrue(m.startsWith("internal error #") && m.contains("server log"), m);
                assertFalse(m.contains("secret") || m.contains("Exception") || m.contains("Error") || m.contains("\tat "), m);
            }
            assertEquals(200, get(s.uri(), "/health").status());
            String logged = String.join("\n", brokenLog);
            assertTrue(logged.contains("secret internal detail") && logged.contains("at tagllm.serve"), "the log keeps the details: " + logged);
        }
    }

    /** Sends raw bytes on a new connection and reads the answer: for requests no HTTP client would send. */
    static Reply raw(String request) throws Exception {
        try (java.net.Socket k = new java.net.Socket(base.getHost(), base.getPort())) {
            k.setSoTimeout(10_000);
            k.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            k.getOutputStream().flush();
            String all = new String(k.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int end = all.indexOf("\r\n\r\n");
            assertTrue(end > 0, "an HTTP answer: " + all);
            String[] lines = all.substring(0, end).split("\r\n");
            Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String l : List.of(lines).subList(1, lines.length)) {
                int c = l.indexOf(':');
                headers.computeIfAbsent(l.substring(0, c).trim(), h -> new ArrayList<>()).add(l.substring(c + 1).trim());
            }
            return new Reply(Integer.parseInt(lines[0].split(" ")[1]), all.substring(end + 4), java.net.http.HttpHeaders.of(headers, (a, b) -> true));
        }
    }

    /** Sends raw bytes on a new connection and returns the answer's status line and headers, read up to the blank line. */
    static String head(String request) throws Exception {
        try (java.net.Socket k = new java.net.Socket(base.getHost(), base.getPort())) {
            k.setSoTimeout(10_000);
            k.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            k.getOutputStream().flush();
            java.io.InputStream in = k.getInputStream();
            StringBuilder b = new StringBuilder();
            while (!b.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) break;
                b.append((char) c);
            }
            return b.toString();
        }
    }

    /**
     * A request refused before its body is read (405, 404, 401) is answered with Connection: close: Jetty drops what
     * has come of the body and closes the connection when the rest has not come, so that its bytes are never read as
     * a next request. The answer did not say so, so a client reused the connection and its next request failed.
     * An answer after the body was read keeps the connection.
     */
    @Test
    void aRefusalBeforeTheBodyIsReadSaysTheConnectionCloses() throws Exception {
        String json = "Content-Type: application/json\r\nContent-Length: 10\r\n\r\n";
        String r405 = head("POST /v1/tasks HTTP/1.1\r\nHost: x\r\n" + json);
        assertTrue(r405.startsWith("HTTP/1.1 405 ") && r405.contains("\r\nConnection: close\r\n"), r405);
        String r404 = head("POST /v1/nope HTTP/1.1\r\nHost: x\r\n" + json + "{\"a\": 1}  ");
        assertTrue(r404.startsWith("HTTP/1.1 404 ") && r404.contains("\r\nConnection: close\r\n"), r404);
        String chunked = head("POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertTrue(chunked.startsWith("HTTP/1.1 405 ") && chunked.contains("\r\nConnection: close\r\n"), chunked);
        // nothing left unread: the connection stays open for the next request
        String get404 = head("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(get404.startsWith("HTTP/1.1 404 ") && !get404.contains("Connection: close"), get404);
        String read400 = head("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]");
        assertTrue(read400.startsWith("HTTP/1.1 400 ") && !read400.contains("Connection: close"), read400);
    }

    @Test
    void errorsJettyRaisesItselfAreJsonToo() throws Exception {
        String close = "Host: x\r\nConnection: close\r\n";
        expectError(raw("GET //health HTTP/1.1\r\n" + close + "\r\n"), 400, "Bad Request: ", "Ambiguous URI empty segment");
        expectError(raw("GET /health HTTP/1.1\r\n" + close + "X-Big: " + "a".repeat(20_000) + "\r\n\r\n"), 431,
                "Request Header Fields Too Large");
        String post = "POST /v1/predict HTTP/1.1\r\n" + close + "Content-Type: application/json\r\n";
        expectError(raw(post + "Content-Length: abc\r\n\r\n{}"), 400, "Bad Request: Invalid Content-Length");
        expectError(raw(post + "Content-Length: -5\r\n\r\n{}"), 400, "Bad Request: Invalid Content-Length");
        expectError(raw(post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"), 400, "Bad Request: Multiple Content-Lengths");
        expectError(raw("GARBAGE\r\n\r\n"), 400, "Bad Request: ", "No URI");
    }

    @Test
    void everyRequestIsLogged() throws Exception {
        get(base, "/health");
        assertTrue(log.stream().anyMatch(l -> l.matches("GET /health 200 [0-9.]+ ms")), log.toString());
    }
}
