package tagllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/**
 * The server under hostile or heavy clients: slow headers and bodies, more requests than places, bodies beyond the
 * memory budget, missing tokens. Each case is bounded in time (seconds) and checks the answer, never a reset.
 */
class ServeRobustnessTest {
    @TempDir
    static Path dir;
    static PredictorService service;

    @BeforeAll
    static void load() throws Exception {
        service = service(List.of(qedTags(dir), translateTags(dir)));
    }

    @AfterAll
    static void close() { if (service != null) service.close(); } // null when ../shared is absent (the tests skip)

    private static ServerOptions quick() {
        return ServerOptions.defaults().withPort(0).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    /** A GET on a new connection from the given local address; the whole answer, or "" when the connection closed unanswered. */
    private static String getFrom(String localAddress, int port, String path) throws Exception {
        try (Socket k = new Socket()) {
            k.bind(new java.net.InetSocketAddress(localAddress, 0));
            k.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            k.setSoTimeout(10_000);
            try {
                k.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                return new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.net.SocketException reset) {
                return ""; // closed by the server before or while the request was sent
            }
        }
    }

    /** One answer read from a kept-alive connection: its header, then Content-Length bytes of body. */
    private static String readAnswer(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) break;
            head.append((char) c);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        byte[] body = m.find() ? in.readNBytes(Integer.parseInt(m.group(1))) : new byte[0];
        return head + new String(body, StandardCharsets.UTF_8);
    }

    /**
     * One client address holds at most --max-connections-per-client connections: a further one is closed unanswered
     * at once, while another address is served and the first is served again once one of its connections closes.
     * Before, one client holding idle sockets could take every --max-connections slot.
     */
    @Test
    void oneClientCannotTakeEveryConnection() throws Exception {
        ServerOptions o = ServerOptions.defaults().withPort(0).withMaxConnections(8).withMaxConnectionsPerClient(3).withLog(l -> { });
        List<Socket> held = new ArrayList<>();
        try (TagServer s = TagServer.start(service, o)) {
            for (int i = 0; i < 3; i++) {
                Socket k = new Socket("127.0.0.1", s.port());
                k.setSoTimeout(10_000);
                held.add(k);
                // answered, so the server has opened it (it opens accepted connections on several threads, in any
                // order), then kept alive and idle
                k.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(readAnswer(k.getInputStream()).startsWith("HTTP/1.1 200 "));
            }
            assertEquals("", getFrom("127.0.0.1", s.port(), "/health"), "a fourth connection from 127.0.0.1 is closed unanswered");
            String other = getFrom("127.0.0.2", s.port(), "/health");
            assertTrue(other.startsWith("HTTP/1.1 200 "), "another client is served: " + other);
            assertTrue(getFrom("127.0.0.2", s.port(), "/metrics").contains("tagllm_http_refused_total{reason=\"client_connections\"} 1.0\n"),
                    "the refusal is counted once");
            held.removeFirst().close();
            String again = "";
            for (int tries = 0; tries < 100 && !again.startsWith("HTTP/1.1 200 "); tries++) {
                Thread.sleep(20); // until the server has seen the close (no timing is asserted)
                again = getFrom("127.0.0.1", s.port(), "/health");
            }
            assertTrue(again.startsWith("HTTP/1.1 200 "), "served again once one of its connections closed: " + again);
        } finally {
            for (Socket k : held) k.close();
        }
    }

    @Test
    void slowLorisSocketsNeitherBlockHealthNorStayOpen() throws Exception {
        try (TagServer s = TagServer.start(service, quick())) {
            List<Socket> loris = new ArrayList<>();
            try {
                for (int i = 0; i < 16; i++) {
                    Socket k = new Socket("127.0.0.1", s.port());
                    k.getOutputStream().write((i % 2 == 0 ? "GE" : "POST /v1/predict HTTP/1.1\r\nHost: x\r\n").getBytes(StandardCharsets.US_ASCII));
                    k.getOutputStream().flush();
                    loris.add(k);
                }
                for (int probe = 0; probe < 3; probe++) {
                    long t0 = System.nanoTime();
                    assertEquals(200, get(s.uri(), "/health").status());
                    assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "health took " + (System.nanoTime() - t0) / 1e6 + " ms");
                }
                // a trickle (one byte every 300 ms) defeats an idle timeout but not the header deadline (1 s)
                Socket trickle = new Socket("127.0.0.1", s.port());
                loris.add(trickle);
                trickle.setSoTimeout(5000);
                long t0 = System.nanoTime();
                boolean closed = false;
                byte[] header = "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < header.length && !closed; i++) {
                    try {
                        trickle.getOutputStream().write(header[i]);
                        trickle.getOutputStream().flush();
                        Thread.sleep(300);
                    } catch (java.io.IOException e) {
                        closed = true;
                    }
                    if (System.nanoTime() - t0 > 6_000_000_000L) break;
                }
                if (!closed) closed = trickle.getInputStream().read() < 0;
                assertTrue(closed, "the trickling connection is closed");
                assertTrue(System.nanoTime() - t0 < 6_000_000_000L, "closed within a few header timeouts");
                // the idle ones are closed at the read timeout
                Socket idle = loris.getFirst();
                idle.setSoTimeout(5000);
                assertEquals(-1, idle.getInputStream().read(), "an idle half-request is closed by the read timeout");
            } finally {
                for (Socket k : loris) k.close();
            }
        }
    }

    @Test
    void aBodyThatStopsHalfwayGets408() throws Exception {
        try (TagServer s = TagServer.start(service, quick()); Socket k = new Socket("127.0.0.1", s.port())) {
            k.setSoTimeout(5000);
            OutputStream out = k.getOutputStream();
            out.write(("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"task\":").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long t0 = System.nanoTime();
            String answer = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("did not arrive"), answer);
            assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "within the body timeout and a margin");
            assertEquals(200, get(s.uri(), "/health").status());
        }
    }

    /** A service whose predictions wait until released: requests stay in the server as long as the test wants. */
    private static TagService blocking(CountDownLatch release) {
        return ServeFixture.taskX((inputs, cancel) -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new TagService.Predictions("X", new double[inputs.size()]);
        });
    }

    @Test
    void pastTheQueueLimitRequestsGet503WithRetryAfterNotResets() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TagServer s = TagServer.start(blocking(release), quick().withQueue(2))) {
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<Reply>> replies = new ArrayList<>();
                for (int i = 0; i < 6; i++) replies.add(pool.submit(() -> post(s.uri(), "/v1/predict", "{\"task\": \"X\", \"inputs\": [{}]}")));
                int busy = 0;
                long deadline = System.nanoTime() + 10_000_000_000L;
                for (Future<Reply> f : replies) {
                    if (f.isDone() || System.nanoTime() > deadline) continue;
                }
                Thread.sleep(1000); // the four beyond the limit are answered at once
                List<Future<Reply>> pending = new ArrayList<>();
                for (Future<Reply> f : replies) {
                    if (!f.isDone()) {
                        pending.add(f);
                        continue;
                    }
                    Reply r = f.get();
                    assertEquals(503, r.status(), r.body());
                    assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
                    assertTrue(r.error().contains("2 requests are already in the server"), r.error());
                    busy++;
                }
                assertEquals(4, busy);
                assertEquals(200, get(s.uri(), "/health").status(), "health is not behind the queue");
                release.countDown();
                for (Future<Reply> f : pending) assertEquals(200, f.get(30, TimeUnit.SECONDS).status());
                String metrics = get(s.uri(), "/metrics").body();
                assertTrue(metrics.contains("tagllm_http_refused_total{reason=\"busy\"} 4.0"), metrics);
            } finally {
                release.countDown();
                pool.shutdownNow();
            }
        }
    }

    /**
     * A client uploading an 8 MB body when the queue is full reads the 503: the server drops the body as it comes
     * instead of closing under the upload (the client then got a reset mid-write and never saw the answer).
     */
    @Test
    void aFullQueuesRefusalOfALargeUploadIsReadNotAReset() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TagServer s = TagServer.start(blocking(release), ServerOptions.defaults().withPort(0).withQueue(1));
             Socket holder = rawPost(s.port(), "/v1/predict", "{\"task\": \"X\", \"inputs\": [{}]}");
             Socket k = new Socket("127.0.0.1", s.port())) {
            long until = System.nanoTime() + 10_000_000_000L;
            while (s.inFlight() < 1 && System.nanoTime() < until) Thread.sleep(10);
            int size = 8 << 20;
            k.setSoTimeout(30_000);
            OutputStream out = k.getOutputStream();
            out.write(("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + size
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 << 10];
            java.util.Arrays.fill(chunk, (byte) ' ');
            for (int sent = 0; sent < size; sent += chunk.length) out.write(chunk); // a reset would throw here
            String answer = new String(k.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
            assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), answer);
            assertTrue(answer.contains("1 requests are already in the server"), answer);
        } finally {
            release.countDown();
        }
    }

    /**
     * Two uploads that declare the largest body and trickle it do not lock the other clients out: body memory is
     * charged as bytes arrive, not for the declared length (which took the whole budget of twice --max-body).
     */
    @Test
    void tricklingUploadsDoNotHoldTheBodyBudget() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        release.countDown(); // predictions answer at once
        try (TagServer s = TagServer.start(blocking(release), ServerOptions.defaults().withPort(0).withMaxBodyBytes(1 << 20));
             Socket a = new Socket("127.0.0.1", s.port()); Socket b = new Socket("127.0.0.1", s.port())) {
            for (Socket k : List.of(a, b)) {
                k.getOutputStream().write(("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: " + (1 << 20) + "\r\n\r\n{")
                        .getBytes(StandardCharsets.US_ASCII));
            }
            long until = System.nanoTime() + 10_000_000_000L;
            while (s.inFlight() < 2 && System.nanoTime() < until) Thread.sleep(10);
            assertEquals(2, s.inFlight(), "both uploads are in the server");
            Reply r = post(s.uri(), "/v1/predict", "{\"task\": \"X\", \"inputs\": [{}]}");
            assertEquals(200, r.status(), r.body());
        }
    }

    /**
     * Uploads that send their header and then trickle (or stall) hold no --queue place: as many of them as places
     * left every other client 503 "busy" until their body timeout (30 s), again as soon as they reconnected. The
     * places are for requests whose body has arrived; readers are bounded by --max-connections, the body memory
     * budget and --body-timeout.
     */
    @Test
    void tricklingUploadsDoNotHoldQueuePlaces() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        release.countDown(); // predictions answer at once
        try (TagServer s = TagServer.start(blocking(release), ServerOptions.defaults().withPort(0).withQueue(2));
             Socket a = new Socket("127.0.0.1", s.port()); Socket b = new Socket("127.0.0.1", s.port())) {
            for (Socket k : List.of(a, b)) {
                k.getOutputStream().write("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{".getBytes(StandardCharsets.US_ASCII));
            }
            long until = System.nanoTime() + 10_000_000_000L;
            while (s.inFlight() < 2 && System.nanoTime() < until) Thread.sleep(10);
            assertEquals(2, s.inFlight(), "both uploads are in the server, reading");
            for (int i = 0; i < 3; i++) {
                Reply r = post(s.uri(), "/v1/predict", "{\"task\": \"X\", \"inputs\": [{}]}");
                assertEquals(200, r.status(), r.body());
            }
            assertFalse(get(s.uri(), "/metrics").body().contains("reason=\"busy\""), "nobody was refused as busy");
        }
    }

    @Test
    void aRequestWaitingForTheModelLongerThanTheReadTimeoutStillGetsItsAnswer() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // read timeout 1 s; the model answers after 3 s
        try (TagServer s = TagServer.start(blocking(release), quick().withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)));
             Socket k = rawPost(s.port(), "/v1/predict", "{\"task\": \"X\", \"inputs\": [{}]}")) {
            Thread.sleep(3000);
            release.countDown();
            assertTrue(statusLine(k).startsWith("HTTP/1.1 200"));
        } finally {
            release.countDown();
        }
    }

    @Test
    void bodiesBeyondTheMemoryBudgetWaitThenGet503() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // body limit 1000 bytes: at most 2000 bytes of bodies in memory at once
        try (TagServer s = TagServer.start(blocking(release), quick().withMaxBodyBytes(1000).withTimeouts(Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(5)))) {
            // 950 bytes each (inputs may carry other keys): two fit in the budget, a third does not
            String body = "{\"task\": \"X\", \"inputs\": [{\"pad\": \"" + "x".repeat(950 - 38) + "\"}]}";
            assertEquals(950, body.length());
            try (Socket a = rawPost(s.port(), "/v1/predict", body); Socket b = rawPost(s.port(), "/v1/predict", body)) {
                Thread.sleep(700);
                long t0 = System.nanoTime();
                Reply c = post(s.uri(), "/v1/predict", body);
                assertEquals(503, c.status(), c.body());
                assertTrue(c.error().contains("request bodies in memory are at this server's limit of 2000 bytes"), c.error());
                assertTrue(System.nanoTime() - t0 > 1_500_000_000L, "it waited for memory to free first");
                release.countDown();
                assertTrue(statusLine(a).startsWith("HTTP/1.1 200"));
                assertTrue(statusLine(b).startsWith("HTTP/1.1 200"));
                assertEquals(200, post(s.uri(), "/v1/predict", body).status(), "the budget is free again");
            } finally {
                release.countDown();
            }
        }
    }

    private static String statusLine(Socket k) throws Exception {
        StringBuilder line = new StringBuilder();
        InputStream in = k.getInputStream();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) line.append((char) c);
        return line.toString();
    }

    @Test
    void aTokenIsRequiredBeyondLoopbackAndCheckedWhenSet() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TagServer.start(service, quick().withHost("0.0.0.0")));
        assertTrue(e.getMessage().contains("needs an access token"), e.getMessage());
        String token = "0123456789abcdef0123";
        try (TagServer s = TagServer.start(service, quick().withToken(token))) {
            assertEquals(200, get(s.uri(), "/health").status());
            assertEquals(200, get(s.uri(), "/openapi.json").status());
            Reply no = get(s.uri(), "/v1/tasks");
            assertEquals(401, no.status());
            assertTrue(no.error().contains("Authorization: Bearer"), no.error());
            assertEquals("Bearer", no.headers().firstValue("WWW-Authenticate").orElse(""), "a 401 names its scheme");
            Reply wrong = send(HttpRequest.newBuilder(s.uri().resolve("/v1/tasks")).header("Authorization", "Bearer nope").GET());
            assertEquals(401, wrong.status());
            Reply right = send(HttpRequest.newBuilder(s.uri().resolve("/v1/predict")).header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}]}")));
            assertEquals(200, right.status(), right.body());
            assertEquals(401, get(s.uri(), "/metrics").status());
        }
    }

    @Test
    void openApiAndMetricsDescribeTheServer() throws Exception {
        try (TagServer s = TagServer.start(service, quick())) {
            assertEquals(200, post(s.uri(), "/v1/predict", "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}]}").status());
            JsonNode api = get(s.uri(), "/openapi.json").json();
            assertTrue(api.path("openapi").asText().startsWith("3."), api.toString());
            for (String p : List.of("/health", "/metrics", "/v1/tasks", "/v1/predict", "/v1/generate")) assertTrue(api.path("paths").has(p), p);
            JsonNode predictTask = api.at("/components/schemas/PredictRequest/properties/task/enum");
            assertEquals("QED", predictTask.get(0).asText(), predictTask.toString());
            assertEquals(ServerOptions.DEFAULT_MAX_INPUTS, api.at("/components/schemas/PredictRequest/properties/inputs/maxItems").asInt());
            Reply m = get(s.uri(), "/metrics");
            assertEquals(200, m.status());
            assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), m.headers().toString());
            assertTrue(m.body().contains("tagllm_http_requests_total{endpoint=\"/v1/predict\",status=\"200\"} 1.0"), m.body());
            assertTrue(m.body().contains("# TYPE tagllm_http_request_duration_seconds histogram"), m.body());
            assertTrue(m.body().contains("tagllm_predict_batch_prompts_count"), m.body());
        }
    }

    /**
     * A stream's connection stays open for the client's next request. The watch on the client's hang-up was withdrawn
     * only after the stream's last write had completed the answer, and Jetty then closed the connection: a client
     * reusing it (java.net.http does) got no answer ("header parser received no bytes").
     */
    @Test
    void aStreamsConnectionServesTheNextRequest() throws Exception {
        try (TagServer s = TagServer.start(service, quick());
             Socket k = rawPost(s.port(), "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], "
                     + "\"max_tokens\": 6, \"stream\": true}")) {
            InputStream in = k.getInputStream();
            StringBuilder first = new StringBuilder();
            // the chunked answer ends with its empty last chunk
            while (first.indexOf("\r\n0\r\n\r\n") < 0) {
                int c = in.read();
                assertTrue(c >= 0, "the stream's answer ended early: " + first);
                first.append((char) c);
            }
            assertTrue(first.toString().startsWith("HTTP/1.1 200") && first.indexOf("event: done") > 0, first.toString());
            k.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            k.getOutputStream().flush();
            assertEquals("HTTP/1.1 200 OK", statusLine(k).strip(), "the same connection answers the next request");
        }
    }

    @Test
    void streamingSendsThePiecesOfTheSameTextAndSamplingIsSeeded() throws Exception {
        try (TagServer s = TagServer.start(service, quick())) {
            String greedy = post(s.uri(), "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], \"max_tokens\": 12}")
                    .json().path("outputs").get(0).asText();
            Reply sse = post(s.uri(), "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], \"max_tokens\": 12, \"stream\": true}");
            assertEquals(200, sse.status(), sse.body());
            assertTrue(sse.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            StringBuilder pieces = new StringBuilder();
            String done = null;
            for (String event : sse.body().split("\n\n")) {
                String[] lines = event.split("\n");
                JsonNode data = JSON.readTree(lines[1].substring("data: ".length()));
                if (lines[0].equals("event: token")) pieces.append(data.path("text").asText());
                if (lines[0].equals("event: done")) done = data.path("outputs").get(0).asText();
            }
            assertEquals(greedy, done);
            assertEquals(greedy, pieces.toString());

            String sampled = "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], \"max_tokens\": 12, \"temperature\": 1.5, \"top_p\": 0.95, \"top_k\": 50, \"seed\": %d}";
            String a = post(s.uri(), "/v1/generate", sampled.formatted(7)).json().path("outputs").get(0).asText();
            String b = post(s.uri(), "/v1/generate", sampled.formatted(7)).json().path("outputs").get(0).asText();
            assertEquals(a, b, "one seed, one text");
            boolean differs = false;
            for (int seed = 8; seed < 14 && !differs; seed++) {
                differs = !post(s.uri(), "/v1/generate", sampled.formatted(seed)).json().path("outputs").get(0).asText().equals(a);
            }
            assertTrue(differs, "other seeds sample other texts at temperature 1.5");
            String topK1 = post(s.uri(), "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], \"max_tokens\": 12, \"temperature\": 1, \"top_k\": 1}")
                    .json().path("outputs").get(0).asText();
            assertEquals(greedy, topK1, "top_k 1 is greedy");
            Reply bad = post(s.uri(), "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"x\"}], \"top_p\": 0}");
            assertEquals(400, bad.status());
            assertTrue(bad.error().startsWith("top_p: expected a number in (0, 1]"), bad.error());
            Reply badStream = post(s.uri(), "/v1/generate", "{\"task\": \"Nope\", \"inputs\": [{\"src\": \"x\"}], \"stream\": true}");
            assertEquals(400, badStream.status(), "a refusal before the first piece is a plain error");
        }
    }

    @Test
    void smilesRdkitRefusesAreRefusedAt400NamingTheField() throws Exception {
        try (TagServer s = TagServer.start(service, quick())) {
            for (String bad : List.of("notasmiles((", "C=", "cc", "[Cx]", "N(=O)=O", "C()C", "")) {
                Reply r = post(s.uri(), "/v1/predict", json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", "CCO"), Map.of("smiles", bad)))));
                assertEquals(400, r.status(), bad + ": " + r.body());
                assertTrue(r.error().startsWith("inputs[1].smiles: "), r.error());
            }
        }
    }

    @Test
    void aMegabyteInputIsRefusedWithoutTokenizingIt() throws Exception {
        try (TagServer s = TagServer.start(service, quick())) {
            long t0 = System.nanoTime();
            Reply r = post(s.uri(), "/v1/predict", "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"" + "C".repeat(4 << 20) + "\"}]}");
            assertEquals(400, r.status());
            assertTrue(r.error().startsWith("inputs[0]: too long: 4194304 characters"), r.error());
            assertTrue(r.error().contains("than the limit of 512 positions (the model's context) can hold"), r.error());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "answered in " + (System.nanoTime() - t0) / 1e6 + " ms");
        }
    }
}
