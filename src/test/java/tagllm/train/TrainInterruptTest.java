package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.task.DatasetRows;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A service cancels a training job by interrupting its thread (Future.cancel(true)). Training ignored the interrupt
 * until its next file write, which then failed as a disk error: 'cannot append to the metrics log ...:
 * ClosedByInterruptException' (17 s after the interrupt in a throwaway program), leaving no checkpoint. The stage now
 * stops after the step under way with a CancellationException, keeps the interrupt status, and leaves a checkpoint from
 * which a resume ends with the tags of a run never interrupted.
 */
class TrainInterruptTest {
    private static String yaml(Path model) {
        return """
                model: %s
                output: out
                seed: 5
                tag_length: 2
                defaults: {batch_size: 4, grad_accum: 1, lr: 0.01}
                tasks:
                  smiles: {preset: SMILES, max_length: 64, data: {path: %s, max_train: 16, max_eval: 4}}
                  qed: {preset: QED, head: {bias: true}, data: {path: %s, max_train: 16, max_eval: 4}}
                stages:
                  - {name: domain, stage: 1, tasks: [smiles], max_steps: 4}
                  - {name: qed, stage: 2, tasks: [qed], max_steps: 4}
                """.formatted(model, Shared.data("smiles/zinc20k.csv"), Shared.data("smiles/zinc20k.csv"));
    }

    private static ExperimentRunner runner(Model m, ExperimentRunner.RowLoader rows) {
        return new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(), rows, Progress.silent(), false);
    }

    /**
     * Runs cut with its thread interrupted once the first rows are read (as training begins); returns the
     * CancellationException's message after checking that the interrupt status was kept for the caller.
     */
    private static String interrupted(Model m, Experiment cut) {
        DatasetRows rows = new DatasetRows(false);
        Thread caller = Thread.currentThread();
        boolean[] sent = {false};
        ExperimentRunner.RowLoader interrupting = (spec, split) -> {
            var r = rows.load(spec, split);
            if (!sent[0]) {
                sent[0] = true;
                caller.interrupt();
            }
            return r;
        };
        try {
            var e = assertThrows(CancellationException.class, () -> runner(m, interrupting).run(cut, false, false));
            assertTrue(Thread.interrupted(), "the interrupt status is kept for the caller");
            return e.getMessage();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void anInterruptedRunStopsAfterItsStepAndResumesToTheUninterruptedTags(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Model m = Model.load(model);
        Path straightDir = Files.createDirectories(dir.resolve("straight")), cutDir = Files.createDirectories(dir.resolve("cut"));
        Files.writeString(straightDir.resolve("e.yaml"), yaml(model));
        Files.writeString(cutDir.resolve("e.yaml"), yaml(model));
        Experiment straight = Experiment.load(straightDir.resolve("e.yaml")), cut = Experiment.load(cutDir.resolve("e.yaml"));
        Path reference = runner(m, new DatasetRows(false)::load).run(straight, false, false).finalFile();

        // the thread is interrupted once the first stage's rows are read: the interrupt arrives as training begins
        assertEquals("interrupted: stage domain stopped after step 1 of 4; a resume continues from its checkpoint", interrupted(m, cut));
        assertTrue(Files.exists(ExperimentRunner.checkpointFile(cut.output(), "domain")), "a checkpoint to resume from");
        assertFalse(Files.exists(ExperimentRunner.finalFile(cut.output())));

        Path resumed = runner(m, new DatasetRows(false)::load).run(cut, true, false).finalFile();
        TagSet want = TagFile.read(reference), got = TagFile.read(resumed);
        assertEquals(want.tags().stream().map(Tag::name).toList(), got.tags().stream().map(Tag::name).toList());
        for (Tag t : want.tags()) assertArrayEquals(t.values(), got.get(t.name()).values(), t.name());
        assertArrayEquals(want.head("QED").weight(), got.head("QED").weight());
        assertArrayEquals(want.head("QED").bias(), got.head("QED").bias());
    }

    /**
     * An interrupt that arrives during a stage's last step: the trainer has no step left to stop before, so the stage
     * ends, and its tags must be written (with no checkpoint of that step, the writes failing on the interrupt lost the
     * whole stage: 'interrupted: the run stopped (cannot write .../domain.tags.safetensors: ClosedChannelException)').
     * The run stops after that stage, and a resume continues with the next one to the uninterrupted run's tags.
     */
    @Test
    void anInterruptDuringAStagesLastStepKeepsTheStage(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Model m = Model.load(model);
        Path straightDir = Files.createDirectories(dir.resolve("straight")), cutDir = Files.createDirectories(dir.resolve("cut"));
        String oneStep = yaml(model).replace("tasks: [smiles], max_steps: 4", "tasks: [smiles], max_steps: 1");
        Files.writeString(straightDir.resolve("e.yaml"), oneStep);
        Files.writeString(cutDir.resolve("e.yaml"), oneStep);
        Experiment straight = Experiment.load(straightDir.resolve("e.yaml")), cut = Experiment.load(cutDir.resolve("e.yaml"));
        Path reference = runner(m, new DatasetRows(false)::load).run(straight, false, false).finalFile();

        // interrupted as the one-step stage begins: the trainer sees it after step 1 of 1, the stage's last
        assertEquals("interrupted: the run stopped after stage domain (its tags are written); a resume continues with stage qed",
                interrupted(m, cut));
        assertTrue(Files.exists(ExperimentRunner.stageFile(cut.output(), "domain")), "the finished stage's tags");
        assertFalse(Files.exists(ExperimentRunner.checkpointFile(cut.output(), "domain")));
        assertFalse(Files.exists(ExperimentRunner.finalFile(cut.output())));

        Path resumed = runner(m, new DatasetRows(false)::load).run(cut, true, false).finalFile();
        TagSet want = TagFile.read(reference), got = TagFile.read(resumed);
        for (Tag t : want.tags()) assertArrayEquals(t.values(), got.get(t.name()).values(), t.name());
        assertArrayEquals(want.head("QED").weight(), got.head("QED").weight());
    }
}
