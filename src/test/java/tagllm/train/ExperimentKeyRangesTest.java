package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.config.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Out-of-range experiment keys are refused when the file is read, naming the file, the line and the field. */
class ExperimentKeyRangesTest {
    private static final String TASKS = """
            model: m
            tasks:
              s: {preset: SMILES, data: d.csv}
              q: {preset: QED, data: d.csv}
            stages:
            """;

    private static String refusal(Path dir, String yaml) throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, yaml);
        return assertThrows(ConfigException.class, () -> Experiment.load(f)).getMessage();
    }

    private static void loads(Path dir, String yaml) throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, yaml);
        Experiment.load(f);
    }


    /** A negative max_eval was refused as "max_train: must be >= 0", naming the field that was right. */
    @Test
    void negativeMaxEvalNamesMaxEval(@TempDir Path dir) throws Exception {
        String yaml = "model: m\ntasks:\n  q:\n    preset: QED\n    data: {path: d.csv, max_train: 5, max_eval: -1}\nstages:\n  - {stage: 2, tasks: [q]}\n";
        assertEquals(dir.resolve("exp.yaml") + ":5: tasks.q.data.max_eval: must be >= 0 (0 = all rows), got -1", refusal(dir, yaml));
        assertEquals(dir.resolve("exp.yaml") + ":5: tasks.q.data.max_train: must be >= 0 (0 = all rows), got -5",
                refusal(dir, yaml.replace("max_train: 5", "max_train: -5").replace("max_eval: -1", "max_eval: 0")));
    }
}
