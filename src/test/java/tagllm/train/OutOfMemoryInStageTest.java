package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.TagSet;
import tagllm.task.Presets;
import tagllm.task.TaskSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The heap running out during a stage's step reached the CLI as the bare "Java heap space", naming neither the stage nor
 * the step. The Trainer now throws it on as an OutOfMemoryError (Trainer.OutOfMemoryInStage, the JVM's error its cause)
 * naming both: here an engine whose gradients are zero for two steps and whose third call runs out of heap.
 */
class OutOfMemoryInStageTest {
    @Test
    void theStageAndTheStepTakenAreNamed(@TempDir Path dir) throws Exception {
        TaskSpec qed = Presets.get("QED", "test");
        Hyper h = Hyper.paper().toBuilder().optimizer("sgd").lr(0.1).schedule("constant").warmupRatio(0).batchSize(2)
                .maxGradNorm(0).maxSteps(5).checkpointEvery(0).build();
        Set<String> trainable = Set.of("<SMILES>", "<QED>");
        TagSet tags = TinyRun.qedTags();
        OutOfMemoryError jvm = new OutOfMemoryError("Java heap space");
        GradientEngine engine = new GradientEngine() {
            int calls;

            @Override public void begin(StageWork work) {}

            @Override
            public List<MicroGradient> compute(TagSet at, List<int[]> microBatches) {
                if (++calls == 3) throw jvm;
                List<MicroGradient> out = new ArrayList<>();
                for (int[] b : microBatches) {
                    List<float[]> values = Trainer.trainableValues(at, trainable, h);
                    float[][] zero = new float[values.size()][];
                    for (int i = 0; i < zero.length; i++) zero[i] = new float[values.get(i).length];
                    out.add(new MicroGradient(zero, 1.0, 1.0, 0, b.length, 0));
                }
                return out;
            }
        };
        Trainer trainer = new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("m.jsonl"))).engine(engine);
        var examples = TinyRun.esolExamples(qed, tags);
        var options = new Trainer.Options("stage-b", h, 7, true, null, false, 0);
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> trainer.run(tags, examples, trainable, options));
        Trainer.OutOfMemoryInStage at = assertInstanceOf(Trainer.OutOfMemoryInStage.class, e);
        assertEquals("stage-b", at.stage());
        assertEquals(3, at.step());
        assertEquals(5, at.totalSteps());
        assertEquals("Java heap space", at.getMessage());
        assertSame(jvm, at.getCause());
    }
}
