package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tagllm.head.RegressionHead;
import tagllm.model.ModelConfig;
import tagllm.model.Transformer;
import tagllm.model.Weights;
import tagllm.tag.Sequence;
import tagllm.tag.Tag;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.config.ConfigNode;
import tagllm.task.Example;
import tagllm.task.TaskSpec;
import tagllm.testutil.Shared;
import tagllm.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole tag path — template rendering with the real tokenizer, tag set, packing, engine forward,
 * head + MSE, LM-head CE, engine backward, scatter into tag gradients (Trainer.microStep) — against
 * ../shared/fixtures tag_scenarios (independent PyTorch float64), all 4 scenarios × 3 models, within
 * the fixtures README tolerances. The fixture MSE is plain (pred − target)², so mse_scale is 1 here.
 */
class TagPathFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The prompts as templates (fixtures README): kinds as the fixture uses the tags. */
    private static final Map<String, String> TEMPLATES = Map.of(
            "tag_mid", "Once upon <A> a time, there was a little girl named Lily.",
            "tag_end", "The cat sat on the mat. <F>",
            "domain_function_causal", "The protein sequence is <D> {seq}. The score is <F>",
            "domain_function_isolated", "The protein sequence is <D> {seq}. The score is <F>");

    static Stream<String[]> cases() {
        List<String[]> out = new ArrayList<>();
        for (String m : new String[]{"stories260K", "tiny-llama-gqa", "tiny-llama-tied"}) {
            for (String s : TEMPLATES.keySet().stream().sorted().toList()) out.add(new String[]{m, s});
        }
        return out.stream();
    }

    /**
     * Tolerances for one compute precision: relative for the losses; for the head's prediction, |pred − target|
     * against the reference's, relative to |target| + the reference's; for gradients, relative to max |reference|.
     */
    private record Tolerance(double loss, double prediction, double tagGrad, double headGrad) {}

    private static final Tolerance F32 = new Tolerance(1e-4, 1e-4, 1e-3, 1e-3);
    /**
     * BF16 compute rounds the input of every projection to 8 significant bits (relative 2⁻⁹), through every layer:
     * measured worst over the 12 cases, CE 0.15%, prediction 2.2% (stories260K tag_end), tag gradients 2.9%, head
     * gradient 5.1%. The bounds are about twice that; a kernel bug (a wrong pair, a skipped block) is off by O(1).
     */
    private static final Tolerance BF16 = new Tolerance(5e-3, 5e-2, 6e-2, 0.1);

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void lossesAndGradientsMatchTheFixture(String modelName, String scenario) throws Exception {
        check(modelName, scenario, false, F32);
    }

    /** The same path with the projections computing in BF16 (native kernels), against the same float64 reference. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void bf16ComputeStaysCloseToTheFixture(String modelName, String scenario) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(tagllm.tensor.NativeBf16.available(), tagllm.tensor.NativeBf16.status());
        check(modelName, scenario, true, BF16);
    }

    private static void check(String modelName, String scenario, boolean bf16, Tolerance tol) throws Exception {
        Path dir = Shared.model(modelName);
        JsonNode golden = JSON.readTree(Shared.fixture(modelName + ".golden.json").toFile());
        JsonNode sc = null;
        for (JsonNode s : golden.get("tag_scenarios")) if (s.get("name").asText().equals(scenario)) sc = s;
        assertNotNull(sc, scenario);
        ModelConfig config = ModelConfig.load(dir.resolve("config.json"));
        Weights weights = Weights.load(config, dir);
        Transformer model = new Transformer(bf16 ? weights.withBf16Compute() : weights);
        TokenizerEncoder enc = new TokenizerEncoder(Tokenizer.load(dir));
        int d = config.hiddenSize();

        TagSet tags = new TagSet(modelName, "fp");
        Map<String, String> kinds = new LinkedHashMap<>();
        for (var e : sc.get("tags").properties()) {
            String name = e.getKey();
            TagKind kind = name.equals("D") ? TagKind.DOMAIN : TagKind.FUNCTION;
            kinds.put(name, kind.label());
            JsonNode m = e.getValue();
            float[] v = new float[m.size() * d];
            for (int j = 0; j < m.size(); j++) for (int k = 0; k < d; k++) v[j * d + k] = (float) m.get(j).get(k).asDouble();
            tags.put(new Tag(name, kind, m.size(), d, v));
        }
        String fn = scenario.equals("tag_mid") ? "<A>" : "<F>";
        float[] w0 = floats(sc.get("head_weight"));
        tags.putHead(new RegressionHead(fn, 1, d, w0.clone(), null, null, null));

        boolean isolated = sc.get("attention").get("type").asText().equals("domain_isolated");
        var taskNode = JSON.createObjectNode().put("type", "lm").put("template", TEMPLATES.get(scenario))
                .put("isolate_domains", isolated).put("bos", true);
        taskNode.putObject("tags").setAll((com.fasterxml.jackson.databind.node.ObjectNode) JSON.valueToTree(kinds));
        TaskSpec lmTask = TaskSpec.fromConfig(scenario, new ConfigNode(taskNode, scenario), Map.of());

        // 1. our rendering gives exactly the fixture's sequence and mask
        Sequence seq = lmTask.parsedTemplate().render(Map.of("seq", "MKTAYIAKQRQ")::get, tagllm.tag.Template.lookup(tags), enc,
                new tagllm.tag.Template.RenderOptions(true, isolated, null, true, false));
        assertEquals(fixtureSequence(sc.get("sequence")), seq.toString(), "rendered sequence");
        assertEquals(sc.get("read_position").asInt(), seq.readPosition(), "the function tag's last slot");
        if (isolated) {
            JsonNode span = sc.get("attention").get("spans").get(0);
            assertArrayEquals(new int[]{span.get(0).asInt(), span.get(1).asInt()}, seq.spans()[0]);
        }

        Hyper h = Hyper.paper().toBuilder().optimizer("sgd").lr(0).schedule("constant").warmupRatio(0).batchSize(1)
                .gradAccum(1).maxGradNorm(0).checkpointEvery(0).mseScale(1.0).build();
        Trainer trainer = new Trainer(model, Progress.silent(), null);
        Set<String> trainable = Set.copyOf(tags.tags().stream().map(Tag::name).toList());

        // 2. CE over every text target, through the LM head, back into the tags
        Map<String, float[]> gradsCe = grads(tags);
        Trainer.StepLoss ce = trainer.microStep(tags, List.of(new Example(lmTask, seq, Double.NaN, null, "fixture", 1)),
                gradsCe, Map.of(), Map.of(), trainable, h, false, 1.0);
        assertEquals(sc.get("ce").get("loss").asDouble(), ce.ce(), tol.loss() * sc.get("ce").get("loss").asDouble(), "ce loss");
        checkTagGrads(sc.get("ce").get("d_tags"), gradsCe, d, tol.tagGrad(), scenario + " ce");

        // 3. head MSE at the read position: a regression view of the same sequence, cut after the read row
        var regNode = JSON.createObjectNode().put("type", "regression").put("template", TEMPLATES.get(scenario))
                .put("label", "y").put("isolate_domains", isolated);
        regNode.putObject("tags").setAll((com.fasterxml.jackson.databind.node.ObjectNode) JSON.valueToTree(kinds));
        TaskSpec regTask = TaskSpec.fromConfig(scenario, new ConfigNode(regNode, scenario), Map.of());
        int read = sc.get("read_position").asInt();
        Example ex = new Example(regTask, seq.truncate(read + 1), sc.get("target").asDouble(), null, "fixture", 1);
        Sequence cut = ex.sequence();
        assertEquals(read, cut.readPosition());
        assertEquals(read + 1, cut.length());
        Map<String, float[]> gradsMse = grads(tags);
        Param hw = new Param("head.w", tags.head(fn).weight());
        Trainer.StepLoss mse = trainer.microStep(tags, List.of(ex), gradsMse, Map.of(fn, hw), Map.of(), trainable, h, false, 1.0);
        double refLoss = sc.get("mse").get("loss").asDouble();
        if (!bf16) assertEquals(refLoss, mse.mse(), tol.loss() * refLoss, "mse loss");
        // MSE = (pred − target)²: compare |pred − target| so a small loss does not turn a small error into a large ratio.
        double target = sc.get("target").asDouble();
        assertEquals(Math.sqrt(refLoss), Math.sqrt(mse.mse()), tol.prediction() * (Math.abs(target) + Math.sqrt(refLoss)),
                "|prediction − target|");
        checkTagGrads(sc.get("mse").get("d_tags"), gradsMse, d, tol.tagGrad(), scenario + " mse");
        assertClose(doubles(sc.get("mse").get("d_head_weight")), hw.grad(), tol.headGrad(), 0, "d_head_weight");
    }

    private static Map<String, float[]> grads(TagSet tags) {
        Map<String, float[]> g = new LinkedHashMap<>();
        for (Tag t : tags.tags()) g.put(t.name(), new float[t.values().length]);
        return g;
    }

    private static void checkTagGrads(JsonNode ref, Map<String, float[]> got, int d, double rel, String what) {
        for (var e : ref.properties()) {
            JsonNode m = e.getValue();
            double[] r = new double[m.size() * d];
            for (int j = 0; j < m.size(); j++) for (int k = 0; k < d; k++) r[j * d + k] = m.get(j).get(k).asDouble();
            assertClose(r, got.get(Tag.canonicalName(e.getKey())), rel, 1e-7, what + " d_tags " + e.getKey());
        }
    }

    private static String fixtureSequence(JsonNode seq) {
        List<String> parts = new ArrayList<>();
        for (JsonNode e : seq) parts.add(e.has("token") ? e.get("token").asText() : "<" + e.get("tag").asText() + ">#" + e.get("slot").asInt());
        return "[" + String.join(" ", parts) + "]";
    }

    static void assertClose(double[] ref, float[] got, double rel, double absZero, String what) {
        assertEquals(ref.length, got.length, what + " length");
        double maxRef = 0, maxErr = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            maxErr = Math.max(maxErr, Math.abs(got[i] - ref[i]));
        }
        double tol = maxRef == 0 ? absZero : rel * maxRef;
        assertTrue(maxErr <= tol, what + ": max error " + maxErr + " exceeds " + tol + " (max |ref| " + maxRef + ")");
    }

    private static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) a.get(i).asDouble();
        return out;
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asDouble();
        return out;
    }
}
