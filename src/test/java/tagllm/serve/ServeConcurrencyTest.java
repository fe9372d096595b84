package tagllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.task.TagPredictor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/** A bounded burst of concurrent requests (4 clients × 10 requests, mixed endpoints) all answered correctly. */
class ServeConcurrencyTest {
    static final List<String> SMILES = List.of("CCO", "CCN", "c1ccccc1", "CC(C)O", "OCC(O)CO", "CC#N", "C1CC1", "CCCl");

    @Test
    void concurrentRequestsAreAllAnsweredCorrectly(@TempDir Path dir) throws Exception {
        List<Path> files = List.of(qedTags(dir), translateTags(dir));
        TagPredictor reference = referencePredictor(files);
        double[] want = new double[SMILES.size()];
        for (int i = 0; i < want.length; i++) want[i] = reference.predict("QED", Map.of("smiles", SMILES.get(i)));
        String wantText = reference.generate("Translate:en-fr", Map.of("src", "The sun"), 6);

        int clients = 4, perClient = 10;
        // Fewer server threads than clients, so requests also queue.
        try (TagServer server = TagServer.start(service(files), ServerOptions.defaults().withPort(0).withThreads(2))) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int client = c;
                    done.add(pool.submit(() -> {
                        for (int k = 0; k < perClient; k++) {
                            if ((client + k) % 5 == 4) {
                                Reply r = post(server.uri(), "/v1/generate",
                                        "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], \"max_tokens\": 6}");
                                assertEquals(200, r.status(), r.body());
                                assertEquals(wantText, r.json().path("outputs").get(0).asText());
                                continue;
                            }
                            // each request a different slice of molecules, so answers cannot be mixed up unnoticed
                            int from = (client * perClient + k) % SMILES.size(), n = 1 + (client + k) % 3;
                            List<Map<String, String>> inputs = new ArrayList<>();
                            List<Integer> which = new ArrayList<>();
                            for (int j = 0; j < n; j++) {
                                int idx = (from + j) % SMILES.size();
                                which.add(idx);
                                inputs.add(Map.of("smiles", SMILES.get(idx)));
                            }
                            Reply r = post(server.uri(), "/v1/predict", json(Map.of("task", "QED", "inputs", inputs)));
                            assertEquals(200, r.status(), r.body());
                            JsonNode p = r.json().path("predictions");
                            assertEquals(n, p.size(), r.body());
                            for (int j = 0; j < n; j++) assertEquals(want[which.get(j)], p.get(j).asDouble(), ServeApiTest.TOLERANCE, "molecule " + which.get(j));
                        }
                        return perClient;
                    }));
                }
                int answered = 0;
                for (Future<Integer> f : done) answered += f.get(120, TimeUnit.SECONDS);
                assertEquals(clients * perClient, answered);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
