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

/** --resume after the experiment's stages were put in another order: refused, naming the order (run.json's stage_order). */
class StageOrderResumeTest {
    @Test
    void resumingWithTheStagesSwappedIsRefusedNamingTheOrder(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Model m = Model.load(model);
        String first = "  - {name: a, stage: 1, tasks: [smiles], max_steps: 1}\n";
        String second = "  - {name: b, stage: 1, tasks: [smiles], max_steps: 1, lr: 0.01}\n";
        Files.writeString(dir.resolve("exp.yaml"), RunFolderForceTest.yaml(model, first + second, ""));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        assertNotNull(runner.run(exp, false, false).finalFile());
        // as if killed during stage b: a finished, b not
        Files.deleteIfExists(exp.output().resolve("b.tags.safetensors"));
        Files.deleteIfExists(exp.output().resolve("final.tags.safetensors"));
        assertTrue(Files.exists(exp.output().resolve("a.tags.safetensors")));

        // the same stages, b first: b would train on the initial tags, then a's finished file would be read back over them
        Files.writeString(dir.resolve("exp.yaml"), RunFolderForceTest.yaml(model, second + first, ""));
        Experiment swapped = Experiment.load(dir.resolve("exp.yaml"));
        ExperimentRunner again = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        Exception e = assertThrows(IllegalArgumentException.class, () -> again.run(swapped, true, false));
        assertTrue(e.getMessage().contains("stage_order: [\"a\",\"b\"] -> [\"b\",\"a\"]"), e.getMessage());
        // and says what to do about it: --resume --force retrains from the first moved stage (here the first: none is kept)
        assertTrue(e.getMessage().contains("--resume --force retrains from the first moved stage, b: it keeps no stage, and b, a train "
                + "from the start"), e.getMessage());
        assertFalse(Files.exists(exp.output().resolve("b.tags.safetensors")), "nothing trained");

        // in the recorded order the resume goes on
        Files.writeString(dir.resolve("exp.yaml"), RunFolderForceTest.yaml(model, first + second, ""));
        assertNotNull(new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false).run(Experiment.load(dir.resolve("exp.yaml")), true, false).finalFile());
    }

    /**
     * A stage added after the recorded ones moves no stage: the refusal said 'The stages were reordered: --resume --force
     * retrains from the first moved stage, b', for a stage that is new and simply trains.
     */
    @Test
    void resumingWithAStageAddedAtTheEndDoesNotSayReordered(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Model m = Model.load(model);
        String first = "  - {name: a, stage: 1, tasks: [smiles], max_steps: 1}\n";
        String second = "  - {name: b, stage: 1, tasks: [smiles], max_steps: 1, lr: 0.01}\n";
        Files.writeString(dir.resolve("exp.yaml"), RunFolderForceTest.yaml(model, first, ""));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        assertNotNull(new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false).run(exp, false, false).finalFile());

        Files.writeString(dir.resolve("exp.yaml"), RunFolderForceTest.yaml(model, first + second, ""));
        Experiment longer = Experiment.load(dir.resolve("exp.yaml"));
        ExperimentRunner again = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        Exception e = assertThrows(IllegalArgumentException.class, () -> again.run(longer, true, false));
        assertTrue(e.getMessage().contains("stage_order: [\"a\"] -> [\"a\",\"b\"]"), e.getMessage());
        assertFalse(e.getMessage().contains("reordered"), e.getMessage());
        assertFalse(e.getMessage().contains("moved"), e.getMessage());
        assertTrue(e.getMessage().endsWith(". The stage b was added after the recorded ones: --resume --force keeps a and trains b"),
                e.getMessage());
    }
}
