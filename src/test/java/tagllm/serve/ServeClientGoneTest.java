package tagllm.serve;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

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

    private static Socket rawGenerate(int port, String body) throws Exception {
        Socket k = new Socket("127.0.0.1", port);
        k.setSoTimeout(30_000);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        k.getOutputStream().write(("POST /v1/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        k.getOutputStream().write(b);
        k.getOutputStream().flush();
        return k;
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
                clients.add(rawGenerate(s.port(), endless(false)));
                Socket streaming = rawGenerate(s.port(), endless(true));
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
}
