package tagllm.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.Row;
import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.Tag;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.config.ConfigNode;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TaskSpec;
import tagllm.testutil.Shared;
import tagllm.train.Hyper;
import tagllm.train.MetricsLog;
import tagllm.train.Progress;
import tagllm.train.Trainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Prompt tuning with n virtual tokens is exactly a Tag-LLM tag of p = n at position 0 of the same prompt with the
 * head on its last input: the same sequence, and one optimizer step moves the virtual tokens and the head the same
 * way (plain SGD at lr 1 without clipping, so the move is the gradient) with the same loss.
 */
class PromptTuningEquivalenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int N = 3;

    private static TaskSpec task(String template, boolean tagged) {
        ObjectNode o = JSON.createObjectNode().put("type", "regression").put("template", template).put("label", "qed").put("bos", false)
                .put("isolate_domains", false);
        if (tagged) o.putObject("tags").put("Soft", "domain");
        o.putObject("head").put("bias", true).put("standardize", false).put("init", "zero");
        return TaskSpec.fromConfig("q", new ConfigNode(o, "test"), Map.of());
    }

    private static List<Row> rows() {
        String[] smiles = {"CCO", "c1ccccc1O", "CC(=O)N", "CCCCN"};
        double[] qed = {0.41, 0.55, 0.37, 0.62};
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < smiles.length; i++) out.add(Row.of("x.csv", i + 2, Map.of("smiles", smiles[i], "qed", Double.toString(qed[i]))));
        return out;
    }

    private record Stepped(float[] prompt, float[] head, float[] bias, double loss) {}

    private static Stepped step(Transformer t, List<Example> ex, String tag, String headKey, float[] prompt, float[] head, Path log) throws Exception {
        int d = t.config().hiddenSize();
        TagSet tags = new TagSet("stories260K", "test");
        tags.put(new Tag(tag, TagKind.FUNCTION, N, d, prompt.clone()));
        tags.putHead(new RegressionHead(headKey, 1, d, head.clone(), new float[]{0.5f}, null, new double[]{1}));
        Set<String> trainable = tag.equals(headKey) ? Set.of(tag) : new java.util.LinkedHashSet<>(List.of(tag, headKey));
        Hyper h = Hyper.paper().toBuilder().optimizer("sgd").lr(1.0).schedule("constant").warmupRatio(0).batchSize(ex.size())
                .gradAccum(1).maxGradNorm(0).maxSteps(1).checkpointEvery(0).build();
        try (MetricsLog m = new MetricsLog(log)) {
            m.reset();
            new Trainer(t, Progress.silent(), m).run(tags, ex, trainable, new Trainer.Options("s", h, 1, false, null, false, 0));
        }
        double loss = JSON.readTree(Files.readAllLines(log).getFirst()).get("loss").asDouble();
        RegressionHead hd = tags.head(headKey);
        return new Stepped(tags.get(tag).values(), hd.weight(), hd.bias(), loss);
    }

    @Test
    void promptTuningIsATagOfPEqualToNAtPositionZero(@TempDir Path dir) throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        Transformer t = new Transformer(m.weights());
        TokenizerEncoder enc = new TokenizerEncoder(m.tokenizer());
        int d = t.config().hiddenSize();
        TaskSpec free = task("Molecule {smiles} has QED {label}", false), tagged = task("<Soft> Molecule {smiles} has QED {label}", true);
        Random r = new Random(11);
        float[] prompt = new float[N * d], head = new float[d];
        for (int i = 0; i < prompt.length; i++) prompt[i] = (float) (0.3 * r.nextGaussian());
        for (int i = 0; i < head.length; i++) head[i] = (float) (0.1 * r.nextGaussian());

        TagSet soft = new TagSet("stories260K", "test");
        soft.put(new Tag("<Soft>", TagKind.DOMAIN, N, d, prompt.clone()));
        ExampleRenderer asTag = new ExampleRenderer(tagged, soft, enc, 512), asFree = new ExampleRenderer(free, new TagSet("stories260K", "test"), enc, 512);
        String ptTag = CompareRunner.promptTag("q");
        TaskSpec pt = CompareRunner.promptTask(free, ptTag);
        List<Example> viaTag = new ArrayList<>(), viaPrompt = new ArrayList<>();
        for (Row row : rows()) {
            Example a = asTag.example(row), b = asFree.example(row);
            viaTag.add(a);
            Sequence s = CompareRunner.withPrompt(ptTag, N, b.sequence());
            viaPrompt.add(new Example(pt, s, b.label(), null, b.source(), b.line()));
            assertEquals(a.sequence().toString().replace("<Soft>", ptTag), s.toString(), "the same elements: the tag's slots first, then the prompt");
            assertEquals(a.sequence().readPosition(), s.readPosition(), "the head reads the same last input position");
            assertEquals(0, s.firstSlotOf(n -> true), "the virtual tokens sit at position 0");
        }

        Stepped a = step(t, viaTag, "<Soft>", tagged.headKey(), prompt, head, dir.resolve("a.jsonl"));
        Stepped b = step(t, viaPrompt, ptTag, pt.headKey(), prompt, head, dir.resolve("b.jsonl"));
        assertEquals(a.loss(), b.loss(), 1e-9 * Math.abs(a.loss()), "the same loss");
        double moved = 0;
        for (int i = 0; i < prompt.length; i++) {
            moved = Math.max(moved, Math.abs(a.prompt()[i] - prompt[i]));
            assertEquals(a.prompt()[i], b.prompt()[i], 1e-6f, "virtual token gradient " + i);
        }
        assertTrue(moved > 1e-4, "the step moved the virtual tokens (the gradient is not zero): " + moved);
        assertArrayEquals(a.head(), b.head(), 1e-6f, "head weight gradient");
        assertArrayEquals(a.bias(), b.bias(), 1e-6f, "head bias gradient");
    }
}
