package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.Presets;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/**
 * The model itself throwing on a request (not a bad input): the request gets a 500 JSON error, the details go to the
 * server log, and the next request (of another set, on the same model thread and compute lock) is answered as usual.
 */
class ServeModelFailureTest {
    /** A QED and Translate:en-fr set whose tags and head are one wider than the model's hidden state: the forward pass throws on it. */
    static Path tooWideQedTags(Path dir) throws Exception {
        Model m = model();
        int d = m.config().hiddenSize();
        float[] init = Arrays.copyOf(TagInit.initialVector(m.weights().embedTokens()), d + 1);
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        s.put(TagInit.newTag("<QED>", TagKind.FUNCTION, 1, init));
        s.putHead(new RegressionHead("<QED>", 1, d + 1, new float[d + 1], null, new double[]{0.5}, new double[]{0.2}));
        s.tasks().put("QED", Presets.get("QED", "test").toJson());
        s.put(TagInit.newTag("<EN>", TagKind.DOMAIN, 1, init));
        s.put(TagInit.newTag("<FR>", TagKind.DOMAIN, 1, init));
        s.put(TagInit.newTag("<Translate>", TagKind.FUNCTION, 2, init));
        s.tasks().put("Translate:en-fr", Presets.get("Translate:en-fr", "test").toJson());
        Path f = dir.resolve("wide.tags.safetensors");
        TagFile.write(s, f);
        return f;
    }

    @Test
    void aRequestTheModelFailsOnIs500AndTheNextIsServed(@TempDir Path dir) throws Exception {
        Path good = qedTags(dir);
        Path translate = translateTags(dir);
        Path wide = tooWideQedTags(dir);
        double want = referencePredictor(List.of(good)).predict("QED", Map.of("smiles", "CCO"));
        List<String> log = new CopyOnWriteArrayList<>();
        try (PredictorService service = service(List.of(good, translate, wide));
             TagServer s = TagServer.start(service, ServerOptions.defaults().withPort(0).withLog(log::add))) {
            String gen = "{\"task\": \"Translate:en-fr\", \"tag_set\": \"%s\", \"inputs\": [{\"src\": \"Hello\"}], \"max_tokens\": 4}";
            Reply before = post(s.uri(), "/v1/generate", gen.formatted("translate"));
            assertEquals(200, before.status(), before.body());
            for (int round = 0; round < 2; round++) {
                Reply failed = post(s.uri(), "/v1/predict", "{\"task\": \"QED\", \"tag_set\": \"wide\", \"inputs\": [{\"smiles\": \"CCO\"}]}");
                assertEquals(500, failed.status(), failed.body());
                assertEquals(1, failed.json().size(), failed.body());
                assertTrue(failed.error().matches("internal error #\\d+ while handling POST /v1/predict.*; the details are in the server log"), failed.error());
                Reply served = post(s.uri(), "/v1/predict", "{\"task\": \"QED\", \"tag_set\": \"qed\", \"inputs\": [{\"smiles\": \"CCO\"}]}");
                assertEquals(200, served.status(), served.body());
                assertEquals(want, served.json().path("predictions").get(0).asDouble(), 0.0);
                Reply genFailed = post(s.uri(), "/v1/generate", gen.formatted("wide"));
                assertEquals(500, genFailed.status(), genFailed.body());
                assertTrue(genFailed.error().matches("internal error #\\d+ while handling POST /v1/generate.*; the details are in the server log"), genFailed.error());
                Reply genServed = post(s.uri(), "/v1/generate", gen.formatted("translate"));
                assertEquals(before.body(), genServed.body(), "the compute lock is free again");
            }
            assertTrue(String.join("\n", log).contains("hidden size"), "the log has what failed: " + log);
        }
    }
}
