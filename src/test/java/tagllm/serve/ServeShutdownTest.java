package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/**
 * Stopping the server answers every request: those waiting for the model at once, those running after the grace,
 * each with 503 "the server is shutting down" and a closed connection. Before, Jetty's stop closed the connections
 * of unfinished requests with no answer (clients saw RemoteDisconnected).
 */
class ServeShutdownTest {
    /** The whole answer on a raw connection, read until the server closes it (it must: Connection: close). */
    private static String answer(Socket k) throws IOException {
        if (k.getSoTimeout() == 0) k.setSoTimeout(30_000); // a missing answer fails the test instead of hanging it
        return new String(k.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private static void assertShuttingDown(String raw) {
        assertTrue(raw.startsWith("HTTP/1.1 503"), raw);
        assertTrue(raw.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), raw);
        assertTrue(raw.endsWith("{\"error\":\"the server is shutting down\"}"), raw);
    }

    @Test
    void requestsWaitingForTheModelAreAnswered503AtOnceWhenTheServerStops(@TempDir Path dir) throws Exception {
        PredictorService service = service(List.of(qedTags(dir), translateTags(dir)));
        CountDownLatch holding = new CountDownLatch(1), release = new CountDownLatch(1);
        // something else has the model (a long generation): the requests below wait for it
        Thread holder = Thread.ofPlatform().start(() -> service.gate().run(() -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }));
        TagServer s = TagServer.start(service, ServerOptions.defaults().withPort(0));
        List<Socket> waiting = new ArrayList<>();
        Thread stopper = null;
        try {
            holding.await();
            waiting.add(rawPost(s.port(), "/v1/predict", "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}]}"));
            waiting.add(rawPost(s.port(), "/v1/predict", "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"c1ccccc1\"}]}"));
            waiting.add(rawPost(s.port(), "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], \"max_tokens\": 3}"));
            long until = System.nanoTime() + 10_000_000_000L;
            while (s.inFlight() < 3 && System.nanoTime() < until) Thread.sleep(10);
            assertEquals(3, s.inFlight(), "the three requests wait for the model");
            // an upload still arriving keeps the server in its grace until it closes, so that /health can be asked
            // during the grace (without it the server stopped as soon as the three were answered, and the /health
            // connection below raced the stop: it hung or found the port closed)
            Socket uploading = new Socket("127.0.0.1", s.port());
            waiting.add(uploading);
            uploading.getOutputStream().write("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
                    .getBytes(StandardCharsets.ISO_8859_1));
            while (s.inFlight() < 4 && System.nanoTime() < until) Thread.sleep(10);
            assertEquals(4, s.inFlight(), "the upload is in the server");
            long t0 = System.nanoTime();
            stopper = Thread.ofPlatform().start(() -> s.stop(20));
            for (Socket k : waiting.subList(0, 3)) assertShuttingDown(answer(k));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 5, "answered at once, not after the 20 s grace: " + seconds + " s");
            // during the grace /health tells a load balancer to send nothing more here (it answered 200 "ok")
            try (Socket health = new Socket("127.0.0.1", s.port())) {
                health.setSoTimeout(30_000);
                health.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                String raw = answer(health);
                assertTrue(raw.startsWith("HTTP/1.1 503"), raw);
                assertTrue(raw.contains("\"status\":\"stopping\""), raw);
            }
            uploading.close(); // the grace ends with it
        } finally {
            release.countDown();
            holder.join();
            if (stopper != null) stopper.join();
            s.close();
            service.close();
            for (Socket k : waiting) k.close();
        }
    }

    @Test
    void requestsStillRunningAfterTheGraceAreCancelledAndAnswered503() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        // work that checks its cancellation between steps, as generation does between tokens, and never ends alone
        TagService endless = new TagService() {
            public String modelName() { return "m"; }

            public String modelFingerprint() { return "f"; }

            public List<TaskInfo> tasks() { return List.of(); }

            public TaskInfo task(String name) {
                return new TaskInfo("X", tagllm.task.TaskType.REGRESSION, "<X>", Map.of("<X>", "function"), List.of(), "test");
            }

            public Predictions predict(TaskInfo task, List<Map<String, String>> inputs, Cancellation cancel) {
                assertTrue(cancel.markRunning(), "as the gate marks a request whose turn on the model has come");
                running.countDown();
                while (!cancel.isCancelled()) Thread.onSpinWait();
                cancel.check();
                throw new AssertionError("check() throws once cancelled");
            }

            public Predictions predict(String task, List<Map<String, String>> inputs) { throw new UnsupportedOperationException(); }

            public Generations generate(String task, List<Map<String, String>> inputs, int maxTokens) { throw new UnsupportedOperationException(); }
        };
        List<String> log = new CopyOnWriteArrayList<>();
        TagServer s = TagServer.start(endless, ServerOptions.defaults().withPort(0).withLog(log::add));
        try (Socket k = rawPost(s.port(), "/v1/predict", "{\"task\": \"X\", \"inputs\": [{}]}")) {
            running.await();
            long t0 = System.nanoTime();
            Thread stopper = Thread.ofPlatform().start(() -> s.stop(1));
            assertShuttingDown(answer(k));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds >= 0.9, "it had its grace first: " + seconds + " s");
            stopper.join();
            assertTrue(log.stream().anyMatch(l -> l.startsWith("POST /v1/predict 503 ")), log.toString());
            assertTrue(log.stream().anyMatch(l -> l.startsWith("stopping: 1 request(s) still running after the 1 s grace were cancelled")), log.toString());
        } finally {
            s.close();
        }
    }
}
