package tagllm.serve;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/**
 * Clients that hang up while their generation runs: the server stops the work, frees their --queue places and logs
 * 499, instead of generating for nobody (1024 inputs of up to 1024 sampled tokens: minutes of model time).
 */
class ServeClientGoneTest {
    @TempDir
    static Path dir;
    static PredictorService service;

    @BeforeAll
    static void load() throws Exception {
        service = service(List.of(qedTags(dir), translateTags(dir)));
    }

    @AfterAll
    static void close() { if (service != null) service.close(); }

    private static String endless(boolean stream) {
        List<Map<String, String>> inputs = Collections.nCopies(ServerOptions.DEFAULT_MAX_INPUTS, Map.of("src", "Hello"));
        return json(Map.of("task", "Translate:en-fr", "inputs", inputs, "temperature", 100, "seed", 1,
                "max_tokens", ServerOptions.DEFAULT_MAX_TOKENS, "stream", stream));
    }

    private static double inFlight(TagServer s) throws Exception {
        for (String line : get(s.uri(), "/metrics").body().split("\n")) {
            if (line.startsWith("tagllm_http_requests_in_flight ")) return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
        }
        throw new AssertionError("no in-flight gauge");
    }

    @Test
    void clientsThatHangUpFreeTheirPlacesAndAreLoggedAs499() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        ServerOptions options = ServerOptions.defaults().withPort(0).withQueue(2).withLog(log::add)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(5));
        try (TagServer s = TagServer.start(service, options)) {
            List<Socket> clients = new ArrayList<>();
            try {
                clients.add(rawPost(s.port(), "/v1/generate", endless(false)));
                Socket streaming = rawPost(s.port(), "/v1/generate", endless(true));
                clients.add(streaming);
                // the stream has started: its status line and first token event came
                InputStream in = streaming.getInputStream();
                StringBuilder head = new StringBuilder();
                for (int c; !head.toString().contains("event: token") && (c = in.read()) >= 0; ) head.append((char) c);
                assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
                assertEquals(2.0, inFlight(s), "both requests hold their places");
                Reply busy = post(s.uri(), "/v1/predict", "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}]}");
                assertEquals(503, busy.status(), "the queue is full while they run: " + busy.body());
            } finally {
                for (Socket k : clients) k.close();
            }
            // generous: the abandoned work (about half a million sampled tokens) would take minutes, a token one millisecond
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (inFlight(s) > 0 && System.nanoTime() < deadline) Thread.sleep(50);
            List<String> requests = log.stream().filter(l -> !l.startsWith("GET /metrics")).toList();
            assertEquals(0.0, inFlight(s), "the places are free again; log: " + requests);
            Reply after = post(s.uri(), "/v1/predict", "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}]}");
            assertEquals(200, after.status(), after.body());
            List<String> gone = log.stream().filter(l -> l.startsWith("POST /v1/generate 499 ")).toList();
            assertEquals(2, gone.size(), "both logged as 499: " + requests);
            for (String l : gone) assertTrue(l.contains("client gone"), l);
        }
    }

    /**
     * A client that closes its connection halfway through its upload is gone, as one that hangs up while its request
     * runs: logged and counted as 499 (client gone), not as a 400 answer "the request body could not be read" that
     * nobody receives (a bad request of the client's, in /metrics).
     */
    @Test
    void anUploadClosedHalfwayIsLoggedAsAClientGone() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        ServerOptions options = ServerOptions.defaults().withPort(0).withLog(log::add);
        try (TagServer s = TagServer.start(service, options)) {
            try (Socket k = new Socket("127.0.0.1", s.port())) {
                k.getOutputStream().write(("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000\r\n\r\n{\"task\":").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                k.getOutputStream().flush();
            } // closed with 992 bytes of the body unsent
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (log.stream().noneMatch(l -> l.startsWith("POST /v1/predict ")) && System.nanoTime() < deadline) Thread.sleep(20);
            List<String> done = log.stream().filter(l -> l.startsWith("POST /v1/predict ")).toList();
            assertEquals(1, done.size(), log.toString());
            assertTrue(done.getFirst().startsWith("POST /v1/predict 499 ") && done.getFirst().contains("(client gone: "), done.getFirst());
            String metrics = get(s.uri(), "/metrics").body();
            assertTrue(metrics.contains("tagllm_http_requests_total{endpoint=\"/v1/predict\",status=\"499\"} 1"), metrics);
            assertFalse(metrics.contains("status=\"400\""), metrics);
            assertEquals(0.0, inFlight(s), "its place and body bytes are free");
        }
    }

    @Test
    void aStreamingClientThatStopsReadingIsDroppedOnceItFallsTooFarBehind() throws Exception {
        // a model as fast as memory, so that the pieces it produces for nobody are counted rather than timed
        int cap = 32_000;
        String piece = "x".repeat(1000);
        AtomicInteger produced = new AtomicInteger();
        TagService flood = new TagService() {
            public String modelName() { return "m"; }

            public String modelFingerprint() { return "f"; }

            public List<TaskInfo> tasks() { return List.of(); }

            public TaskInfo task(String name) {
                return new TaskInfo("T", tagllm.task.TaskType.TEXT, "{out}", Map.of(), List.of(), "test");
            }

            public Predictions predict(String task, List<Map<String, String>> inputs) { throw new UnsupportedOperationException(); }

            public Generations generate(String task, List<Map<String, String>> inputs, int maxTokens) { throw new UnsupportedOperationException(); }

            @Override
            public Generations generate(TaskInfo task, List<Map<String, String>> inputs, Decoding decoding,
                                        java.util.function.BiConsumer<Integer, String> onText, Cancellation cancel) {
                for (int k = 0; k < cap; k++) {
                    cancel.check(); // as generation does before every token
                    onText.accept(0, piece);
                    produced.incrementAndGet();
                }
                return new Generations("T", List.of(piece.repeat(cap)), List.of(tagllm.task.TagPredictor.StopReason.MAX_TOKENS));
            }
        };
        List<String> log = new CopyOnWriteArrayList<>();
        // a read timeout far beyond the test: only the bound on unwritten events can stop the stream in time
        ServerOptions options = ServerOptions.defaults().withPort(0).withLog(log::add)
                .withTimeouts(Duration.ofSeconds(600), Duration.ofSeconds(5), Duration.ofSeconds(5));
        try (TagServer s = TagServer.start(flood, options); Socket k = new Socket()) {
            k.setReceiveBufferSize(4096); // the client's kernel takes little: what piles up is on the server's side
            k.connect(new java.net.InetSocketAddress("127.0.0.1", s.port()));
            writePost(k, "/v1/generate", "{\"task\": \"T\", \"inputs\": [{}], \"stream\": true}");
            // and reads nothing
            long deadline = System.nanoTime() + 30_000_000_000L; // it takes well under a second
            while (log.stream().noneMatch(l -> l.startsWith("POST /v1/generate ")) && System.nanoTime() < deadline) Thread.sleep(20);
            List<String> done = log.stream().filter(l -> l.startsWith("POST /v1/generate ")).toList();
            assertEquals(1, done.size(), "the stream ended: " + log);
            assertTrue(done.getFirst().startsWith("POST /v1/generate 499 ") && done.getFirst().contains("not reading"), done.getFirst());
            // the bound (1 MiB) plus the small socket buffers, far from the 32 MB the model would otherwise produce
            assertTrue(produced.get() < 4_000, produced.get() + " pieces of 1000 characters produced for a client that reads nothing");
            assertEquals(0.0, inFlight(s));
        }
    }
}
