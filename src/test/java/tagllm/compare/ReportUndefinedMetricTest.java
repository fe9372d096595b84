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
 * A variant whose main metric has no value in any seed (the training mean's Pearson r: its predictions are all
 * alike): report.json and report.html say it has none, and why, instead of a spread of 0 or a tie.
 */
class ReportUndefinedMetricTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double[] GOLD = {5, 6, 7, 8};

    private static ObjectNode report(Path dir, int seeds) throws Exception {
        Experiment exp = HandMadeRuns.experiment(dir, "ba: {preset: BA, data: d.csv}");
        List<RunResult> runs = new java.util.ArrayList<>();
        for (long s = 1; s <= seeds; s++) {
            runs.add(HandMadeRuns.regression("tagllm", "", s, "ba", GOLD, new double[]{5.5, 5.9, 7.2, 7.6 + s / 10.0}, List.of()));
            runs.add(HandMadeRuns.regression("baseline", "", s, "ba", GOLD, new double[]{6.5, 6.5, 6.5, 6.5}, List.of()));
        }
        return Report.build(exp, runs, JSON.createObjectNode());
    }

    @Test
    void oneSeedGivesNoSpreadAndTheDifferenceSaysWhyItHasNone(@TempDir Path dir) throws Exception {
        ObjectNode r = report(dir, 1);
        JsonNode ba = r.path("tasks").path("ba");
        assertEquals("pearson", ba.path("metric").asText(), "BA's metric is Pearson r (the paper's)");
        JsonNode base = ba.path("variants").path("baseline");
        assertTrue(base.path("mean").path("pearson").isNull());
        assertTrue(base.path("std").path("pearson").isNull(), "no spread for a metric with no value: " + base.path("std"));
        assertEquals(0.0, base.path("std").path("mse").asDouble(), "a metric with a value keeps one seed's spread of 0");
        String why = "pearson: undefined because pred is constant (all 6.5) (zero variance)";
        assertTrue(base.path("seeds").get(0).path("undefined").toString().contains(why), base.path("seeds").get(0).toString());
        JsonNode d = base.path("vs_tagllm").path("pearson");
        assertTrue(d.path("diff").isNull() && d.path("lo").isNull() && d.path("hi").isNull(), d.toString());
        assertEquals("baseline seed 1: " + why, d.path("undefined").asText());
        assertFalse(base.path("vs_tagllm").path("mse").has("undefined"), "MSE has its interval: " + base.path("vs_tagllm"));

        String html = HtmlReport.render(r);
        String row = html.substring(html.indexOf("<tr><td class=\"l\">baseline (training mean)"));
        row = row.substring(0, row.indexOf("</tr>"));
        assertTrue(row.contains("<td>n/a (1 seed)</td>"), row);
        // a metric with a value and one seed: no spread is claimed (report.json's std of 0 is not printed as one)
        String tag = html.substring(html.indexOf("<tr><td class=\"l\">tagllm</td>"));
        tag = tag.substring(0, tag.indexOf("</tr>"));
        double pearson = tagllm.eval.RegressionMetrics.compute(new double[]{5.5, 5.9, 7.2, 7.7}, GOLD).pearson();
        assertTrue(tag.contains("<td>" + HtmlReport.fmt(pearson) + " (1 seed)</td>"), tag);
        assertFalse(html.contains("± 0.0000"), "one seed shows no spread of 0");
        assertTrue(row.contains("no difference: baseline seed 1: " + why), row);
        assertFalse(html.contains("interval spans 0"), "there is no interval to span 0: " + row);
    }

    @Test
    void severalSeedsAgreeWithOne(@TempDir Path dir) throws Exception {
        JsonNode base = report(dir, 2).path("tasks").path("ba").path("variants").path("baseline");
        assertTrue(base.path("mean").path("pearson").isNull() && base.path("std").path("pearson").isNull(), base.toString());
        assertEquals(2, base.path("vs_tagllm").path("paired_seeds").asInt());
        assertEquals("baseline seed 1: pearson: undefined because pred is constant (all 6.5) (zero variance)",
                base.path("vs_tagllm").path("pearson").path("undefined").asText());
    }
}
