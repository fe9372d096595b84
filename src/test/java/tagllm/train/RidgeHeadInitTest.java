package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.Row;
import tagllm.head.HeadInit;
import tagllm.head.RegressionHead;
import tagllm.head.Ridge;
import tagllm.tag.TagInit;
import tagllm.tag.TagSet;
import tagllm.config.ConfigNode;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** head: {init: ridge} on stories260K and esol rows: the head is the ridge optimum, and training from it keeps improving. */
class RidgeHeadInitTest {
    private static TaskSpec task() {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("preset", "QED").put("label", "measured_log_solubility");
        node.putObject("head").put("standardize", true).put("bias", true).put("init", "ridge");
        return TaskSpec.fromConfig("sol", new ConfigNode(node, "sol"), Map.of());
    }

    private static TagSet tags(TaskSpec t) {
        TagSet s = TinyRun.emptyTags();
        for (String n : t.parsedTemplate().tagNames()) s.put(TagInit.newTag(n, t.kindOf(n), 2, TinyRun.model().weights().embedTokens()));
        return s;
    }

    private static List<Example> rows(TaskSpec t, TagSet tags, String split, int n) throws Exception {
        ExampleRenderer r = new ExampleRenderer(t, tags, TinyRun.enc(), 512);
        List<Example> out = new ArrayList<>();
        int line = 2;
        for (Map<String, String> row : TinyRun.csv("smiles/esol.csv", split, n)) out.add(r.example(Row.of("esol.csv", line++, row)));
        return out;
    }

    /** Training-set MSE in head space, through the prediction path (not the trainer's). */
    private static double headSpaceMse(TagSet tags, TaskSpec t, List<Example> ex) {
        RegressionHead head = tags.head(t.functionTag());
        double[] pred = new TagPredictor(TinyRun.model(), TinyRun.tokenizer(), tags, id -> false).predictValues(t, ex.stream().map(Example::sequence).toList());
        double s = 0;
        for (int i = 0; i < pred.length; i++) s += Math.pow(head.toHeadSpace(0, pred[i]) - head.toHeadSpace(0, ex.get(i).label()), 2);
        return s / pred.length;
    }

    @Test
    void ridgeInitIsTheRidgeOptimumAndTrainingFromItLowersTheLoss(@TempDir Path dir) throws Exception {
        TaskSpec t = task();
        assertEquals(HeadInit.RIDGE, t.head().init());
        assertEquals("ridge", t.toJson().get("head").get("init").asText(), "the init round-trips through the tag file's task");
        TagSet tags = tags(t);
        List<Example> train = rows(t, tags, "train", 80), valid = rows(t, tags, "valid", 8);
        RegressionHeads.create(tags, t, train, new EmbeddingStatistics(TinyRun.model()));
        double zeroMse = headSpaceMse(tags, t, train);
        assertEquals(1.0, zeroMse, 1e-4, "the zero head of a standardised task predicts the mean: MSE = 1 in head space");
        Ridge r = RegressionHeads.fitRidge(TinyRun.model(), tags, t, train, valid);
        RegressionHead head = tags.head(t.functionTag());

        // stationarity of Σ(z − target)²/n + λ‖w‖² at the head, with z from the prediction path
        double[][] h = HiddenStates.at(TinyRun.model(), tags, train.stream().map(Example::sequence).toList(), s -> s.readPosition());
        double[] z = new TagPredictor(TinyRun.model(), TinyRun.tokenizer(), tags, id -> false).predictValues(t, train.stream().map(Example::sequence).toList());
        int n = train.size(), d = h[0].length;
        double[] grad = new double[d];
        double gradBias = 0;
        for (int i = 0; i < n; i++) {
            double res = head.toHeadSpace(0, z[i]) - head.toHeadSpace(0, train.get(i).label());
            for (int j = 0; j < d; j++) grad[j] += 2 * res * h[i][j] / n;
            gradBias += 2 * res / n;
        }
        double wNorm = 0;
        for (int j = 0; j < d; j++) {
            grad[j] += 2 * r.lambda() * head.weight()[j];
            wNorm += Math.abs(head.weight()[j]);
        }
        assertTrue(wNorm > 0, "the head moved off zero");
        for (int j = 0; j < d; j++) assertEquals(0, grad[j], 2e-4, "∂/∂w" + j);
        assertEquals(0, gradBias, 2e-4, "∂/∂b");
        double ridgeMse = headSpaceMse(tags, t, train);
        assertTrue(ridgeMse < zeroMse, "ridge init fits the training rows better than the mean: " + ridgeMse);

        // tags and head trained jointly from there by full-batch gradient descent with small steps: the training loss goes down
        Hyper hyper = Hyper.paper().toBuilder().optimizer("sgd").lr(1e-3).schedule("constant").warmupRatio(0)
                .batchSize(80).gradAccum(1).maxSteps(8).checkpointEvery(0).mseScale(1).build();
        new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("m.jsonl")))
                .run(tags, train, Set.of(t.functionTag(), "<SMILES>"), new Trainer.Options("s", hyper, 1, false, null, false, 0));
        double trained = headSpaceMse(tags, t, train);
        assertTrue(trained <= ridgeMse, "training from the ridge head does not get worse: " + ridgeMse + " -> " + trained);
        System.out.println("ridge head init: head-space training MSE zero head " + zeroMse + ", ridge " + ridgeMse + ", trained " + trained);
    }
}
