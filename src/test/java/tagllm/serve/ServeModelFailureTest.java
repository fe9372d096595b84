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
    /**
     * A QED and Translate:en-fr set whose tags and head are {@code extra} wider than the model's hidden state: with 1 the
     * forward pass cannot run on it.
     */
    static TagSet qedAndTranslate(int extra) throws Exception {
        Model m = model();
        int d = m.config().hiddenSize() + extra;
        float[] init = Arrays.copyOf(TagInit.initialVector(m.weights().embedTokens()), d);
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        s.put(TagInit.newTag("<QED>", TagKind.FUNCTION, 1, init));
        s.putHead(new RegressionHead("<QED>", 1, d, new float[d], null, new double[]{0.5}, new double[]{0.2}));
        s.tasks().put("QED", Presets.get("QED", "test").toJson());
        s.put(TagInit.newTag("<EN>", TagKind.DOMAIN, 1, init));
        s.put(TagInit.newTag("<FR>", TagKind.DOMAIN, 1, init));
        s.put(TagInit.newTag("<Translate>", TagKind.FUNCTION, 2, init));
        s.tasks().put("Translate:en-fr", Presets.get("Translate:en-fr", "test").toJson());
        return s;
    }

    static Path write(TagSet s, Path f) throws Exception {
        TagFile.write(s, f);
        return f;
    }

    /**
     * A tag file whose tags are wider than the model's hidden state (its fingerprint matches: edited, or made by other
     * code) is refused when the server starts, naming the tag and the file; it loaded, and every request to it was a 500.
     */
    @Test
    void aTagFileWiderThanTheModelIsRefusedAtStartNamingItsFile(@TempDir Path dir) throws Exception {
        Path wide = write(qedAndTranslate(1), dir.resolve("wide.tags.safetensors"));
        int d = model().config().hiddenSize();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> service(List.of(wide)).close());
        assertEquals("tag <SMILES> in " + wide + " holds vectors of width " + (d + 1) + ", but the model's hidden size is " + d
                + ": the tag file was not made for this model", e.getMessage());
    }

    @Test
    void aRequestTheModelFailsOnIs500AndTheNextIsServed(@TempDir Path dir) throws Exception {
        Path good = qedTags(dir);
        Path translate = translateTags(dir);
        Path wide = write(qedAndTranslate(0), dir.resolve("wide.tags.safetensors"));
        double want = referencePredictor(List.of(good)).predict("QED", Map.of("smiles", "CCO"));
        List<String> log = new CopyOnWriteArrayList<>();
        try (PredictorService service = service(List.of(good, translate, wide));
             TagServer s = TagServer.start(service, ServerOptions.defaults().withPort(0).withLog(log::add))) {
            // a wider set no file can give (the server refuses one at start): the served set's tags and head replaced in
            // memory, so that the forward pass throws on every request to it
            TagSet live = service.predictor("wide").tags(), wider = qedAndTranslate(1);
            live.tags().clear();
            wider.tags().forEach(live::put);
            wider.heads().values().forEach(live::putHead);
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
