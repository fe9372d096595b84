package tagllm.train;

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
import tagllm.testutil.BbbpTags;
import tagllm.testutil.OverflowingModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * NaN class probabilities (OverflowingModel) reached the metrics from the Evaluator (train's stage scores, the suite)
 * and from training validation: the Evaluator's refusal was the metrics' own "row 0: probability NaN is not in
 * [0, 1]", a position among the scored rows and not why; validation swallowed that refusal as a one-class split and
 * scored the log loss instead, NaN, which training took as "no score at this step". Both now refuse such rows as eval
 * does, naming the first one's file and line and that the model's outputs were not finite.
 */
class NonFiniteValidationTest {
    @Test
    void nanProbabilitiesAreRefusedNamingTheRow(@TempDir Path dir) throws Exception {
        Model m = Model.load(OverflowingModel.write(dir.resolve("model")));
        Path tags = dir.resolve("bbbp.tags.safetensors");
        TagFile.write(BbbpTags.of(m), tags);
        Path data = Files.writeString(dir.resolve("mols.csv"), "smiles,p_np\nCCO,0\nc1ccccc1O,1\nCCN(CC)CC,1\n");
        TagPredictor p = TagPredictor.open(m, List.of(tags));
        TaskSpec task = p.task("BBBP");
        ExampleRenderer r = p.renderer(task);
        List<Example> valid = new ArrayList<>();
        for (Row row : DatasetRows.all(data, null, true)) valid.add(r.example(row));

        String want = "task BBBP: the model gave non-finite class probabilities for 3 of 3 scored rows (the first: " + data + ":2: [NaN, NaN])";
        NonFiniteOutputs eval = assertThrows(NonFiniteOutputs.class, () -> Evaluator.classification(p, task, valid));
        assertTrue(eval.getMessage().startsWith(want), eval.getMessage());
        NonFiniteOutputs validation = assertThrows(NonFiniteOutputs.class, () -> ClassificationHeads.validationScore(p, task, valid));
        assertTrue(validation.getMessage().startsWith(want), validation.getMessage());
    }

    /**
     * A head's init on the same model: ridge stopped with "the system is not positive definite (raise λ)", the logistic
     * fit likewise without a row or a cause. Both now refuse the final hidden states naming the first row.
     */
    @Test
    void aHeadInitOnNonFiniteStatesIsRefusedNamingTheRow(@TempDir Path dir) throws Exception {
        Model m = Model.load(OverflowingModel.write(dir.resolve("model")));
        Path data = Files.writeString(dir.resolve("mols.csv"), "smiles,p_np,qed\nCCO,0,0.4\nc1ccccc1O,1,0.5\nCCN(CC)CC,1,0.6\nCCCCO,0,0.45\nCC(=O)O,1,0.35\nc1ccncc1,0,0.55\n");
        Path bbbpTags = dir.resolve("bbbp.tags.safetensors");
        TagFile.write(BbbpTags.of(m), bbbpTags);
        TagPredictor bbbp = TagPredictor.open(m, List.of(bbbpTags));
        TaskSpec classes = bbbp.task("BBBP");
        List<Example> rows = new ArrayList<>();
        for (Row row : DatasetRows.all(data, null, true)) rows.add(bbbp.renderer(classes).example(row));
        NonFiniteOutputs logistic = assertThrows(NonFiniteOutputs.class,
                () -> ClassificationHeads.fitLogisticHead(bbbp.model(), bbbp.tags(), classes, rows, List.of()));
        assertTrue(logistic.getMessage().startsWith("task BBBP: the model gave non-finite final hidden states for "), logistic.getMessage());
        assertTrue(logistic.getMessage().contains("(the first: " + data + ":2: "), logistic.getMessage());

        Path qedTags = dir.resolve("qed.tags.safetensors");
        TagFile.write(tagllm.testutil.QedTags.of(m, true), qedTags);
        TagPredictor qed = TagPredictor.open(m, List.of(qedTags));
        TaskSpec value = qed.task("QED");
        List<Example> valueRows = new ArrayList<>();
        for (Row row : DatasetRows.all(data, null, true)) valueRows.add(qed.renderer(value).example(row));
        NonFiniteOutputs ridge = assertThrows(NonFiniteOutputs.class,
                () -> RegressionHeads.fitRidge(qed.model(), qed.tags(), value, valueRows, List.of()));
        assertTrue(ridge.getMessage().startsWith("task QED: the model gave non-finite final hidden states for "), ridge.getMessage());
        assertTrue(ridge.getMessage().contains("(the first: " + data + ":2: "), ridge.getMessage());
    }
}
