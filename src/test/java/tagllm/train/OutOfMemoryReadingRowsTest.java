package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.task.DatasetRows;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The heap running out while a stage's rows were read and rendered (before its step loop, which names the stage and
 * the step: OutOfMemoryInStageTest) reached the CLI as the bare "Java heap space". It is now thrown on as a
 * Trainer.OutOfMemoryInStage naming the stage and the file wherever a stage's rows are read: by the checks before the
 * first stage trains (the named split column, then a classification task's two classes), then by the stage itself. The
 * stand-in: a row loader whose n-th read of a training split runs out of heap (three reads here, one per place).
 */
class OutOfMemoryReadingRowsTest {
    @Test
    void theStageAndTheFileWhoseRowsWereReadAreNamed(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        StringBuilder csv = new StringBuilder("sequence,solubility,split\n");
        for (int i = 0; i < 4; i++) csv.append("MKVLA").append("ACDE".charAt(i)).append(',').append(i % 2).append(",train\n");
        csv.append("MKVLAW,0,valid\nMKVLAY,1,valid\n");
        Path data = Files.writeString(dir.resolve("d.csv"), csv);
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                output: out
                tag_length: 2
                tasks:
                  sol: {preset: Solubility, data: {path: %s, split: {column: split}}}
                stages:
                  - {name: only, stage: 2, tasks: [sol], batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(model, data));
        Model m = Model.load(model);
        for (int failingRead : new int[]{1, 2, 3}) {
            Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
            OutOfMemoryError jvm = new OutOfMemoryError("Java heap space");
            int[] trainReads = {0};
            DatasetRows rows = new DatasetRows(false);
            ExperimentRunner.RowLoader loader = (spec, split) -> {
                if (split.equals("train") && ++trainReads[0] == failingRead) throw jvm;
                return rows.load(spec, split);
            };
            ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                    loader, Progress.silent(), false);
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> runner.run(exp, false, true));
            Trainer.OutOfMemoryInStage at = assertInstanceOf(Trainer.OutOfMemoryInStage.class, e, "read " + failingRead);
            assertEquals("only", at.stage());
            assertEquals("reading its rows from " + data, at.during());
            assertEquals("Java heap space", at.getMessage());
            assertSame(jvm, at.getCause());
            assertEquals(failingRead, trainReads[0]);
        }
    }
}
