package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tagllm.model.GoldenFile.assertArrayClose;
import static tagllm.model.GoldenFile.assertRelClose;
import static tagllm.model.GoldenFile.doubles;
import static tagllm.model.GoldenFile.floats;

/**
 * Tag-LLM gradients against the fixtures' PyTorch autograd values: the four tag layouts (incl. the domain-isolation
 * mask) of each model, MSE through a regression head and CE through the LM head, backward to the tag rows.
 */
class BackwardGoldenTest {
    static final double VALUE_TOL = 1e-4, GRAD_TOL = 1e-3;

    /** A scenario's sequence as a packed batch, and where each tag slot sits. */
    record Built(PackedBatch batch, Map<String, int[]> slotRows, int firstTagRow) {}

    static Built build(Transformer t, JsonNode sc, boolean gradFromFirstTag) {
        int d = t.config().hiddenSize();
        JsonNode seq = sc.get("sequence");
        int n = seq.size();
        assertEquals(sc.get("length").asInt(), n);
        float[] input = new float[n * d];
        Map<String, int[]> slots = new TreeMap<>();
        int firstTag = n;
        for (int i = 0; i < n; i++) {
            JsonNode e = seq.get(i);
            if (e.has("token")) {
                t.embed(e.get("token").asInt(), input, i * d);
            } else {
                String tag = e.get("tag").asText();
                int slot = e.get("slot").asInt();
                float[] v = floats(sc.get("tags").get(tag).get(slot));
                System.arraycopy(v, 0, input, i * d, d);
                slots.computeIfAbsent(tag, k -> new int[sc.get("tags").get(tag).size()])[slot] = i;
                firstTag = Math.min(firstTag, i);
            }
        }
        int[] pos = new int[n], from = new int[n];
        for (int i = 0; i < n; i++) pos[i] = i;
        JsonNode att = sc.get("attention");
        if (att.get("type").asText().equals("domain_isolated")) {
            for (JsonNode span : att.get("spans")) {
                int s = span.get(0).asInt(), e = span.get(1).asInt();
                for (int i = s; i < e; i++) from[i] = s;
            }
        } else {
            assertEquals("causal", att.get("type").asText());
        }
        PackedBatch b = new PackedBatch(d, input, new int[]{0, n}, pos, from, new int[]{gradFromFirstTag ? firstTag : 0});
        return new Built(b, slots, firstTag);
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-llama-gqa", "tiny-llama-tied"})
    void tagScenariosMatchAutograd(String name) {
        GoldenFile g = GoldenFile.load(name);
        Transformer t = g.model;
        int d = t.config().hiddenSize();
        assertEquals(4, g.json.get("tag_scenarios").size());
        for (JsonNode sc : g.json.get("tag_scenarios")) {
            String what = name + " " + sc.get("name").asText();
            Built built = build(t, sc, true);
            ForwardPass p = t.forward(built.batch(), true);
            int read = sc.get("read_position").asInt();
            float[] normed = Arrays.copyOfRange(p.normed(), read * d, (read + 1) * d);
            assertArrayClose(doubles(sc.get("normed_at_read_position")), normed, VALUE_TOL, 0, what + " normed");
            assertArrayClose(doubles(sc.get("logits_at_read_position")), t.logits(p.normed(), read), VALUE_TOL, 0, what + " logits");

            // MSE through a bias-free regression head: loss = (w·normed − target)²
            float[] head = floats(sc.get("head_weight"));
            double pred = 0;
            for (int j = 0; j < d; j++) pred += (double) head[j] * normed[j];
            assertRelClose(sc.get("prediction").asDouble(), pred, VALUE_TOL, what + " prediction");
            double err = pred - sc.get("target").asDouble();
            JsonNode mse = sc.get("mse");
            assertRelClose(mse.get("loss").asDouble(), err * err, VALUE_TOL, what + " mse loss");
            float[] dHead = new float[d];
            float[] dNormed = new float[p.rows() * d];
            for (int j = 0; j < d; j++) {
                dHead[j] = (float) (2 * err * normed[j]);
                dNormed[read * d + j] = (float) (2 * err * head[j]);
            }
            assertArrayClose(doubles(mse.get("d_head_weight")), dHead, GRAD_TOL, 1e-7, what + " mse d_head_weight");
            checkTagGradients(t.backward(p, dNormed), mse.get("d_tags"), built, d, what + " mse");

            // CE through the LM head over every position whose next element is a token
            JsonNode ce = sc.get("ce");
            List<int[]> pairs = new ArrayList<>();
            ce.get("targets").forEach(x -> pairs.add(new int[]{x.get(0).asInt(), x.get(1).asInt()}));
            int[] rows = pairs.stream().mapToInt(x -> x[0]).toArray(), targets = pairs.stream().mapToInt(x -> x[1]).toArray();
            float[] dCe = new float[p.rows() * d];
            double loss = LmHeadLoss.crossEntropy(t, p.normed(), rows, targets, 1f, dCe);
            assertRelClose(ce.get("loss").asDouble(), loss, VALUE_TOL, what + " ce loss");
            float[] dInput = t.backward(p, dCe);
            checkTagGradients(dInput, ce.get("d_tags"), built, d, what + " ce");

            // backward from row 0 (nothing skipped) gives the same tag gradients
            Built all = build(t, sc, false);
            ForwardPass p0 = t.forward(all.batch(), true);
            float[] dInput0 = t.backward(p0, dCe);
            checkTagGradients(dInput0, ce.get("d_tags"), all, d, what + " ce (gradFrom 0)");
            // rows before the first trainable row are not computed when gradFrom says so
            for (int i = 0; i < built.firstTagRow() * d; i++) assertEquals(0f, dInput[i]);
        }
    }

    private static void checkTagGradients(float[] dInput, JsonNode ref, Built built, int d, String what) {
        java.util.Set<String> refTags = new java.util.TreeSet<>();
        ref.fieldNames().forEachRemaining(refTags::add);
        assertEquals(built.slotRows().keySet(), refTags, what + " tags");
        for (Map.Entry<String, int[]> e : built.slotRows().entrySet()) {
            JsonNode refTag = ref.get(e.getKey());
            int p = e.getValue().length;
            double[] want = new double[p * d];
            float[] got = new float[p * d];
            for (int j = 0; j < p; j++) {
                double[] r = doubles(refTag.get(j));
                System.arraycopy(r, 0, want, j * d, d);
                System.arraycopy(dInput, e.getValue()[j] * d, got, j * d, d);
            }
            assertArrayClose(want, got, GRAD_TOL, 1e-7, what + " d_tags." + e.getKey());
            boolean allZero = Arrays.stream(want).allMatch(v -> v == 0);
            if (allZero) {
                for (float v : got) assertTrue(Math.abs(v) <= 1e-7, what + " d_tags." + e.getKey() + " must be zero, got " + v);
            }
        }
    }
}
