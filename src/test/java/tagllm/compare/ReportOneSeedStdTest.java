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
 * One seed has no sample standard deviation (n − 1 = 0): report.json wrote 0, which a reader of the file draws as a
 * zero-width error bar. It is null now, every metric's; the tables still say "(1 seed)".
 */
class ReportOneSeedStdTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void oneSeedHasANullStd(@TempDir Path dir) throws Exception {
        Experiment exp = HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}");
        double[] gold = {1, 2, 3, 4};
        ObjectNode report = Report.build(exp, List.of(
                HandMadeRuns.regression("tagllm", "", 1, "qed", gold, new double[]{1.1, 2.2, 2.9, 4.3}, List.of()),
                HandMadeRuns.regression("probe", "", 1, "qed", gold, new double[]{1.5, 2.5, 3.5, 4.5}, List.of()),
                HandMadeRuns.regression("probe", "", 2, "qed", gold, new double[]{1.5, 2.5, 3.5, 4.0}, List.of())), JSON.createObjectNode());
        JsonNode v = report.path("tasks").path("qed").path("variants");
        for (String m : Report.METRICS) assertTrue(v.path("tagllm").path("std").path(m).isNull(), m + ": " + v.path("tagllm").path("std"));
        // two seeds keep theirs: MSE 0.25 and 0.1875, sample std |a − b| / √2
        assertEquals(0.0625 / Math.sqrt(2), v.path("probe").path("std").path("mse").asDouble(), 1e-12);
        assertTrue(Compare.markdown(report).contains("| tagllm | 10 | 0.0375 (1 seed) | reference |"), Compare.markdown(report));
        String html = HtmlReport.render(report);
        assertTrue(html.contains("<td>0.0375 (1 seed)</td>"), "the page's table, as before");
    }
}
