package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * result.json names its fields in snake_case as the project's other files do, and one written by a build before 22bc155
 * (Java names: wallSeconds, keptStep, taskFailures, ...) still reads back, so compare --resume and --report-only keep
 * using old runs.
 */
class RunResultJsonNamesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RunResult sample() {
        var outcome = new RunResult.TaskOutcome(12, new long[]{3, 4}, new double[]{1, 2}, new double[]{1.5, 2.5}, 0.25, 6, 7.5)
                .withLambdaRows(RunResult.TaskOutcome.LAMBDA_ON_VALID);
        return new RunResult("probe-seed1", "probe", "", 1, 9.5, Map.of("qed", outcome), List.of(), null,
                Map.of("logp", "diverged at step 2 of stage probe-logp: loss NaN"));
    }

    private static List<String> keys(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void writtenInSnakeCase() throws Exception {
        JsonNode r = JSON.readTree(JSON.writeValueAsString(sample()));
        assertTrue(keys(r).containsAll(List.of("wall_seconds", "task_failures")), keys(r).toString());
        JsonNode t = r.path("tasks").path("qed");
        assertTrue(keys(t).containsAll(List.of("valid_mse", "kept_step", "wall_seconds", "valid_log_loss", "lambda_rows")), keys(t).toString());
        for (JsonNode o : List.of(r, t)) {
            for (String k : keys(o)) assertFalse(k.matches(".*[a-z][A-Z].*"), "camelCase key " + k + " in " + o);
        }
        assertEquals(6, t.path("kept_step").asInt());
        assertEquals("diverged at step 2 of stage probe-logp: loss NaN", r.path("task_failures").path("logp").asText());
    }

    @Test
    void aResultJsonWithTheOldJavaNamesStillReads(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("result.json");
        // as compare wrote it before the rename (hand-written: the names are the point)
        Files.writeString(f, """
                {"id":"probe-seed1","method":"probe","ablation":"","seed":1,"wallSeconds":9.5,
                 "tasks":{"qed":{"params":12,"lines":[3,4],"gold":[1.0,2.0],"pred":[1.5,2.5],"validMse":0.25,"keptStep":6,
                   "wallSeconds":7.5,"classes":null,"prob":null,"validLogLoss":"NaN","lambdaRows":"valid"}},
                 "curves":[],"failure":null,"taskFailures":{"logp":"diverged at step 2 of stage probe-logp: loss NaN"}}
                """);
        RunResult r = CompareRunner.readResult(f);
        assertEquals(9.5, r.wallSeconds());
        assertEquals(Map.of("logp", "diverged at step 2 of stage probe-logp: loss NaN"), r.taskFailures());
        RunResult.TaskOutcome t = r.tasks().get("qed");
        assertEquals(0.25, t.validMse());
        assertEquals(6, t.keptStep());
        assertEquals(7.5, t.wallSeconds());
        assertTrue(Double.isNaN(t.validLogLoss()));
        assertEquals("valid", t.lambdaRows());
    }

    @Test
    void aNewResultJsonReadsBackEqual(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("result.json");
        Files.writeString(f, JSON.writeValueAsString(sample()));
        RunResult r = CompareRunner.readResult(f);
        assertEquals(sample().taskFailures(), r.taskFailures());
        assertEquals(6, r.tasks().get("qed").keptStep());
        assertEquals(0.25, r.tasks().get("qed").validMse());
        assertEquals("valid", r.tasks().get("qed").lambdaRows());
        assertEquals(9.5, r.wallSeconds());
    }
}
