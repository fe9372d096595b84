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
            long t0 = System.nanoTime();
            stopper = Thread.ofPlatform().start(() -> s.stop(20));
            for (Socket k : waiting) assertShuttingDown(answer(k));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 5, "answered at once, not after the 20 s grace: " + seconds + " s");
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
        TagService endless = ServeFixture.taskX((inputs, cancel) -> {
            assertTrue(cancel.markRunning(), "as the gate marks a request whose turn on the model has come");
            running.countDown();
            while (!cancel.isCancelled()) Thread.onSpinWait();
            cancel.check();
            throw new AssertionError("check() throws once cancelled");
        });
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

    /**
     * During the grace (a request still running keeps it open): /health says "stopping" (503), and a request still
     * sending its body is answered 503 "the server is shutting down" at once, as docs/serve.md says. Before, the
     * upload kept reading through the grace and then got 408 "the connection was idle too long".
     */
    @Test
    void duringTheGraceHealthSaysStoppingAndAnUploadStillArrivingGets503AtOnce() throws Exception {
        CountDownLatch running = new CountDownLatch(1), release = new CountDownLatch(1);
        TagService held = ServeFixture.taskX((inputs, cancel) -> {
            assertTrue(cancel.markRunning(), "as the gate marks a request whose turn on the model has come");
            running.countDown();
            try {
                release.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new TagService.Predictions("X", new double[inputs.size()]);
        });
        TagServer s = TagServer.start(held, ServerOptions.defaults().withPort(0));
        Thread stopper = null;
        try (Socket run = rawPost(s.port(), "/v1/predict", "{\"task\": \"X\", \"inputs\": [{}]}");
             Socket uploading = new Socket("127.0.0.1", s.port())) {
            running.await();
            uploading.getOutputStream().write("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
                    .getBytes(StandardCharsets.ISO_8859_1));
            long until = System.nanoTime() + 10_000_000_000L;
            while (s.inFlight() < 2 && System.nanoTime() < until) Thread.sleep(10);
            assertEquals(2, s.inFlight(), "the upload is in the server");
            stopper = Thread.ofPlatform().start(() -> s.stop(60));
            assertShuttingDown(answer(uploading)); // within the socket's 30 s, long before the 60 s grace ends
            try (Socket health = new Socket("127.0.0.1", s.port())) {
                health.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                String raw = answer(health);
                assertTrue(raw.startsWith("HTTP/1.1 503"), raw);
                assertTrue(raw.contains("\"status\":\"stopping\""), raw);
            }
            release.countDown();
            String finished = answer(run);
            assertTrue(finished.startsWith("HTTP/1.1 200"), "the running request finished within its grace: " + finished);
        } finally {
            release.countDown();
            if (stopper != null) stopper.join();
            s.close();
        }
    }
}
