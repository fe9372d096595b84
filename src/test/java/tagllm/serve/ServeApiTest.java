package tagllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.task.TagPredictor;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/** The four endpoints against the Java facade on real tag files for stories260K. */
class ServeApiTest {
    /**
     * The server packs a request's inputs into one batch, the facade predicts each alone: a lone prompt shorter than
     * the register tile's 14 rows takes the few-row product path (MatVec), which sums in another order, so the two
     * agree to rounding (about 1e-7 relative), not to the bit. Different molecules differ by far more, so a
     * mixed-up order would still fail.
     */
    static final double TOLERANCE = 1e-6;
    static final List<String> SMILES = List.of("CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "C1CCCCC1N", "OC(=O)c1ccccc1OC(C)=O");

    @TempDir
    static Path dir;
    static TagServer server;
    static URI base;
    static TagPredictor reference;

    @BeforeAll
    static void start() throws Exception {
        List<Path> files = List.of(qedTags(dir), translateTags(dir));
        reference = referencePredictor(files);
        server = TagServer.start(service(files), ServerOptions.defaults().withPort(0));
        base = server.uri();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void listensOnLoopbackWithAnEphemeralPort() {
        assertEquals("127.0.0.1", base.getHost());
        assertTrue(base.getPort() > 0 && base.getPort() != ServerOptions.DEFAULT_PORT, base.toString());
    }

    @Test
    void healthNamesTheModelAndItsFingerprint() throws Exception {
        Reply r = get(base, "/health");
        assertEquals(200, r.status(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode j = r.json();
        assertEquals("ok", j.path("status").asText());
        assertEquals("stories260K", j.path("model").asText());
        assertEquals(model().fingerprint(), j.path("fingerprint").asText());
        assertEquals(64, j.path("fingerprint").asText().length());
    }

    @Test
    void tasksListStoredTasksAndReadyPresetsWithTheirFields() throws Exception {
        Reply r = get(base, "/v1/tasks");
        assertEquals(200, r.status(), r.body());
        Map<String, JsonNode> byName = new java.util.LinkedHashMap<>();
        r.json().path("tasks").forEach(t -> byName.put(t.path("name").asText(), t));
        // stored: QED and Translate:en-fr; the reverse pair is a preset the same tags can run; the stage-1 SMILES task is not served
        assertEquals(Set.of("QED", "Translate:en-fr", "Translate:fr-en"), byName.keySet());
        JsonNode qed = byName.get("QED");
        assertEquals("regression", qed.path("kind").asText());
        assertEquals("tag file", qed.path("source").asText());
        assertEquals(List.of("smiles"), strings(qed.path("fields")));
        assertEquals("domain", qed.path("tags").path("<SMILES>").asText());
        assertEquals("function", qed.path("tags").path("<QED>").asText());
        assertTrue(qed.path("template").asText().contains("<SMILES> {smiles}"));
        JsonNode tr = byName.get("Translate:en-fr");
        assertEquals("text", tr.path("kind").asText());
        assertEquals(List.of("src"), strings(tr.path("fields")), "the output {tgt} is not an input");
        assertEquals(List.of("<EN>", "<FR>", "<Translate>"), names(tr.path("tags")));
        assertEquals("preset", byName.get("Translate:fr-en").path("source").asText());
    }

    @Test
    void predictReturnsWhatTheJavaFacadeReturns() throws Exception {
        List<Map<String, String>> inputs = new ArrayList<>();
        for (String s : SMILES) inputs.add(Map.of("smiles", s));
        Reply r = post(base, "/v1/predict", json(Map.of("task", "QED", "inputs", inputs)));
        assertEquals(200, r.status(), r.body());
        assertEquals("QED", r.json().path("task").asText());
        JsonNode p = r.json().path("predictions");
        assertEquals(SMILES.size(), p.size());
        for (int i = 0; i < SMILES.size(); i++) {
            double want = reference.predict("QED", Map.of("smiles", SMILES.get(i)));
            assertEquals(want, p.get(i).asDouble(), TOLERANCE, "input " + i + " " + SMILES.get(i));
        }
        for (int i = 0; i < SMILES.size(); i++) {
            for (int j = i + 1; j < SMILES.size(); j++) {
                assertTrue(Math.abs(p.get(i).asDouble() - p.get(j).asDouble()) > 100 * TOLERANCE, "molecules " + i + ", " + j + ": " + p);
            }
        }
    }

    @Test
    void taskNamesAreCaseInsensitiveAndExtraInputKeysAreIgnored() throws Exception {
        Reply r = post(base, "/v1/predict", "{\"task\": \"qed\", \"inputs\": [{\"smiles\": \"CCO\", \"id\": 7, \"qed\": 0.4}]}");
        assertEquals(200, r.status(), r.body());
        assertEquals("QED", r.json().path("task").asText());
        assertEquals(reference.predict("QED", Map.of("smiles", "CCO")), r.json().path("predictions").get(0).asDouble(), TOLERANCE);
    }

    @Test
    void generateReturnsTheFacadesGreedyText() throws Exception {
        List<String> sources = List.of("Once upon a time", "The little dog ran");
        List<Map<String, String>> inputs = sources.stream().map(s -> Map.of("src", s)).toList();
        Reply r = post(base, "/v1/generate", json(Map.of("task", "Translate:en-fr", "inputs", inputs, "max_tokens", 12)));
        assertEquals(200, r.status(), r.body());
        assertEquals("Translate:en-fr", r.json().path("task").asText());
        JsonNode out = r.json().path("outputs");
        assertEquals(sources.size(), out.size());
        boolean anyText = false;
        for (int i = 0; i < sources.size(); i++) {
            String want = reference.generate("Translate:en-fr", Map.of("src", sources.get(i)), 12);
            assertEquals(want, out.get(i).asText(), "input " + i);
            anyText |= !want.isEmpty();
        }
        assertTrue(anyText, "the model continues at least one prompt: " + out);
    }

    @Test
    void generateDefaultsTo64NewTokens() throws Exception {
        Reply r = post(base, "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"A cat\"}]}");
        assertEquals(200, r.status(), r.body());
        assertEquals(reference.generate("Translate:en-fr", Map.of("src", "A cat"), 64), r.json().path("outputs").get(0).asText());
    }

    static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asText()));
        return out;
    }

    static List<String> names(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
