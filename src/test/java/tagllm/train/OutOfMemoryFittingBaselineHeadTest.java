package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.HeadInit;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.TagSet;
import tagllm.task.TaskSpec;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The heap running out while a compare baseline (prompt tuning, LoRA) fits its new head through
 * ExperimentRunner.initHead reached the CLI as the bare "Java heap space", naming neither the baseline's stage nor the
 * task, while a stage's own head fit (OutOfMemoryFittingHeadTest) named both. initHead now takes the stage name the
 * baseline trains under ("lora-qed") and throws a Trainer.OutOfMemoryInStage naming it and "fitting the head of qed".
 * The stand-in: the static head-fit hook runs out of heap as the fit starts.
 */
class OutOfMemoryFittingBaselineHeadTest {
    @Test
    void theBaselinesStageAndTheTaskAreNamed(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Model m = Model.load(model);
        Path data = Files.writeString(dir.resolve("r.csv"), "smiles,qed\nCCO,1.5\nCCN,1.5\nCCC,1.5\nCCCl,2\n");
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                output: out
                tag_length: 2
                tasks:
                  qed: {preset: QED, head: {init: ridge}, data: {path: %s}}
                stages:
                  - {name: only, stage: 2, tasks: [qed], batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(model, data));
        TaskSpec qed = Experiment.load(dir.resolve("exp.yaml")).tasks().get("qed").withoutTags();
        assertEquals(HeadInit.RIDGE, qed.head().init(), "the head is fitted");
        List<tagllm.task.Example> train = new ArrayList<>();
        int[][] ids = {{1, 5, 9}, {1, 6, 9}, {1, 7, 9}, {1, 8, 9}};
        for (int i = 0; i < ids.length; i++) {
            train.add(new tagllm.task.Example(qed, tagllm.tag.Sequence.builder().tokens(ids[i]).readPosition(2).build(), 0.5 * i, null, "r.csv", i + 2));
        }
        OutOfMemoryError jvm = new OutOfMemoryError("Java heap space");
        int[] fits = {0};
        ExperimentRunner.onBaselineHeadFit = t -> {
            fits[0]++;
            throw jvm;
        };
        try {
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> ExperimentRunner.initHead(new Transformer(m.weights()),
                    new TagSet(m.name(), m.fingerprint()), qed, train, List.of(), "lora-qed"));
            Trainer.OutOfMemoryInStage at = assertInstanceOf(Trainer.OutOfMemoryInStage.class, e);
            assertEquals("lora-qed", at.stage());
            assertEquals("fitting the head of qed", at.during());
            assertEquals("Java heap space", at.getMessage());
            assertSame(jvm, at.getCause());
            assertEquals(1, fits[0]);
        } finally {
            ExperimentRunner.onBaselineHeadFit = t -> {};
        }
    }
}
