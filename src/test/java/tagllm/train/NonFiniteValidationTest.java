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
}
