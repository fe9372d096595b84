package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** result.json holds standard JSON numbers: a value with none is null, read back as NaN; older "NaN" strings still read. */
class ResultJsonNonFiniteTest {
    private static RunResult run() {
        // a regression outcome: no log loss (NaN), one prediction that is NaN; a curve whose last loss overflowed
        RunResult.TaskOutcome qed = new RunResult.TaskOutcome(10, new long[] {2, 3}, new double[] {0.5, 0.25},
                new double[] {0.125, Double.NaN}, 0.0625, 4, 1.5);
        RunResult.Curve c = new RunResult.Curve("s1", List.of(new double[] {1, 2.5}, new double[] {2, Double.POSITIVE_INFINITY}),
                List.of(new double[] {1, Double.NaN}));
        return new RunResult("tagllm-seed1", "tagllm", "", 1, Double.NaN, Map.of("qed", qed), List.of(c));
    }

    @Test
    void nonFiniteValuesAreJsonNullsAndReadBackAsNaN(@TempDir Path dir) throws Exception {
        String json = CompareRunner.resultJson(run());
        JsonNode tree = new ObjectMapper().readTree(json);
        assertTrue(tree.get("wall_seconds").isNull(), json);
        JsonNode qed = tree.path("tasks").path("qed");
        assertTrue(qed.get("valid_log_loss").isNull(), json);
        assertTrue(qed.get("valid_mse").isNumber(), json);
        assertEquals(0.0625, qed.get("valid_mse").doubleValue());
        assertTrue(qed.get("pred").get(0).isNumber(), json);
        assertTrue(qed.get("pred").get(1).isNull(), json);
        JsonNode loss = tree.path("curves").get(0).path("loss");
        assertEquals(2.5, loss.get(0).get(1).doubleValue());
        assertTrue(loss.get(1).get(1).isNull(), json);
        assertTrue(tree.path("curves").get(0).path("valid").get(0).get(1).isNull(), json);
        assertTrue(!json.contains("NaN") && !json.contains("Infinity"), json);

        Path f = Files.writeString(dir.resolve("result.json"), json);
        RunResult back = CompareRunner.readResult(f);
        assertTrue(Double.isNaN(back.wallSeconds()));
        RunResult.TaskOutcome o = back.tasks().get("qed");
        assertTrue(Double.isNaN(o.validLogLoss()));
        assertEquals(0.0625, o.validMse());
        assertEquals(0.125, o.pred()[0]);
        assertTrue(Double.isNaN(o.pred()[1]));
        assertEquals(2.5, back.curves().get(0).loss().get(0)[1]);
        assertTrue(Double.isNaN(back.curves().get(0).loss().get(1)[1]), "an infinite loss is no usable value");
        assertTrue(Double.isNaN(back.curves().get(0).valid().get(0)[1]));
    }

    @Test
    void aResultJsonOfEarlierBuildsWithNaNStringsStillReads(@TempDir Path dir) throws Exception {
        // as builds up to 82e45ea wrote it (Jackson's default: non-finite doubles as strings)
        Path f = Files.writeString(dir.resolve("result.json"), """
                {"id":"tagllm-seed1","method":"tagllm","ablation":"","seed":1,"wall_seconds":"NaN",
                 "tasks":{"qed":{"params":10,"lines":[2,3],"gold":[0.5,0.25],"pred":[0.125,"NaN"],"valid_mse":0.0625,
                 "kept_step":4,"wall_seconds":1.5,"classes":null,"prob":null,"valid_log_loss":"NaN","lambda_rows":null}},
                 "curves":[{"name":"s1","loss":[[1.0,2.5],[2.0,"Infinity"]],"valid":[[1.0,"NaN"]]}],"failure":null,"task_failures":{}}
                """);
        RunResult back = CompareRunner.readResult(f);
        assertTrue(Double.isNaN(back.wallSeconds()));
        assertTrue(Double.isNaN(back.tasks().get("qed").validLogLoss()));
        assertTrue(Double.isNaN(back.tasks().get("qed").pred()[1]));
        assertEquals(Double.POSITIVE_INFINITY, back.curves().get(0).loss().get(1)[1]);
        assertTrue(Double.isNaN(back.curves().get(0).valid().get(0)[1]));
    }
}
