package tagllm.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import tagllm.eval.RegressionMetrics;

import static org.junit.jupiter.api.Assertions.*;

/**
 * results.json of {@code tagllm suite}: the training-mean predictor's Pearson and Spearman have no value (its
 * predictions are all alike). They were written as the string "NaN" in a number field, with no reason (tagllm suite
 * /tmp/ev/exp.yaml --seeds 0,1 -o OUT: every regression task's "mean" had "pearson" : "NaN"); compare's report.json
 * gives null and the reason.
 */
class SuiteUndefinedMetricTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theMeanPredictorsCorrelationIsNullWithItsReason() throws Exception {
        // gold 1, 2, 4 against the mean 2: MSE (1 + 0 + 4) / 3, R² = 1 − 5 / SS_tot with SS_tot = (4/3)² + (1/3)² + (5/3)² = 42/9
        RegressionMetrics m = RegressionMetrics.compute(new double[]{2, 2, 2}, new double[]{1, 2, 4});
        JsonNode o = JSON.readTree(JSON.writeValueAsString(SuiteRunner.regression(m)));
        assertTrue(o.get("pearson").isNull(), o.toString());
        assertTrue(o.get("spearman").isNull(), o.toString());
        assertEquals(Math.sqrt(5.0 / 3), o.get("rmse").asDouble(), 1e-12);
        assertEquals(1 - 5 / (42.0 / 9), o.get("r2").asDouble(), 1e-12);
        assertTrue(o.get("r2").isNumber());
        assertEquals(2, o.get("undefined").size());
        assertTrue(o.get("undefined").get(0).asText().startsWith("pearson: undefined because pred is constant"), o.toString());
    }

    @Test
    void definedMetricsAreNumbersAndNeedNoReason() throws Exception {
        RegressionMetrics m = RegressionMetrics.compute(new double[]{1, 2, 3}, new double[]{1, 2, 4});
        JsonNode o = JSON.readTree(JSON.writeValueAsString(SuiteRunner.regression(m)));
        for (String k : new String[]{"rmse", "mae", "r2", "pearson", "spearman"}) assertTrue(o.get(k).isNumber(), k + ": " + o);
        assertFalse(o.has("undefined"));
    }
}
