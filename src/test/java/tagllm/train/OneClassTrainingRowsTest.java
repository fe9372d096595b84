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

/**
 * A classification task whose classes are listed (as the Solubility preset lists [0, 1]) but whose training rows are
 * all of one class, as max_train's first rows of a file sorted by label are (DeepSol's first 1,000 rows are soluble):
 * training used to go ahead and leave a head that gave every input class '1' with p = 1 − 1e-11, without a word.
 */
class OneClassTrainingRowsTest {
    @Test
    void trainingRowsOfOneClassAreRefusedNamingTheTaskAndClass(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        StringBuilder csv = new StringBuilder("sequence,solubility,split\n");
        for (int i = 0; i < 6; i++) csv.append("MKVLA").append("ACDEFG".charAt(i)).append(",1,train\n");
        csv.append("MKVLAW,0,valid\nMKVLAY,1,valid\n");
        Path data = Files.writeString(dir.resolve("sorted.csv"), csv);
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                output: out
                tag_length: 2
                tasks:
                  sol: {preset: Solubility, data: {path: %s, split: {column: split}}}
                stages:
                  - {name: s2, stage: 2, tasks: [sol], batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(model, data));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        Model m = Model.load(model);
        ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        var e = assertThrows(IllegalArgumentException.class, () -> runner.run(exp, false, false));
        assertTrue(e.getMessage().contains("task sol: all 6 training rows used are of class '1' (classes [0, 1]) in " + data), e.getMessage());
        assertTrue(e.getMessage().contains("shuffle the file's rows"), e.getMessage());
        assertFalse(Files.exists(exp.output().resolve("final.tags.safetensors")), "no tag file from one class");

        // one row of the other class among them is enough to train
        Files.writeString(data, csv.toString().replaceFirst(",1,train", ",0,train"));
        ExperimentRunner again = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        assertNotNull(again.run(exp, false, true).finalFile());
    }

    /**
     * A later stage's one-class training rows were refused only when that stage started, after the stages before it had
     * trained (minutes to hours on a real model): now before the first stage trains.
     */
    @Test
    void aLaterStagesOneClassRowsAreRefusedBeforeTheFirstStageTrains(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        StringBuilder sorted = new StringBuilder("sequence,solubility,split\n"), mixed = new StringBuilder("sequence,solubility,split\n");
        for (int i = 0; i < 6; i++) {
            sorted.append("MKVLA").append("ACDEFG".charAt(i)).append(",1,train\n");
            mixed.append("MKVLA").append("ACDEFG".charAt(i)).append(',').append(i % 2).append(",train\n");
        }
        sorted.append("MKVLAW,0,valid\nMKVLAY,1,valid\n");
        mixed.append("MKVLAW,0,valid\nMKVLAY,1,valid\n");
        Path one = Files.writeString(dir.resolve("sorted.csv"), sorted), two = Files.writeString(dir.resolve("mixed.csv"), mixed);
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                output: out
                tag_length: 2
                tasks:
                  first: {preset: Solubility, data: {path: %s, split: {column: split}}}
                  later: {preset: Solubility, data: {path: %s, split: {column: split}, max_train: 4}}
                stages:
                  - {name: a, stage: 2, tasks: [first], batch_size: 2, grad_accum: 1, max_steps: 1}
                  - {name: b, stage: 2, tasks: [later], batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(model, two, one));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        Model m = Model.load(model);
        ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        var e = assertThrows(IllegalArgumentException.class, () -> runner.run(exp, false, false));
        assertTrue(e.getMessage().startsWith("stage b: task later: all 4 training rows used are of class '1' (classes [0, 1]) in " + one),
                e.getMessage());
        assertFalse(Files.exists(ExperimentRunner.stageFile(exp.output(), "a")), "stage a did not train before the refusal");
    }
}
