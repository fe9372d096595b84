package tagllm.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.TagFile;
import tagllm.task.DatasetRows;
import tagllm.task.ExampleRenderer;
import tagllm.task.NonFiniteOutputs;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.tag.TokenizerEncoder;
import tagllm.testutil.OverflowingModel;
import tagllm.testutil.QedTags;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The suite's probe took the frozen model's final hidden states as they came: beyond float's range (OverflowingModel)
 * ridge said only "the system is not positive definite (raise λ)" and the logistic probe gave NaN probabilities,
 * naming no row. Now such features are refused as compare's probe refuses them: how many rows, the first one's file
 * and line.
 */
class SuiteProbeNonFiniteTest {
    @Test
    void overflowingHiddenStatesAreRefusedNamingTheRow(@TempDir Path dir) throws Exception {
        Model m = Model.load(OverflowingModel.write(dir.resolve("model")));
        Path tags = dir.resolve("qed.tags.safetensors");
        TagFile.write(QedTags.of(m, true), tags);
        Path data = Files.writeString(dir.resolve("mols.csv"), "smiles,qed\nCCO,0.4\nc1ccccc1O,0.5\nCCN(CC)CC,0.6\n");
        TagPredictor p = TagPredictor.open(m, List.of(tags));
        TaskSpec task = p.task("QED");
        Transformer t = new Transformer(m.weights());
        ExampleRenderer free = ExampleRenderer.tagFree(task, new TokenizerEncoder(p.tokenizer()), t.config().maxPositions());
        SuiteRunner.Rendered r = SuiteRunner.render(p.renderer(task), free, DatasetRows.all(data, null, true), 0);
        assertEquals(3, r.plain().size(), r.skipped().summary());

        NonFiniteOutputs e = assertThrows(NonFiniteOutputs.class, () -> SuiteRunner.probeFeatures(t, "QED", r, 3));
        assertTrue(e.getMessage().startsWith("task QED: the model gave non-finite final hidden states for 3 of 3 scored rows (the first: "
                + data + ":2: ["), e.getMessage());
    }
}
