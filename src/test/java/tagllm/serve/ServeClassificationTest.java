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
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/** POST /v1/predict on a classification task: classes, the most probable class and the probabilities, as the Java facade gives them. */
class ServeClassificationTest {
    @Test
    void classificationAnswersWithProbabilitiesAndTheArgmaxClass(@TempDir Path dir) throws Exception {
        Model m = model();
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        s.put(TagInit.newTag("<BBBP>", TagKind.FUNCTION, 1, init));
        int d = m.config().hiddenSize();
        float[] w = new float[d];
        for (int k = 0; k < d; k++) w[k] = (float) (0.3 * Math.cos(0.7 * k + 0.3));
        s.putHead(new RegressionHead("<BBBP>", 1, d, w, new float[]{0.1f}, null, null));
        TaskSpec bbbp = Presets.get("BBBP", "test");
        s.tasks().put("BBBP", bbbp.toJson());
        Path f = dir.resolve("bbbp.tags.safetensors");
        TagFile.write(s, f);
        TagPredictor reference = referencePredictor(List.of(f));
        try (TagServer server = TagServer.start(service(List.of(f)), ServerOptions.defaults().withPort(0))) {
            List<String> smiles = List.of("CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1");
            Reply r = post(server.uri(), "/v1/predict", json(Map.of("task", "BBBP", "inputs",
                    smiles.stream().map(x -> Map.of("smiles", x)).toList())));
            assertEquals(200, r.status(), r.body());
            JsonNode o = r.json();
            // a classification task generates nothing: max_tokens is refused in predict's words (exit 2 there)
            Reply withMaxTokens = post(server.uri(), "/v1/predict", "{\"task\": \"BBBP\", \"inputs\": [{\"smiles\": \"CCO\"}], \"max_tokens\": 8}");
            assertEquals(400, withMaxTokens.status(), withMaxTokens.body());
            assertEquals("max_tokens: task BBBP is a classification task, read through its head; only a text task generates tokens"
                    + " (leave out max_tokens)", withMaxTokens.error());
            assertEquals("0", o.path("classes").get(0).asText());
            assertEquals("1", o.path("classes").get(1).asText());
            for (int i = 0; i < smiles.size(); i++) {
                Map<String, Double> want = reference.classify("BBBP", Map.of("smiles", smiles.get(i)));
                JsonNode p = o.path("probabilities").get(i);
                assertEquals(want.get("0"), p.path("0").asDouble(), 1e-12);
                assertEquals(want.get("1"), p.path("1").asDouble(), 1e-12);
                assertEquals(1, p.path("0").asDouble() + p.path("1").asDouble(), 1e-12);
                assertEquals(want.get("1") > want.get("0") ? "1" : "0", o.path("predictions").get(i).asText());
            }
            Reply tasks = get(server.uri(), "/v1/tasks");
            assertTrue(tasks.body().contains("\"classification\""), tasks.body());
            JsonNode api = get(server.uri(), "/openapi.json").json();
            assertEquals("BBBP", api.path("components").path("schemas").path("PredictRequest").path("properties").path("task").path("enum").get(0).asText());
        }
    }

    /** From Java a classification task can reach predict and generate: the refusal names classify, not another wrong call. */
    @Test
    void javaCallsOfTheWrongKindNameTheCallThatTakesTheTask(@TempDir Path dir) throws Exception {
        Model m = model();
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        int d = m.config().hiddenSize();
        for (String f : List.of("<BBBP>", "<QED>")) {
            s.put(TagInit.newTag(f, TagKind.FUNCTION, 1, init));
            s.putHead(new RegressionHead(f, 1, d, new float[d], new float[]{0.1f}, null, null));
        }
        s.tasks().put("BBBP", Presets.get("BBBP", "test").toJson());
        s.tasks().put("QED", Presets.get("QED", "test").toJson());
        Path f = dir.resolve("two.tags.safetensors");
        TagFile.write(s, f);
        try (PredictorService service = service(List.of(f))) {
            List<Map<String, String>> in = List.of(Map.of("smiles", "CCO"));
            assertEquals("task BBBP is a classification task: use classify (POST /v1/predict)",
                    assertThrows(ApiException.class, () -> service.predict("BBBP", in)).getMessage());
            assertEquals("task BBBP is a classification task: use classify (POST /v1/predict)",
                    assertThrows(ApiException.class, () -> service.generate("BBBP", in, 4)).getMessage());
            assertEquals("task QED is a regression task: use predict (POST /v1/predict)",
                    assertThrows(ApiException.class, () -> service.classify("QED", in)).getMessage());
            assertEquals(2, service.classify("BBBP", in).probabilities()[0].length, "the right call answers");
        }
    }
}
