package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run with no wall time measured (NaN, as a result.json's null reads back) has null times in report.json, not "NaN". */
class ReportWallTimeNonFiniteTest {
    @Test
    void anUnmeasuredWallTimeIsNull(@TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        long[] lines = {0, 1, 2, 3};
        double[] gold = {1, 2, 3, 4}, pred = {1.1, 2.2, 2.9, 3.7};
        RunResult tag = new RunResult("tagllm-seed1", "tagllm", "", 1, Double.NaN,
                Map.of("qed", new RunResult.TaskOutcome(10, lines, gold, pred, 0.5, 0, Double.NaN)), List.of());
        var report = Report.build(HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}"), List.of(tag), json.createObjectNode());
        JsonNode tree = json.readTree(json.writeValueAsString(report));
        JsonNode run = tree.path("runs").get(0);
        assertTrue(run.get("wall_seconds").isNull(), run.toString());
        assertTrue(run.get("wall_s").isNull(), run.toString());
        JsonNode v = tree.path("tasks").path("qed").path("variants").path("tagllm");
        assertTrue(v.get("wall_seconds_mean").isNull(), v.toString());
        assertTrue(v.path("seeds").get(0).get("wall_seconds").isNull(), v.toString());
        // the metrics are still numbers: only the times have no value
        assertEquals(1, v.path("seeds").size());
        assertFalse(json.writeValueAsString(report).contains("\"NaN\""));
    }
}
