package tagllm.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.testutil.TinyQedExperiment;
import tagllm.train.Experiment;
import tagllm.train.Progress;
import tagllm.train.Trainer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The heap running out while compare's linear probe fits (its rows' hidden states and the ridge or logistic fit on
 * them) reached the CLI as the bare "Java heap space", naming neither the probe nor the task, while the prompt-tuning
 * and LoRA baselines' head fits named both (OutOfMemoryFittingBaselineHeadTest). Now it is a Trainer.OutOfMemoryInStage
 * naming "probe-qed" and "fitting the linear probe of qed"; likewise while it scores its test rows (their hidden states,
 * held at once). The stand-in: the static probe-phase hook runs out of heap as the phase starts.
 */
class OutOfMemoryFittingProbeTest {
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "fit  | fitting the linear probe of qed",
            "test | scoring the linear probe of qed on its test rows"})
    void theProbeTheTaskAndThePhaseAreNamed(String phase, String during, @TempDir Path dir) throws Exception {
        Experiment exp = Experiment.load(TinyQedExperiment.write(dir));
        Model model = Model.load(exp.model());
        CompareRunner runner = new CompareRunner(model, Progress.silent());
        Experiment prepared = runner.prepare(exp);
        CompareRunner.Options o = new CompareRunner.Options(List.of(Method.PROBE), List.of(0L), List.of(), dir.resolve("cmp"), false,
                "text", 8, 16, 0.05);
        OutOfMemoryError jvm = new OutOfMemoryError("Java heap space");
        List<String> phases = new ArrayList<>();
        CompareRunner.onProbePhase = (task, at) -> {
            phases.add(task + " " + at);
            if (at.equals(phase)) throw jvm;
        };
        try {
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> runner.run(prepared, o));
            Trainer.OutOfMemoryInStage at = assertInstanceOf(Trainer.OutOfMemoryInStage.class, e);
            assertEquals("probe-qed", at.stage());
            assertEquals(during, at.during());
            assertEquals("Java heap space", at.getMessage());
            assertSame(jvm, at.getCause());
            assertEquals(phase.equals("fit") ? List.of("qed fit") : List.of("qed fit", "qed test"), phases);
        } finally {
            CompareRunner.onProbePhase = (task, at) -> {};
        }
    }
}
