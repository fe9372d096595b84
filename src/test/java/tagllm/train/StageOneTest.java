package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.task.DatasetRows;
import tagllm.task.Evaluator;
import tagllm.task.Example;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Stage 1 on real SMILES text: the trained <SMILES> tag lowers held-out next-token loss against the untrained (initial) tag. */
class StageOneTest {
    @Test
    void domainTagLowersHeldOutNextTokenLoss(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 4
                tasks:
                  smiles: {preset: SMILES, max_length: 64, data: {path: %s, max_train: 256, max_eval: 64}}
                stages:
                  - {name: smiles, stage: 1, tasks: [smiles], lr: 0.01, batch_size: 8, grad_accum: 1, max_steps: 32}
                """.formatted(model, Shared.data("smiles/zinc20k.csv")));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        Model m = Model.load(model);
        Transformer t = new Transformer(m.weights());
        DatasetRows rows = new DatasetRows(false);
        ExperimentRunner runner = new ExperimentRunner(t, m.tokenizer(), m.name(), m.fingerprint(), rows::load, Progress.silent(), false);
        ExperimentRunner.Outcome o = runner.run(exp, false, false);
        TagSet trained = TagFile.read(o.finalFile());
        assertEquals(TagKind.DOMAIN, trained.get("SMILES").kind());

        TagSet untrained = new TagSet(m.name(), m.fingerprint());
        untrained.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 4, t.weights().embedTokens()));
        List<Example> heldOut = runner.examples(exp.tasks().get("smiles"), exp.data().get("smiles"), "valid", 64, untrained,
                new TokenizerEncoder(m.tokenizer()));
        assertEquals(64, heldOut.size());
        double before = Evaluator.languageModelLoss(t, untrained, heldOut);
        double after = Evaluator.languageModelLoss(t, trained, heldOut);
        System.out.printf("stage 1 <SMILES>: held-out next-token loss %.4f (untrained tag) -> %.4f (trained)%n", before, after);
        assertTrue(after < before - 0.05, "held-out next-token loss " + before + " → " + after);
        // the validation record in the metrics log is the same held-out loss
        String log = Files.readString(exp.output().resolve("metrics.jsonl"));
        assertTrue(log.contains("next_token_loss"), log);
    }

    /** Real proteins are longer than a small context: when every training row is too long the error says how to cut them. */
    @Test
    void noUsableTrainingRowsSaysHowToCutLongInputs(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Path fasta = Files.writeString(dir.resolve("p.fasta"), ">long\n" + "MKV".repeat(200) + "\n");
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tasks:
                  prot: {preset: Protein, max_length: 100, data: {path: %s}}
                stages:
                  - {name: s1, stage: 1, tasks: [prot], max_steps: 1}
                """.formatted(model, fasta));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        Model m = Model.load(model);
        DatasetRows rows = new DatasetRows(false);
        ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(), rows::load,
                Progress.silent(), false);
        var e = assertThrows(IllegalArgumentException.class, () -> runner.run(exp, false, false));
        assertTrue(e.getMessage().contains("task prot has no usable training rows in " + fasta), e.getMessage());
        assertTrue(e.getMessage().contains("{column:max=N} keeps its first N characters"), e.getMessage());
    }

    /**
     * A second run on a folder another run is writing (train --resume started while the first still trains) is
     * refused: before, both resumed from the same checkpoint and appended every step to one metrics.jsonl twice.
     * The other run is played by a lock this test takes on the folder's lock file.
     */
    @Test
    void aFolderAnotherRunIsWritingIsRefused(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                output: out
                tag_length: 2
                tasks:
                  smiles: {preset: SMILES, max_length: 64, data: {path: %s, max_train: 8, max_eval: 4}}
                stages:
                  - {name: smiles, stage: 1, tasks: [smiles], batch_size: 4, grad_accum: 1, max_steps: 1}
                """.formatted(model, Shared.data("smiles/zinc20k.csv")));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        Model m = Model.load(model);
        ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        Files.createDirectories(exp.output());
        try (var ch = java.nio.channels.FileChannel.open(exp.output().resolve(".tagllm.lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             var held = ch.lock()) {
            Exception e = assertThrows(Exception.class, () -> runner.run(exp, true, false));
            assertTrue(e.getMessage().contains("is being written by another run") && e.getMessage().contains(exp.output().toString()),
                    e.getMessage());
            assertFalse(Files.exists(exp.output().resolve("metrics.jsonl")), "nothing written beside the other run");
        }
        // once the other run is gone the folder is usable: the lock is the process's, nothing stale is left
        assertNotNull(runner.run(exp, false, false).finalFile());
    }
}
