package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.task.DatasetRows;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a run leaves of an earlier one in its output folder: after --force nothing that could pass for the new run's; after
 * --resume no partial copy or stale checkpoint that a run killed outright left.
 */
class RunFolderForceTest {
    static String yaml(Path model, String stages, String init) {
        return """
                model: %s
                output: out
                tag_length: 2
                %s
                defaults: {batch_size: 4, grad_accum: 1, checkpoint_every: 1}
                tasks:
                  smiles: {preset: SMILES, max_length: 64, data: {path: %s, max_train: 8, max_eval: 4}}
                stages:
                %s
                """.formatted(model, init, Shared.data("smiles/zinc20k.csv"), stages);
    }

    private static Set<String> files(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList());
        }
    }

    @Test
    void forceRemovesTheEarlierRunsFilesWhateverItsStagesWereNamedButKeepsInitInputs(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Model m = Model.load(model);
        ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        // an earlier run with stages 'old' (finished) and 'mid' (stopped after its first step: a checkpoint)
        Files.writeString(dir.resolve("a.yaml"), yaml(model, """
                  - {name: old, stage: 1, tasks: [smiles], max_steps: 1}
                  - {name: mid, stage: 1, tasks: [smiles], max_steps: 2}
                """, ""));
        Experiment a = Experiment.load(dir.resolve("a.yaml"));
        assertTrue(runner.stopAfter(1).run(a, false, false).stopped());
        Path out = a.output();
        assertEquals(Set.of("metrics.jsonl", "run.json", "old.tags.safetensors", "mid.checkpoint.safetensors"), files(out));
        // an input of the new run that lives in the folder (a copy of the earlier tags)
        Files.copy(out.resolve("old.tags.safetensors"), out.resolve("keep.tags.safetensors"));

        // a new experiment with other stage names, forced into the same folder
        Files.writeString(dir.resolve("b.yaml"), yaml(model, """
                  - {name: new, stage: 1, tasks: [smiles], max_steps: 1}
                """, "init: [out/keep.tags.safetensors]"));
        Experiment b = Experiment.load(dir.resolve("b.yaml"));
        ExperimentRunner fresh = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        assertNotNull(fresh.run(b, false, true).finalFile());
        // exactly the new run's files and its input: old.tags.safetensors and mid.checkpoint.safetensors would pass for this run's
        assertEquals(new TreeSet<>(List.of("metrics.jsonl", "run.json", "new.tags.safetensors", "final.tags.safetensors",
                "keep.tags.safetensors")), files(out));
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            assertTrue(line.contains("\"stage\":\"new\""), "a metrics line of the earlier run: " + line);
        }
    }
    @Test
    void aResumedRunRemovesThePartialCopiesAndStaleCheckpointsAKilledRunLeft(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Model m = Model.load(model);
        Files.writeString(dir.resolve("a.yaml"), yaml(model, """
                  - {name: old, stage: 1, tasks: [smiles], max_steps: 1}
                  - {name: mid, stage: 1, tasks: [smiles], max_steps: 2}
                """, ""));
        Experiment a = Experiment.load(dir.resolve("a.yaml"));
        assertTrue(new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false).stopAfter(1).run(a, false, false).stopped());
        Path out = a.output();
        // what kill -9 in the middle of writes leaves (AtomicFiles' temporary names: '.' + target + '.' + digits + '.tmp'):
        // half a checkpoint, an empty run.json copy; and a checkpoint of a stage whose tags were written just before the kill
        byte[] ckpt = Files.readAllBytes(out.resolve("mid.checkpoint.safetensors"));
        Files.write(out.resolve(".mid.checkpoint.safetensors.16218651147462983612.tmp"), java.util.Arrays.copyOf(ckpt, ckpt.length / 2));
        Files.write(out.resolve(".run.json.42.tmp"), new byte[0]);
        Files.write(out.resolve(".old.tags.safetensors.7.tmp"), new byte[0]);
        Files.writeString(out.resolve(".skipped_rows.jsonl.99.tmp"), "{\"file\":");
        Files.write(out.resolve("old.checkpoint.safetensors"), ckpt);
        Files.writeString(out.resolve(".notes.tmp"), "the user's own hidden file");

        java.io.StringWriter said = new java.io.StringWriter();
        ExperimentRunner resumed = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, new Progress(new java.io.PrintWriter(said), false, true, false), false);
        assertNotNull(resumed.run(a, true, false).finalFile());
        try (var s = Files.list(out)) {
            assertEquals(new TreeSet<>(List.of(".notes.tmp", ".tagllm.lock", "final.tags.safetensors", "metrics.jsonl", "mid.tags.safetensors",
                    "old.tags.safetensors", "run.json")), new TreeSet<>(s.map(p -> p.getFileName().toString()).toList()));
        }
        String err = said.toString();
        assertTrue(err.contains(".mid.checkpoint.safetensors.16218651147462983612.tmp") && err.contains(".run.json.42.tmp")
                && err.contains(".old.tags.safetensors.7.tmp") && err.contains(".skipped_rows.jsonl.99.tmp") && !err.contains(".notes.tmp"), err);
    }
}
