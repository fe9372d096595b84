package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.OverflowingModel;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A loss that is not finite at a stage's first step, before any update, was told as "the loss became NaN at step 1
 * (lower the learning rate, or check the labels)": no learning rate mends outputs that overflow with the initial tags.
 * That case now says the model's outputs are not finite with the initial tags in this compute precision and names the
 * first row whose loss is not finite; a loss that becomes non-finite after updates keeps the learning-rate advice.
 */
class NonFiniteLossAdviceTest {
    @Test
    void aLossNotFiniteBeforeAnyUpdateNamesTheRowAndNotTheLearningRate(@TempDir Path dir) throws Exception {
        Path model = OverflowingModel.write(dir.resolve("model"));
        Files.writeString(dir.resolve("d.csv"), TinyExperiment.qedTrainingRows().append("CO,0.2,valid\nCN,0.3,valid\n"));
        Path exp = Files.writeString(dir.resolve("exp.yaml"), "model: " + model + "\ntag_length: 2\n" + """
                tasks:
                  qed: {preset: QED, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [qed], batch_size: 2, max_steps: 3}
                """);
        CliRun r = CliRun.of("train", exp.toString(), "-q", "-o", dir.resolve("run").toString());
        assertEquals(1, r.exit(), r.err());
        // the batch order is a seeded shuffle: the first row is one of the eight training rows (lines 2 to 9)
        assertTrue(r.err().matches("(?s).*error: stage s: the loss is NaN at step 1, before any update: the model's outputs are not finite "
                + "with the initial tags in f32 compute \\(the first row: " + java.util.regex.Pattern.quote(dir.resolve("d.csv").toString())
                + ":[2-9]\\); no learning rate mends this: check the model's weights.*"), r.err());
        assertFalse(r.err().contains("learning rate, or"), r.err());
    }

    /** Plain SGD at a huge learning rate without clipping: the first step's loss is finite, a later one is not. */
    @Test
    void aLossThatBecomesNonFiniteAfterUpdatesKeepsTheLearningRateAdvice(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("d.csv"), TinyExperiment.qedTrainingRows().append("CO,0.2,valid\nCN,0.3,valid\n"));
        Path exp = TinyExperiment.write(dir, """
                tasks:
                  qed: {preset: QED, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [qed], batch_size: 2, max_steps: 20, optimizer: sgd, lr: 10, max_grad_norm: 0,
                     schedule: constant, warmup_ratio: 0, log_every: 1}
                """);
        Path run = dir.resolve("run");
        CliRun r = CliRun.of("train", exp.toString(), "-q", "-o", run.toString());
        assertEquals(1, r.exit(), r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("error: stage s: the loss became (NaN|-?Infinity) at step (\\d+), after \\d+ updates? "
                + "\\(lower the learning rate, or check the labels\\)").matcher(r.err());
        assertTrue(m.find(), r.err());
        int step = Integer.parseInt(m.group(2));
        assertTrue(step > 1, r.err());
        // every step before it was finite and logged
        var lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        ObjectMapper json = new ObjectMapper();
        long logged = lines.stream().map(l -> { try { return json.readTree(l); } catch (Exception e) { throw new AssertionError(l, e); } })
                .filter(n -> n.has("loss")).count();
        assertEquals(step - 1, logged, lines.toString());
    }
}
