package tagllm.serve;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/**
 * HTTP/1.1 pipelining on one kept-alive connection: every request gets its own answer, in order, or the server
 * closes the connection cleanly after an answer (the client then sends the rest again). A request that arrives
 * while an API request is worked on is read and dropped by {@link ClientWatch}, so its connection must close;
 * before, a stream that had such bytes dropped kept its connection open and the next request was never answered.
 */
class ServePipeliningTest {
    private static final String HEALTH = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";

    /**
     * Timeouts far beyond the client's 30 s wait: a connection the server leaves open with a request dropped is then
     * seen as such (a timeout), not as the close the idle timeout would bring later.
     */
    private static final ServerOptions OPTIONS = ServerOptions.defaults().withPort(0)
            .withTimeouts(java.time.Duration.ofSeconds(600), java.time.Duration.ofSeconds(600), java.time.Duration.ofSeconds(600));

    @AfterEach
    void noHook() { ClientWatch.afterDroppedBytes = () -> {}; }

    /** One answer as read off the connection: status, headers (lower-case names) and body (chunks joined). */
    private record Answer(int status, Map<String, String> headers, String body) {
        boolean closes() { return "close".equalsIgnoreCase(headers.get("connection")); }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new IOException("the connection ended within a line: " + b.toString(StandardCharsets.ISO_8859_1));
            if (c != '\r') b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** The next answer, or null when the server closed the connection before a next one began. */
    private static Answer next(InputStream in) throws IOException {
        in.mark(1);
        if (in.read() < 0) return null;
        in.reset();
        String status = line(in);
        assertTrue(status.startsWith("HTTP/1.1 "), "a status line: " + status);
        Map<String, String> headers = new java.util.HashMap<>();
        for (String h; !(h = line(in)).isEmpty(); ) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else {
            assertEquals("chunked", headers.get("transfer-encoding"), "a length or chunks: " + headers);
            for (int n; (n = Integer.parseInt(line(in), 16)) > 0; line(in)) body.write(in.readNBytes(n));
            assertEquals("", line(in), "the chunks end");
        }
        return new Answer(Integer.parseInt(status.substring(9, 12)), headers, body.toString(StandardCharsets.UTF_8));
    }

    /** Pipelined answers: the first must be firstBody's; then /health's, or the connection closed after the first. */
    private static void assertAnsweredThenHealthOrClosed(Socket k, String firstBody) throws IOException {
        k.setSoTimeout(30_000); // a request dropped on a connection left open shows as this timeout
        InputStream in = new BufferedInputStream(k.getInputStream());
        Answer first = next(in);
        assertNotNull(first, "the first request is answered");
        assertEquals(200, first.status(), first.body());
        assertTrue(first.body().contains(firstBody), first.body());
        if (first.closes()) {
            assertEquals(-1, in.read(), "the connection closes after the answer that says so");
            return;
        }
        Answer second = next(in);
        if (second == null) return; // closed cleanly after the first answer (a stream's headers went before it knew)
        assertEquals(200, second.status(), second.body());
        assertTrue(second.body().contains("\"status\":\"ok\""), "/health's own answer: " + second.body());
    }

    @Test
    void twoRequestsSentInOneWriteAreAnsweredInOrder() throws Exception {
        TagService x = taskX((inputs, cancel) -> new TagService.Predictions("X", new double[]{0.25}));
        try (TagServer s = TagServer.start(x, OPTIONS); Socket k = new Socket("127.0.0.1", s.port())) {
            String body = "{\"task\": \"X\", \"inputs\": [{}]}";
            k.getOutputStream().write(("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body + HEALTH).getBytes(StandardCharsets.ISO_8859_1));
            // Jetty reads both at once and answers them in order; had the second come apart and been dropped, the
            // connection closes after the first
            assertAnsweredThenHealthOrClosed(k, "0.25");
        }
    }

    @Test
    void aRequestPipelinedWhileAPredictionRunsClosesTheConnectionAfterItsAnswer() throws Exception {
        CountDownLatch running = new CountDownLatch(1), release = new CountDownLatch(1), dropped = new CountDownLatch(1);
        ClientWatch.afterDroppedBytes = dropped::countDown;
        TagService x = taskX((inputs, cancel) -> {
            running.countDown();
            await(release);
            return new TagService.Predictions("X", new double[]{0.25});
        });
        try (TagServer s = TagServer.start(x, OPTIONS);
             Socket k = rawPost(s.port(), "/v1/predict", "{\"task\": \"X\", \"inputs\": [{}]}")) {
            await(running);
            k.getOutputStream().write(HEALTH.getBytes(StandardCharsets.ISO_8859_1));
            await(dropped);
            release.countDown();
            assertAnsweredThenHealthOrClosed(k, "0.25");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aRequestPipelinedWhileAStreamRunsIsNotLost() throws Exception {
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1), dropped = new CountDownLatch(1);
        ClientWatch.afterDroppedBytes = dropped::countDown;
        try (TagServer s = TagServer.start(streaming(started, release), OPTIONS);
             Socket k = rawPost(s.port(), "/v1/generate", "{\"task\": \"T\", \"inputs\": [{}], \"stream\": true}")) {
            await(started);
            k.getOutputStream().write(HEALTH.getBytes(StandardCharsets.ISO_8859_1));
            await(dropped);
            release.countDown();
            assertAnsweredThenHealthOrClosed(k, "event: done\ndata: {\"task\":\"T\",\"outputs\":[\"ab\"],\"stop_reasons\":[\"max_tokens\"]}");
        } finally {
            release.countDown();
        }
    }

    private static void await(CountDownLatch l) {
        try {
            assertTrue(l.await(30, TimeUnit.SECONDS), "waited 30 s");
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Streams piece "a", waits for release, then "b": a stream whose connection the test can write to meanwhile. */
    private static TagService streaming(CountDownLatch started, CountDownLatch release) {
        return new TagService() {
            public String modelName() { return "m"; }

            public String modelFingerprint() { return "f"; }

            public List<TaskInfo> tasks() { return List.of(); }

            public TaskInfo task(String name) { return new TaskInfo("T", tagllm.task.TaskType.TEXT, "{out}", Map.of(), List.of(), "test"); }

            public Predictions predict(String task, List<Map<String, String>> inputs) { throw new UnsupportedOperationException(); }

            public Generations generate(String task, List<Map<String, String>> inputs, int maxTokens) { throw new UnsupportedOperationException(); }

            @Override
            public Generations generate(TaskInfo task, List<Map<String, String>> inputs, Decoding decoding,
                                        java.util.function.BiConsumer<Integer, String> onText, Cancellation cancel) {
                onText.accept(0, "a");
                started.countDown();
                await(release);
                onText.accept(0, "b");
                return new Generations("T", List.of("ab"), List.of(tagllm.task.TagPredictor.StopReason.MAX_TOKENS));
            }
        };
    }
}
