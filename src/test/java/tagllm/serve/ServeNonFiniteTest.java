package tagllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/**
 * A prediction that is not a finite number (a head whose output overflows) is null in "predictions", as JSON has no
 * Infinity, and "errors" says why with predict's and Spark's message; a request whose every value is finite has no
 * "errors" key (the answer's shape is unchanged for it).
 */
class ServeNonFiniteTest {
    @Test
    void aNonFinitePredictionIsNullWithItsErrorAsInPredict(@TempDir Path dir) throws Exception {
        try (PredictorService svc = service(List.of(overflowingQedTags(dir))); TagServer s = TagServer.start(svc, ServerOptions.defaults().withPort(0))) {
            Reply r = post(s.uri(), "/v1/predict", "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}, {\"smiles\": \"c1ccccc1O\"}]}");
            assertEquals(200, r.status(), r.body());
            JsonNode o = JSON.readTree(r.body());
            assertTrue(o.get("predictions").get(0).isNull() && o.get("predictions").get(1).isNull(), r.body());
            for (JsonNode e : o.get("errors")) assertTrue(e.asText().matches("the model gave a non-finite value \\(-?Infinity\\)"), r.body());
        }
        try (PredictorService svc = service(List.of(qedTags(dir))); TagServer s = TagServer.start(svc, ServerOptions.defaults().withPort(0))) {
            Reply r = post(s.uri(), "/v1/predict", "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}]}");
            assertEquals(200, r.status(), r.body());
            JsonNode o = JSON.readTree(r.body());
            assertTrue(o.get("predictions").get(0).isNumber() && !o.has("errors"), r.body());
        }
    }

    /**
     * Class probabilities that are NaN (testutil.OverflowingModel) were answered as probabilities ("NaN", not a JSON
     * number) and the first class; now the input's prediction and probabilities are null and "errors" says why, with
     * predict's message.
     */
    @Test
    void nanClassProbabilitiesAreNullWithTheirErrorAsInPredict(@TempDir Path dir) throws Exception {
        Path model = tagllm.testutil.OverflowingModel.write(dir.resolve("model"));
        Path tags = dir.resolve("bbbp.tags.safetensors");
        tagllm.tag.TagFile.write(tagllm.testutil.BbbpTags.of(tagllm.model.Model.load(model)), tags);
        try (PredictorService svc = PredictorService.load(model.toString(), List.of(tags), java.time.Duration.ofSeconds(60));
             TagServer s = TagServer.start(svc, ServerOptions.defaults().withPort(0))) {
            Reply r = post(s.uri(), "/v1/predict", "{\"task\": \"BBBP\", \"inputs\": [{\"smiles\": \"CCO\"}, {\"smiles\": \"c1ccccc1O\"}]}");
            assertEquals(200, r.status(), r.body());
            assertFalse(r.body().contains("NaN\"") || r.body().contains(":NaN"), r.body());
            JsonNode o = JSON.readTree(r.body());
            for (int i = 0; i < 2; i++) {
                assertTrue(o.get("predictions").get(i).isNull(), r.body());
                assertTrue(o.get("probabilities").get(i).isNull(), r.body());
                assertEquals("the model gave non-finite class probabilities [NaN, NaN]", o.get("errors").get(i).asText(), r.body());
            }
        }
    }
}
