package tagllm.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.Row;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.task.DatasetRows;
import tagllm.task.Evaluator;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.NonFiniteOutputs;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.testutil.CliRun;
import tagllm.testutil.OverflowingModel;
import tagllm.testutil.QedTags;
import tagllm.train.RegressionHeads;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A regression head over an overflowing hidden state (OverflowingModel: ±Infinity times weights of both signs) gives
 * NaN. The Evaluator (train's stage scores, the suite), eval and compare handed such predictions to the metrics, whose
 * range check named a position among the scored rows ("pred[0]") and not why, and training validation scored them as
 * a NaN error, which early stopping reads as no score. Each now refuses them as the class-probability case is refused
 * (NonFiniteOutputs): how many rows, the first one's file and line, and that the model's outputs were not finite.
 */
class NonFiniteRegressionTest {
    @Test
    void nanPredictionsAreRefusedNamingTheRow(@TempDir Path dir) throws Exception {
        Path modelDir = OverflowingModel.write(dir.resolve("model"));
        Model m = Model.load(modelDir);
        Path tags = dir.resolve("qed.tags.safetensors");
        TagFile.write(QedTags.of(m, true), tags);
        Path data = Files.writeString(dir.resolve("mols.csv"), "smiles,qed\nCCO,0.4\nc1ccccc1O,0.5\nCCN(CC)CC,0.6\n");
        TagPredictor p = TagPredictor.open(m, List.of(tags));
        TaskSpec task = p.task("QED");
        ExampleRenderer r = p.renderer(task);
        List<Example> rows = new ArrayList<>();
        for (Row row : DatasetRows.all(data, null, true)) rows.add(r.example(row));
        double first = p.predictValues(task, List.of(rows.getFirst().sequence()))[0];
        assertFalse(Double.isFinite(first), "the model overflows: " + first);

        String want = "task QED: the model gave non-finite predictions for 3 of 3 scored rows (the first: " + data + ":2: " + first + ")";
        NonFiniteOutputs eval = assertThrows(NonFiniteOutputs.class, () -> Evaluator.regression(p, task, rows));
        assertTrue(eval.getMessage().startsWith(want), eval.getMessage());
        NonFiniteOutputs validation = assertThrows(NonFiniteOutputs.class,
                () -> RegressionHeads.validationScore(p, p.tags().head(task.headKey()), task, rows));
        assertTrue(validation.getMessage().startsWith(want), validation.getMessage());
        NonFiniteOutputs compare = assertThrows(NonFiniteOutputs.class, () -> CompareRunner.outcome(p, task, 1, rows, List.of(), -1, 0));
        assertTrue(compare.getMessage().startsWith(want), compare.getMessage());

        CliRun cli = CliRun.of("eval", "--model", modelDir.toString(), "--tags", tags.toString(), "--task", "QED", "--input", data.toString());
        assertEquals(1, cli.exit(), cli.err());
        assertTrue(cli.err().contains(want), cli.err());
    }
}
