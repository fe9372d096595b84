package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.train.Experiment;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A task scored on one test row (max_eval: 1, or one row that fits): every bootstrap resample is that row again, so
 * the "interval" would be the difference itself, zero wide, and the page would call the difference clear. The
 * report gives the difference with no interval and says why.
 */
class ReportOneTestRowTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void oneRowHasADifferenceButNoInterval(@TempDir Path dir) throws Exception {
        Experiment exp = HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}");
        double[] gold = {0.5};
        List<RunResult> runs = List.of(
                HandMadeRuns.regression("tagllm", "", 1, "qed", gold, new double[]{0.6}, List.of()),
                HandMadeRuns.regression("tagllm", "", 2, "qed", gold, new double[]{0.7}, List.of()),
                HandMadeRuns.regression("probe", "", 1, "qed", gold, new double[]{0.9}, List.of()),
                HandMadeRuns.regression("probe", "", 2, "qed", gold, new double[]{0.9}, List.of()));
        ObjectNode r = Report.build(exp, runs, JSON.createObjectNode());
        JsonNode d = r.path("tasks").path("qed").path("variants").path("probe").path("vs_tagllm").path("mse");
        // probe 0.16 against Tag-LLM (0.01 + 0.04) / 2 = 0.025, seeds paired
        assertEquals(0.16 - 0.025, d.path("diff").asDouble(), 1e-12);
        assertTrue(d.path("lo").isNull() && d.path("hi").isNull(), d.toString());
        assertEquals(0, d.path("resamples").asInt());
        assertTrue(d.path("undefined").asText().startsWith("one test row"), d.toString());

        String html = HtmlReport.render(r);
        assertFalse(html.contains("Tag-LLM better") || html.contains("Tag-LLM worse"), "one row decides nothing");
        assertTrue(html.contains("no interval: one test row"), "the page says why there is no interval");
    }

    @Test
    void twoRowsStillGetAnInterval() {
        Stats.RowMetric zero = idx -> 0, first = idx -> {
            double s = 0;
            for (int i : idx) s += i == 0 ? 1 : 0;
            return s / idx.length;
        };
        Stats.Interval in = Stats.pairedBootstrap(List.of(first), List.of(zero), 2, 2000, 1);
        assertEquals(0.5, in.diff(), 1e-12);
        assertEquals(0.0, in.lo(), 1e-12, "the resample of row 1 twice");
        assertEquals(1.0, in.hi(), 1e-12, "the resample of row 0 twice");
        assertEquals(2000, in.resamples());
    }
}
