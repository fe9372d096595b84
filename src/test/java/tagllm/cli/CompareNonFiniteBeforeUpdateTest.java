package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.OverflowingModel;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * compare recorded a Tag-LLM run whose loss was not finite at step 1, before any update (the model's outputs overflow
 * with the initial tags: OverflowingModel), as "diverged at step 1 of stage s: loss NaN", which reads as a learning
 * rate too high. Its failure in result.json, report.json and the printed message now says it was before any update and
 * that no learning rate mends it.
 */
class CompareNonFiniteBeforeUpdateTest {
    @Test
    void aLossNotFiniteBeforeAnyUpdateIsNotCalledDiverged(@TempDir Path dir) throws Exception {
        Path model = OverflowingModel.write(dir.resolve("model"));
        Path data = Files.writeString(dir.resolve("d.csv"), TinyExperiment.qedTrainingRows().append("CO,0.2,valid\nCN,0.3,valid\nCC,0.4,test\nCCO,0.5,test\n"));
        Path exp = Files.writeString(dir.resolve("exp.yaml"), "model: " + model + "\nseed: 3\ntag_length: 2\n" + """
                tasks:
                  qed: {preset: QED, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [qed], batch_size: 2, max_steps: 3}
                """);
        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of("compare", exp.toString(), "--methods", "tagllm", "--seeds", "1", "-o", out.toString(), "-q");
        assertEquals(1, r.exit(), r.err());
        String expected = "(?s)stage s: the loss is NaN at step 1, before any update: the model's outputs are not finite with the initial tags in f32"
                + " compute \\(the first row: " + java.util.regex.Pattern.quote(data.toString()) + ":[2-9]\\); no learning rate mends this: .*";
        String failure = new ObjectMapper().readTree(out.resolve("runs/tagllm-seed3/result.json").toFile()).path("failure").asText();
        assertTrue(failure.matches(expected), failure);
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        String reported = report.path("tasks").path("qed").path("variants").path("tagllm").path("failed_seeds").get(0).path("failure").asText();
        assertTrue(reported.matches(expected), report.toString());
        assertFalse(r.err().contains("diverged"), r.err());
    }
}
