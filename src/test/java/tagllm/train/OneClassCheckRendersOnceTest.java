package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.task.DatasetRows;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The check before the first stage that every later stage's classification task has training rows of two classes
 * rendered all of its training rows, and the stage rendered them all again when it ran (2 × 8 renderings of 8
 * rows). It now reads the rows only until it has seen a fitting row of each of two classes (the first two rows here,
 * whose classes alternate), so the stage's rendering is the only full one: 8 + 2. A file of one class is still read to
 * its end (or max_train) by the check, which then refuses it (OneClassTrainingRowsTest).
 */
class OneClassCheckRendersOnceTest {
    @Test
    void theCheckReadsRowsOnlyUntilTwoClassesAndTheStageRendersEachOnce(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        StringBuilder csv = new StringBuilder("sequence,solubility,split\n");
        for (int i = 0; i < 8; i++) csv.append("MKVLA").append("ACDEFGHI".charAt(i)).append(',').append(i % 2).append(",train\n");
        csv.append("MKVLAW,0,valid\nMKVLAY,1,valid\n");
        Path data = Files.writeString(dir.resolve("d.csv"), csv);
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                output: out
                tag_length: 2
                tasks:
                  first: {preset: Solubility, data: {path: %s, split: {column: split}}}
                  later: {preset: Solubility, data: {path: %s, split: {column: split}}}
                stages:
                  - {name: a, stage: 2, tasks: [first], batch_size: 2, grad_accum: 1, max_steps: 1}
                  - {name: b, stage: 2, tasks: [later], batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(model, data, data));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        Model m = Model.load(model);
        ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        java.util.Map<String, Integer> renderings = new java.util.HashMap<>();
        runner.onRendering((task, split) -> renderings.merge(task + "/" + split, 1, Integer::sum));
        assertNotNull(runner.run(exp, false, false).finalFile());
        // every stage to run is checked before the first trains: each task's two rows read by the check, then its stage's eight
        assertEquals(8 + 2, renderings.get("first/train"));
        assertEquals(8 + 2, renderings.get("later/train"));
    }
}
