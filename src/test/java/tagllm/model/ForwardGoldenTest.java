package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tagllm.tensor.CrossEntropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tagllm.model.GoldenFile.assertArrayClose;
import static tagllm.model.GoldenFile.doubles;
import static tagllm.model.GoldenFile.ints;

/** The forward pass against the float64 PyTorch reference in ../shared/fixtures, for all three models and prompts. */
class ForwardGoldenTest {
    static final double TOL = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-llama-gqa", "tiny-llama-tied"})
    void promptsMatchReferenceOneByOne(String name) {
        GoldenFile g = GoldenFile.load(name);
        for (JsonNode prompt : g.json.get("prompts")) {
            int[] ids = ints(prompt.get("ids"));
            ForwardPass p = g.model.forward(PackedBatch.single(g.model.config().hiddenSize(), g.model.embed(ids)), true);
            checkPrompt(g, prompt, p, 0, name + " '" + prompt.get("text").asText() + "'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-llama-gqa", "tiny-llama-tied"})
    void promptsPackedInOneBatchMatchReference(String name) {
        GoldenFile g = GoldenFile.load(name);
        int d = g.model.config().hiddenSize();
        JsonNode prompts = g.json.get("prompts");
        int total = 0;
        int[] starts = new int[prompts.size() + 1];
        for (int s = 0; s < prompts.size(); s++) {
            total += prompts.get(s).get("ids").size();
            starts[s + 1] = total;
        }
        float[] input = new float[total * d];
        int[] pos = new int[total], from = new int[total];
        for (int s = 0; s < prompts.size(); s++) {
            int[] ids = ints(prompts.get(s).get("ids"));
            for (int i = 0; i < ids.length; i++) {
                int r = starts[s] + i;
                g.model.embed(ids[i], input, r * d);
                pos[r] = i;
                from[r] = starts[s];
            }
        }
        PackedBatch batch = new PackedBatch(d, input, starts, pos, from, new int[prompts.size()]);
        ForwardPass packed = g.model.forward(batch, true);
        for (int s = 0; s < prompts.size(); s++) {
            checkPrompt(g, prompts.get(s), packed, starts[s], name + " packed sequence " + s);
        }
    }

    private static void checkPrompt(GoldenFile g, JsonNode prompt, ForwardPass p, int start, String what) {
        int n = prompt.get("ids").size();
        int last = start + n - 1;
        float[] normed = p.normed();
        int d = g.model.config().hiddenSize();
        assertArrayClose(doubles(prompt.get("logits_last")), g.model.logits(normed, last), TOL, 0, what + " logits_last");
        assertArrayClose(doubles(prompt.get("logits_first")), g.model.logits(normed, start), TOL, 0, what + " logits_first");
        assertArrayClose(doubles(prompt.get("normed_last")), java.util.Arrays.copyOfRange(normed, last * d, (last + 1) * d),
                TOL, 0, what + " normed_last");
        JsonNode res = prompt.get("residual_last_after_layer");
        assertEquals(g.model.config().numLayers(), res.size());
        for (int l = 0; l < res.size(); l++) {
            assertArrayClose(doubles(res.get(l)), p.residualAfterLayer(l, last), TOL, 0, what + " residual after layer " + l);
        }
        JsonNode pp = prompt.get("per_position");
        int[] argmax = ints(pp.get("argmax"));
        double[] max = doubles(pp.get("max_logit")), lse = doubles(pp.get("logsumexp"));
        for (int i = 0; i < n; i++) {
            float[] logits = g.model.logits(normed, start + i);
            int best = 0;
            for (int v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
            assertEquals(argmax[i], best, what + " argmax at position " + i);
            assertArrayClose(new double[]{max[i]}, new float[]{logits[best]}, TOL, 0, what + " max logit at " + i);
            double scaleRef = Math.max(Math.abs(max[i]), 1.0);
            double gotLse = CrossEntropy.logSumExp(logits, 0, logits.length);
            assertEquals(lse[i], gotLse, TOL * scaleRef, what + " logsumexp at " + i);
        }
    }
}
