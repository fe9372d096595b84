package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.TagSet;
import tagllm.task.Example;
import tagllm.task.Presets;
import tagllm.task.TaskSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** A run killed after its checkpoint and resumed ends with the same tags and head as an uninterrupted run. */
class TrainerResumeTest {


    @Test
    void resumedRunReproducesTheUninterruptedOne(@TempDir Path dir) throws Exception {
        TaskSpec qed = Presets.get("QED", "test");
        // AdamW with warmup + cosine, accumulation and clipping: every piece of state must survive the restart
        Hyper h = Hyper.paper().toBuilder().lr(1e-2).weightDecay(0.01).warmupRatio(0.2).batchSize(3).gradAccum(2)
                .maxSteps(6).checkpointEvery(3).build();
        Set<String> trainable = Set.of("<SMILES>", "<QED>");

        TagSet a = TinyRun.qedTags();
        List<Example> exA = TinyRun.esolExamples(qed, a);
        Trainer.Result ra = new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("a.jsonl")))
                .run(a, exA, trainable, new Trainer.Options("s", h, 11, true, dir.resolve("a.ckpt"), false, 0));
        assertEquals(6, ra.steps());
        // checkpoint_every 3: the uninterrupted run leaves its step-3 checkpoint (none at the end: the stage is done)
        Checkpoint.State atThree = Checkpoint.read(dir.resolve("a.ckpt")).state();
        assertEquals(3, atThree.step());
        assertEquals(6, atThree.totalSteps());

        TagSet b = TinyRun.qedTags();
        List<Example> exB = TinyRun.esolExamples(qed, b);
        Path ckpt = dir.resolve("b.ckpt");
        Trainer.Result first = new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("b.jsonl")))
                .run(b, exB, trainable, new Trainer.Options("s", h, 11, true, ckpt, false, 3));
        assertTrue(first.stopped());
        assertEquals(3, first.steps());
        // the interrupted run stopped where the uninterrupted one checkpointed, with the same tags and optimizer state
        Checkpoint.Loaded stopped = Checkpoint.read(ckpt), uninterrupted = Checkpoint.read(dir.resolve("a.ckpt"));
        assertEquals(atThree, stopped.state());
        for (String t : trainable) assertArrayEquals(uninterrupted.tags().get(t).values(), stopped.tags().get(t).values(), t);
        assertEquals(uninterrupted.optimizerState().keySet(), stopped.optimizerState().keySet());
        for (var e : uninterrupted.optimizerState().entrySet()) {
            assertArrayEquals(e.getValue(), stopped.optimizerState().get(e.getKey()), "optimizer state " + e.getKey());
        }

        TagSet c = TinyRun.qedTags(); // a new process: fresh tags, state comes from the checkpoint
        Trainer.Result second = new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("b.jsonl")))
                .run(c, exB, trainable, new Trainer.Options("s", h, 11, true, ckpt, true, 0));
        assertEquals(6, second.steps());

        for (String t : trainable) {
            float[] va = a.get(t).values(), vc = c.get(t).values();
            for (int i = 0; i < va.length; i++) assertEquals(va[i], vc[i], 1e-6, t + "[" + i + "]");
            assertFalse(java.util.Arrays.equals(va, TinyRun.qedTags().get(t).values()), t + " was trained");
        }
        assertArrayEquals(a.head("QED").weight(), c.head("QED").weight(), 1e-6f);
        assertArrayEquals(a.head("QED").bias(), c.head("QED").bias(), 1e-6f);
        assertEquals(ra.lastLoss(), second.lastLoss(), 1e-6 * Math.abs(ra.lastLoss()));
    }

    /**
     * With validation on, the resumed stage keeps the best step of the whole stage and logs the same validations:
     * the validator here scores the distance of ⟨QED⟩ from its start, so step 0 is best and every later step worse;
     * a resume that restarted the best-so-far at its own step kept a trained ⟨QED⟩ instead of the initial one.
     */
    @Test
    void resumedRunKeepsTheBestValidationOfTheWholeStage(@TempDir Path dir) throws Exception {
        TaskSpec qed = Presets.get("QED", "test");
        Hyper h = Hyper.paper().toBuilder().lr(1e-2).warmupRatio(0).batchSize(3).gradAccum(1)
                .maxSteps(6).checkpointEvery(3).evalEvery(2).build();
        Set<String> trainable = Set.of("<SMILES>", "<QED>");
        float[] start = TinyRun.qedTags().get("<QED>").values();
        Trainer.Validator fromStart = tags -> {
            float[] v = tags.get("<QED>").values();
            double s2 = 0;
            for (int i = 0; i < v.length; i++) s2 += (v[i] - start[i]) * (double) (v[i] - start[i]);
            return Trainer.Score.of(Math.sqrt(s2));
        };

        TagSet a = TinyRun.qedTags();
        List<Example> exA = TinyRun.esolExamples(qed, a);
        new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("a.jsonl")))
                .run(a, exA, trainable, new Trainer.Options("s", h, 5, true, dir.resolve("a.ckpt"), false, 0, fromStart));
        // the checkpoint carries the snapshot: at step 3 the best is still step 0's tags
        Checkpoint.Best atThree = Checkpoint.read(dir.resolve("a.ckpt")).best();
        assertNotNull(atThree);
        assertEquals(Map.of("", 0), atThree.step());
        assertArrayEquals(start, atThree.values().get("tag.QED"));

        TagSet b = TinyRun.qedTags();
        List<Example> exB = TinyRun.esolExamples(qed, b);
        Path ckpt = dir.resolve("b.ckpt");
        new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("b.jsonl")))
                .run(b, exB, trainable, new Trainer.Options("s", h, 5, true, ckpt, false, 3, fromStart));
        TagSet c = TinyRun.qedTags();
        new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("b.jsonl")))
                .run(c, exB, trainable, new Trainer.Options("s", h, 5, true, ckpt, true, 0, fromStart));

        // the uninterrupted run kept step 0 (its initial ⟨QED⟩); so must the resumed one, bit for bit
        assertArrayEquals(start, a.get("<QED>").values());
        for (String t : trainable) assertArrayEquals(a.get(t).values(), c.get(t).values(), t);
        assertArrayEquals(a.head("QED").weight(), c.head("QED").weight());
        assertEquals(validationSteps(dir.resolve("a.jsonl")), validationSteps(dir.resolve("b.jsonl")));
        assertEquals(List.of(0, 2, 4, 6), validationSteps(dir.resolve("a.jsonl")));
    }

    private static List<Integer> validationSteps(Path log) throws Exception {
        List<Integer> steps = new ArrayList<>();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : java.nio.file.Files.readAllLines(log)) {
            var r = json.readTree(line);
            if (r.has("valid_score")) steps.add(r.get("step").asInt());
        }
        return steps;
    }

    @Test
    void aCheckpointOfAnotherConfigurationIsRefused(@TempDir Path dir) throws Exception {
        TaskSpec qed = Presets.get("QED", "test");
        Hyper h = Hyper.paper().toBuilder().optimizer("sgd").lr(1e-3).schedule("constant").warmupRatio(0).batchSize(2)
                .gradAccum(1).maxGradNorm(0).maxSteps(4).checkpointEvery(2).build();
        TagSet a = TinyRun.qedTags();
        List<Example> ex = TinyRun.esolExamples(qed, a);
        Path ckpt = dir.resolve("x.ckpt");
        new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("m.jsonl")))
                .run(a, ex, Set.of("<QED>"), new Trainer.Options("s", h, 1, false, ckpt, false, 2));
        Hyper longer = Hyper.paper().toBuilder().optimizer("sgd").lr(1e-3).schedule("constant").warmupRatio(0)
                .batchSize(2).gradAccum(1).maxGradNorm(0).maxSteps(8).checkpointEvery(2).build();
        var e = assertThrows(IllegalArgumentException.class, () -> new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("m.jsonl")))
                .run(TinyRun.qedTags(), ex, Set.of("<QED>"), new Trainer.Options("s", longer, 1, false, ckpt, true, 0)));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    }
}
