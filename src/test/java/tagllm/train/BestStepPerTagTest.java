package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.Row;
import tagllm.head.RegressionHead;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.config.ConfigNode;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.Presets;
import tagllm.task.TaskSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Early stopping with per-tag validation scores: two function tags trained side by side are each kept at
 * their own best step; without per-tag scores both are kept at the best mean step. The validator here is
 * scripted (its scores are given, not measured), so the expected choice is known in advance.
 */
class BestStepPerTagTest {
    private static final TaskSpec QED = Presets.get("QED", "test");
    private static final TaskSpec SCORE;

    static {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("type", "regression")
                .put("template", "Molecule <SMILES> {smiles} has solubility <Score> {label}").put("label", "measured_log_solubility");
        SCORE = TaskSpec.fromConfig("score", new ConfigNode(node, "score"), Map.of("<Score>", TagKind.FUNCTION));
    }

    private static TagSet freshTags() {
        TagSet tags = TinyRun.emptyTags();
        float[] init = TagInit.initialVector(TinyRun.model().weights().embedTokens());
        float[] mean = TagInit.meanEmbedding(TinyRun.model().weights().embedTokens());
        tags.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        for (String f : List.of("<QED>", "<Score>")) {
            tags.put(TagInit.newTag(f, TagKind.FUNCTION, 2, init));
            tags.putHead(RegressionHead.initial(f, 1, mean, true, null, null));
        }
        return tags;
    }

    private static List<Example> examples(TagSet tags) throws Exception {
        List<Example> out = new ArrayList<>();
        for (TaskSpec t : List.of(QED, SCORE)) {
            ExampleRenderer r = new ExampleRenderer(t, tags, TinyRun.enc(), 512);
            int line = 2;
            for (Map<String, String> row : TinyRun.csv("smiles/esol.csv", "train", 6)) {
                Map<String, String> withQed = new LinkedHashMap<>(row);
                withQed.putIfAbsent("qed", row.get("measured_log_solubility"));
                out.add(r.example(Row.of("esol.csv", line++, withQed)));
            }
        }
        return out;
    }

    /** Scores given per validation call (step 0, 2, 4): ⟨QED⟩ is best at step 0, ⟨Score⟩ at step 4. */
    private static Trainer.Validator scripted(boolean perTag) {
        double[] qed = {0.5, 0.9, 0.9}, score = {0.9, 0.8, 0.1};
        int[] call = {0};
        return tags -> {
            int c = call[0]++;
            Map<String, Double> by = new LinkedHashMap<>();
            if (perTag) {
                by.put("<QED>", qed[c]);
                by.put("<Score>", score[c]);
            }
            return new Trainer.Score((qed[c] + score[c]) / 2, by);
        };
    }

    private static TagSet train(Path log, boolean perTag) throws Exception {
        TagSet tags = freshTags();
        Hyper h = Hyper.paper().toBuilder().lr(1e-2).schedule("constant").warmupRatio(0).gradAccum(1).maxSteps(4)
                .checkpointEvery(0).evalEvery(2).build();
        new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(log))
                .run(tags, examples(tags), Set.of("<QED>", "<Score>"), new Trainer.Options("s", h, 5, false, null, false, 0, scripted(perTag)));
        return tags;
    }

    @Test
    void eachTagIsKeptAtItsOwnBestStep(@TempDir Path dir) throws Exception {
        TagSet start = freshTags();
        TagSet perTag = train(dir.resolve("a.jsonl"), true), joint = train(dir.resolve("b.jsonl"), false);
        // joint: the best mean (0.5) is at step 4, so both tags end trained
        assertFalse(java.util.Arrays.equals(start.get("<QED>").values(), joint.get("<QED>").values()), "training moved <QED>");
        assertFalse(java.util.Arrays.equals(start.get("<Score>").values(), joint.get("<Score>").values()), "training moved <Score>");
        // per tag: <QED> and its head back at step 0, <Score> as trained (the same run up to the choice)
        assertArrayEquals(start.get("<QED>").values(), perTag.get("<QED>").values());
        assertArrayEquals(start.head("<QED>").weight(), perTag.head("<QED>").weight());
        assertArrayEquals(start.head("<QED>").bias(), perTag.head("<QED>").bias());
        assertArrayEquals(joint.get("<Score>").values(), perTag.get("<Score>").values());
        assertArrayEquals(joint.head("<Score>").weight(), perTag.head("<Score>").weight());
        assertArrayEquals(start.get("<SMILES>").values(), perTag.get("<SMILES>").values(), "the frozen domain tag never moves");
    }
}
