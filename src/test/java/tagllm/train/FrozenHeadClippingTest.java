package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.config.ConfigNode;
import tagllm.data.Row;
import tagllm.tag.TagInit;
import tagllm.tag.TagSet;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TaskSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * head_lr_scale: 0 freezes the heads (docs/training.md). A frozen head must then leave the tags' training as it would be
 * without it: in PyTorch a frozen parameter has no .grad and clip_grad_norm_ does not count it, so the tag's clipped step is
 * its unclipped step × min(1, max_norm / (‖g_tag‖ + 1e-6)). The QED head at the mean embedding has a gradient three times
 * the tag's, which, counted in the norm, shrank the tag's step to a third.
 */
class FrozenHeadClippingTest {
    @Test
    void aFrozenHeadDoesNotCountInTheClippingNorm(@TempDir Path dir) throws Exception {
        double lr = 1e-3;
        Hyper base = Hyper.paper().toBuilder().optimizer("sgd").lr(lr).schedule("constant").warmupRatio(0).batchSize(6).gradAccum(1)
                .maxSteps(1).checkpointEvery(0).headLrScale(0).build();
        float[][] unclipped = step(base.toBuilder().maxGradNorm(0).build(), dir.resolve("a.jsonl"));
        float[][] clipped = step(base.toBuilder().maxGradNorm(1.0).build(), dir.resolve("b.jsonl"));
        float[] start = unclipped[0], free = unclipped[1], cut = clipped[1];
        assertArrayEquals(unclipped[2], unclipped[3], "the frozen head did not move");
        assertArrayEquals(clipped[2], clipped[3], "the frozen head did not move");

        double gNorm = 0;
        for (int i = 0; i < start.length; i++) gNorm += Math.pow((start[i] - free[i]) / lr, 2);
        gNorm = Math.sqrt(gNorm);
        assertTrue(gNorm > 1.5, "the tag's gradient is clipped at all: " + gNorm);
        double coef = Math.min(1, 1.0 / (gNorm + 1e-6));
        for (int i = 0; i < start.length; i++) {
            assertEquals((start[i] - free[i]) * coef, start[i] - cut[i], 1e-7, "tag value " + i + " (tag gradient norm " + gNorm + ")");
        }
        String log = Files.readString(dir.resolve("b.jsonl"));
        double logged = new com.fasterxml.jackson.databind.ObjectMapper().readTree(log.lines().findFirst().orElseThrow()).get("grad_norm").asDouble();
        assertEquals(gNorm, logged, 1e-3 * gNorm, "the logged grad_norm is the norm that was clipped");
    }

    /** One step on fresh tags and head: {tag before, tag after, head before, head after}. */
    private static float[][] step(Hyper h, Path log) throws Exception {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("preset", "QED").put("label", "measured_log_solubility");
        TaskSpec t = TaskSpec.fromConfig("sol", new ConfigNode(node, "sol"), Map.of());
        TagSet tags = TinyRun.emptyTags();
        for (String n : t.parsedTemplate().tagNames()) tags.put(TagInit.newTag(n, t.kindOf(n), 2, TinyRun.model().weights().embedTokens()));
        ExampleRenderer r = new ExampleRenderer(t, tags, TinyRun.enc(), 512);
        List<Example> train = new ArrayList<>();
        int line = 2;
        for (Map<String, String> row : TinyRun.csv("smiles/esol.csv", "train", 6)) train.add(r.example(Row.of("esol.csv", line++, row)));
        RegressionHeads.create(tags, t, train, new EmbeddingStatistics(TinyRun.model()));
        float[] tag0 = tags.get(t.functionTag()).values().clone(), head0 = tags.head(t.functionTag()).weight().clone();
        try (MetricsLog m = new MetricsLog(log)) {
            new Trainer(TinyRun.model(), Progress.silent(), m).run(tags, train, Set.of(t.functionTag()), new Trainer.Options("s", h, 1, false, null, false, 0));
        }
        return new float[][]{tag0, tags.get(t.functionTag()).values().clone(), head0, tags.head(t.functionTag()).weight().clone()};
    }
}
