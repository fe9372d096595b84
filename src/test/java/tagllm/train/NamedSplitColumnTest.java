package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.config.ConfigException;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.task.DatasetRows;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * split: {column: fold} on a data file without a fold column made every row a training row, with a note, once the
 * stage that read it started: the valid and test scores were then of no rows. Now refused before any stage trains,
 * naming the field, the file and the columns it has; the default column (split) stays optional.
 */
class NamedSplitColumnTest {
    @Test
    void aNamedSplitColumnTheFileLacksIsRefusedBeforeAnyStageTrains(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        StringBuilder csv = new StringBuilder("sequence,solubility,split\n");
        for (int i = 0; i < 6; i++) csv.append("MKVLA").append("ACDEFG".charAt(i)).append(',').append(i % 2).append(",train\n");
        csv.append("MKVLAW,0,valid\nMKVLAY,1,valid\n");
        Path data = Files.writeString(dir.resolve("d.csv"), csv);
        String yaml = """
                model: %s
                output: out
                tag_length: 2
                tasks:
                  first: {preset: Solubility, data: {path: %s}}
                  later:
                    preset: Solubility
                    data: {path: %s, split: {column: fold}}
                stages:
                  - {name: a, stage: 2, tasks: [first], batch_size: 2, grad_accum: 1, max_steps: 1}
                  - {name: b, stage: 2, tasks: [later], batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(model, data, data);
        Path file = Files.writeString(dir.resolve("exp.yaml"), yaml);
        Experiment exp = Experiment.load(file);
        Model m = Model.load(model);
        ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        var e = assertThrows(ConfigException.class, () -> runner.run(exp, false, false));
        assertEquals(file + ":8: tasks.later.data.split.column: " + data + " has no column 'fold' (its columns: sequence, solubility, split)",
                e.getMessage());
        assertFalse(Files.exists(ExperimentRunner.stageFile(exp.output(), "a")), "stage a did not train before the refusal");

        // the column named as the file has it trains
        Files.writeString(file, yaml.replace("column: fold", "column: split"));
        Experiment fixed = Experiment.load(file);
        ExperimentRunner again = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        assertNotNull(again.run(fixed, false, true).finalFile());
    }
}
