package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.HeadInit;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.task.DatasetRows;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The heap running out while a stage fits a new head (ridge for a regression task, logistic regression for a
 * classification one: hidden states of every training row, before the step loop) reached the CLI as the bare
 * "Java heap space", naming no stage. It is now thrown on as a Trainer.OutOfMemoryInStage naming the stage and
 * "fitting the head of TASK". The stand-in: the runner's head-fit hook runs out of heap as the fit starts.
 */
class OutOfMemoryFittingHeadTest {
    @Test
    void theStageAndTheTaskWhoseHeadWasFittedAreNamed(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        StringBuilder csv = new StringBuilder("sequence,solubility,split\n");
        for (int i = 0; i < 4; i++) csv.append("MKVLA").append("ACDE".charAt(i)).append(',').append(i % 2).append(",train\n");
        csv.append("MKVLAW,0,valid\nMKVLAY,1,valid\n");
        Path data = Files.writeString(dir.resolve("d.csv"), csv);
        StringBuilder reg = new StringBuilder("smiles,qed\n");
        for (String s : new String[]{"CCO", "CCN", "CCC", "CCCl", "c1ccccc1", "CC(=O)O"}) reg.append(s).append(',').append(s.length() * 0.5).append('\n');
        Path regData = Files.writeString(dir.resolve("r.csv"), reg);
        Model m = Model.load(model);
        // a classification task (logistic init) and a regression one (ridge init)
        for (String task : new String[]{"sol", "qed"}) {
            Files.writeString(dir.resolve("exp.yaml"), """
                    model: %s
                    output: out-%s
                    tag_length: 2
                    tasks:
                      sol: {preset: Solubility, head: {init: ridge}, data: {path: %s, split: {column: split}}}
                      qed: {preset: QED, head: {init: ridge}, data: {path: %s}}
                    stages:
                      - {name: only, stage: 2, tasks: [%s], batch_size: 2, grad_accum: 1, max_steps: 1}
                    """.formatted(model, task, data, regData, task));
            Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
            assertEquals(HeadInit.RIDGE, exp.tasks().get(task).head().init(), "the head is fitted before the steps");
            OutOfMemoryError jvm = new OutOfMemoryError("Java heap space");
            ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                    new DatasetRows(false)::load, Progress.silent(), false);
            int[] fits = {0};
            runner.onHeadFit = t -> {
                fits[0]++;
                throw jvm;
            };
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> runner.run(exp, false, true));
            Trainer.OutOfMemoryInStage at = assertInstanceOf(Trainer.OutOfMemoryInStage.class, e, task);
            assertEquals("only", at.stage());
            assertEquals("fitting the head of " + task, at.during());
            assertEquals("Java heap space", at.getMessage());
            assertSame(jvm, at.getCause());
            assertEquals(1, fits[0]);
        }
    }
}
