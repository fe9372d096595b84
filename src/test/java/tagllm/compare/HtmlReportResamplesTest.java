package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** An interval that rests on fewer resamples than the page's intro states says so beside it. */
class HtmlReportResamplesTest {
    @Test
    void aPearsonIntervalWithUndefinedResamplesSaysHowManyItUsed(@TempDir Path dir) throws Exception {
        // gold 5, 5, 5, 6 and predictions all different: a resample of the 4 rows has a Pearson r only when it holds
        // row 3 (otherwise its gold is constant), probability 1 − (3/4)^4 = 175/256: about 1367 of 2000 resamples
        double[] gold = {5, 5, 5, 6};
        List<RunResult> runs = List.of(
                HandMadeRuns.regression("tagllm", "", 1, "ba", gold, new double[]{5.1, 5.3, 4.8, 5.9}, List.of()),
                HandMadeRuns.regression("probe", "", 1, "ba", gold, new double[]{5.2, 4.9, 5.0, 5.6}, List.of()));
        ObjectNode report = Report.build(HandMadeRuns.experiment(dir, "ba: {preset: BA, data: d.csv}"), runs, new ObjectMapper().createObjectNode());
        JsonNode d = report.path("tasks").path("ba").path("variants").path("probe").path("vs_tagllm");
        int used = d.path("pearson").path("resamples").asInt();
        // binomial(2000, 175/256): standard deviation 20.8, so ±100 is about ±5 of them
        assertTrue(Math.abs(used - 2000 * 175.0 / 256) < 100, "resamples with a Pearson r: " + used);
        assertEquals(2000, d.path("mse").path("resamples").asInt(), "MSE has a value on every resample");

        String html = HtmlReport.render(report);
        String row = html.substring(html.indexOf("<tr><td class=\"l\">probe"));
        row = row.substring(0, row.indexOf("</tr>"));
        assertTrue(row.contains("] <small>(" + used + " of 2000 resamples defined)</small></td>"), row);
        assertTrue(html.contains("(2000 resamples; a resample on which the metric has no value"), "the intro states the count and the rule");
        assertEquals(1, html.split("resamples defined", -1).length - 1, "only the interval that used fewer says so: " + row);

        // the printed table says it the same way, beside the same interval only
        String md = Compare.markdown(report);
        String mdRow = md.substring(md.indexOf("| probe |"));
        mdRow = mdRow.substring(0, mdRow.indexOf('\n'));
        assertTrue(mdRow.contains("] (" + used + " of 2000 resamples defined) |"), mdRow);
        assertEquals(1, md.split("resamples defined", -1).length - 1, md);
    }
}
