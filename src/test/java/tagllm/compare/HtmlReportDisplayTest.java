package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.HeadlessChromium;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * report.html as the printed table shows it: a method without validation has kept step "–" (the page printed
 * "-1"), regression's MSE and Pearson columns are labelled seed means as the classification ones are, and a
 * multi-class ROC's class with no test rows says so in its legend instead of promising a curve it lacks.
 */
class HtmlReportDisplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void keptStepAndMeanColumnsReadAsTheTableDoes(@TempDir Path dir) throws Exception {
        double[] gold = {1, 2, 3, 4};
        List<RunResult> runs = List.of(HandMadeRuns.regression("tagllm", "", 1, "qed", gold, new double[]{1.1, 2.1, 3.1, 4.1}, List.of()),
                HandMadeRuns.regression("probe", "", 1, "qed", gold, new double[]{1.2, 2.2, 3.2, 4.2}, List.of()));
        String html = HtmlReport.render(Report.build(HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}"), runs, JSON.createObjectNode()));
        String probe = html.substring(html.indexOf("<tr><td class=\"l\">probe"));
        probe = probe.substring(0, probe.indexOf("</tr>"));
        assertTrue(probe.contains("<td class=\"l\">–</td>"), "the probe has no kept step: " + probe);
        assertFalse(probe.contains("-1"), probe);
        String tagllm = html.substring(html.indexOf("<tr><td class=\"l\">tagllm"));
        assertTrue(tagllm.substring(0, tagllm.indexOf("</tr>")).contains("<td class=\"l\">0</td>"), "Tag-LLM's kept step 0 as it is");
        assertTrue(html.contains("<th>MSE (mean)</th><th>Pearson (mean)</th>"), "regression's extra columns are seed means too");
    }

    @Test
    void aClassWithoutTestRowsSaysSoInTheRocLegend(@TempDir Path dir) throws Exception {
        String chromium = HeadlessChromium.find();
        assumeTrue(chromium != null, "no chromium on PATH (apt-get install chromium): the browser check is skipped");
        // three classes, the test rows only of a and b
        int[] gold = {0, 1, 0, 1, 1};
        double[][] prob = {{0.6, 0.3, 0.1}, {0.2, 0.7, 0.1}, {0.5, 0.4, 0.1}, {0.3, 0.5, 0.2}, {0.4, 0.4, 0.2}};
        long[] lines = {0, 1, 2, 3, 4};
        double[] g = new double[gold.length], pred = new double[gold.length];
        for (int i = 0; i < gold.length; i++) {
            g[i] = gold[i];
            pred[i] = prob[i][0] >= prob[i][1] ? 0 : 1;
        }
        RunResult run = new RunResult("tagllm-seed1", "tagllm", "", 1, 1.0, Map.of("grade", new RunResult.TaskOutcome(10, lines, g, pred, Double.NaN,
                0, 1.0, List.of("a", "b", "c"), prob, 0.5)), List.of());
        var exp = HandMadeRuns.experiment(dir, "grade: {type: classification, template: \"<SMILES> {smiles} grade <Grade> {label}.\", "
                + "tags: {SMILES: domain, Grade: function}, label: grade, data: d.csv}");
        Path html = Files.writeString(dir.resolve("report.html"), HtmlReport.render(Report.build(exp, List.of(run), JSON.createObjectNode())));
        JsonNode s = HeadlessChromium.render(chromium, html).status();
        assertEquals(0, s.path("errors").size(), "no script errors: " + s);
        assertEquals(List.of("grade: tagllm — ROC: c vs rest (no test rows)"), JSON.convertValue(s.path("empty_series"), List.class), s.toString());
    }
}
