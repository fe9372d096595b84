package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Training through the CLI gives the independent PyTorch gradients: from the fixture's tag values
 * (--init-tags), one plain SGD step with lr η on the fixture's prompt rendered from a one-row data file
 * changes every tag (and the head) by exactly −η·grad.
 */
class TrainSgdFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double LR = 0.5;

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
            "stories260K, domain_function_isolated, mse",
            "stories260K, domain_function_causal, ce",
            "tiny-llama-gqa, domain_function_isolated, mse",
            "tiny-llama-tied, domain_function_causal, mse"})
    void oneSgdStepMovesEachTagByMinusLrTimesTheFixtureGradient(String modelName, String scenario, String loss, @TempDir Path dir) throws Exception {
        Path modelDir = Shared.model(modelName);
        JsonNode sc = null;
        for (JsonNode s : JSON.readTree(Shared.fixture(modelName + ".golden.json").toFile()).get("tag_scenarios")) {
            if (s.get("name").asText().equals(scenario)) sc = s;
        }
        Model model = Model.load(modelDir);
        int d = model.config().hiddenSize();
        TagSet init = new TagSet(model.name(), model.fingerprint());
        init.put(new Tag("<D>", TagKind.DOMAIN, 3, d, matrix(sc.get("tags").get("D"), d)));
        init.put(new Tag("<F>", TagKind.FUNCTION, 3, d, matrix(sc.get("tags").get("F"), d)));
        float[] w = new float[d];
        for (int k = 0; k < d; k++) w[k] = (float) sc.get("head_weight").get(k).asDouble();
        init.putHead(new RegressionHead("<F>", 1, d, w, null, null, null));
        Path initFile = dir.resolve("init.tags.safetensors");
        TagFile.write(init, initFile);

        boolean isolated = scenario.endsWith("isolated");
        Files.writeString(dir.resolve("one.csv"), "seq,y\nMKTAYIAKQRQ," + sc.get("target").asDouble() + "\n");
        boolean mse = loss.equals("mse");
        String task = mse
                ? "type: regression\n    label: y\n    isolate_domains: " + isolated
                : "type: lm\n    bos: true\n    isolate_domains: " + isolated;
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                output: out
                tags: {D: domain, F: function}
                tasks:
                  t:
                    template: "The protein sequence is <D> {seq}. The score is <F>"
                    data: one.csv
                    %s
                stages:
                  - {name: one, stage: %d, tasks: [t], train: [D, F], optimizer: sgd, lr: %s, schedule: constant,
                     warmup_ratio: 0, batch_size: 1, grad_accum: 1, max_steps: 1, max_grad_norm: 0%s}
                """.formatted(modelDir.toString().replace("\\", "/"), task, mse ? 2 : 1, LR, mse ? ", mse_scale: 1" : ""));

        CliRun run = CliRun.of("train", dir.resolve("exp.yaml").toString(), "--init-tags", initFile.toString(), "--quiet");
        assertEquals(0, run.exit(), run.err());

        TagSet after = TagFile.read(dir.resolve("out/final.tags.safetensors"));
        JsonNode grads = sc.get(loss).get("d_tags");
        for (String t : new String[]{"D", "F"}) {
            float[] before = init.get(t).values(), now = after.get(t).values();
            double[] expected = new double[before.length];
            double[] g = doubles(grads.get(t), d);
            double maxStep = 0, maxErr = 0;
            for (int i = 0; i < before.length; i++) {
                expected[i] = before[i] - LR * g[i];
                maxStep = Math.max(maxStep, Math.abs(LR * g[i]));
                maxErr = Math.max(maxErr, Math.abs(now[i] - expected[i]));
            }
            // the fixture's gradient tolerance (1e-3 of the largest component) on the step, plus float rounding of the values
            double tol = maxStep == 0 ? 1e-6 : 1e-3 * maxStep + 1e-6;
            assertTrue(maxErr <= tol, t + ": max error " + maxErr + " > " + tol);
        }
        if (mse) {
            float[] hw = after.head("F").weight();
            JsonNode gw = sc.get("mse").get("d_head_weight");
            double maxStep = 0, maxErr = 0;
            for (int k = 0; k < d; k++) {
                double step = LR * gw.get(k).asDouble();
                maxStep = Math.max(maxStep, Math.abs(step));
                maxErr = Math.max(maxErr, Math.abs(hw[k] - (w[k] - step)));
            }
            assertTrue(maxErr <= 1e-3 * maxStep + 1e-6, "head: max error " + maxErr);
        }
        assertTrue(Files.readString(dir.resolve("out/metrics.jsonl")).contains("\"step\":1"));
    }

    private static float[] matrix(JsonNode m, int d) {
        float[] v = new float[m.size() * d];
        for (int j = 0; j < m.size(); j++) for (int k = 0; k < d; k++) v[j * d + k] = (float) m.get(j).get(k).asDouble();
        return v;
    }

    private static double[] doubles(JsonNode m, int d) {
        double[] v = new double[m.size() * d];
        for (int j = 0; j < m.size(); j++) for (int k = 0; k < d; k++) v[j * d + k] = m.get(j).get(k).asDouble();
        return v;
    }
}
