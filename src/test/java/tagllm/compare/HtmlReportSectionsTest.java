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

/** report.html prints a section only when it has content, and draws an axis only where a series has points. */
class HtmlReportSectionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double[] GOLD = {1, 2, 3, 4};
    // stage 1 trains domain tags on text: a loss, no validation score; stage 2 both
    private static final List<RunResult.Curve> CURVES = List.of(
            new RunResult.Curve("s1", List.of(new double[]{1, 9.0}, new double[]{2, 8.5}), List.of()),
            new RunResult.Curve("s2", List.of(new double[]{1, 1.0}, new double[]{2, 0.8}), List.of(new double[]{0, 0.9}, new double[]{2, 0.7})));

    private static String regressionPage(Path dir, boolean ablation) throws Exception {
        List<RunResult> runs = new java.util.ArrayList<>(List.of(
                HandMadeRuns.regression("tagllm", "", 1, "qed", GOLD, new double[]{1.1, 2.2, 2.9, 3.7}, CURVES),
                HandMadeRuns.regression("baseline", "", 1, "qed", GOLD, new double[]{2.5, 2.5, 2.5, 2.5}, List.of())));
        if (ablation) runs.add(HandMadeRuns.regression("tagllm", "no-function-tag", 1, "qed", GOLD, new double[]{1.3, 2.1, 3.2, 3.6}, CURVES));
        return HtmlReport.render(Report.build(HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}"), runs, JSON.createObjectNode()));
    }

    @Test
    void aRegressionRunWithoutAblationsHasNoAblationOrClassificationSection(@TempDir Path dir) throws Exception {
        String html = regressionPage(dir, false);
        assertFalse(html.contains("<h2>Ablations"), "no ablation was run");
        assertFalse(html.contains("<h2>ROC curves"), "no classification task");
        assertFalse(html.contains("<div class=\"grid\" id=\"roc\">"));
        assertTrue(html.contains("<h2>Results</h2>") && html.contains("<h2>Predicted vs true") && html.contains("<h2>Training curves"));
        String withAblation = regressionPage(dir, true);
        assertTrue(withAblation.contains("<h2>Ablations (Tag-LLM)</h2>\n<h3>qed"), "an ablation has its section and table");
    }

    @Test
    void aClassificationOnlyRunHasNoRegressionPlotsAndNoCurvesWithoutTraining(@TempDir Path dir) throws Exception {
        int[] gold = {0, 1, 1, 0};
        List<RunResult> runs = List.of(HandMadeRuns.binary("tagllm", 1, "bbbp", gold, new double[]{0.2, 0.7, 0.6, 0.4}),
                HandMadeRuns.binary("baseline", 1, "bbbp", gold, new double[]{0.5, 0.5, 0.5, 0.5}));
        var report = Report.build(HandMadeRuns.experiment(dir, "bbbp: {preset: BBBP, data: d.csv}"), runs, JSON.createObjectNode());
        assertEquals("classification", report.path("tasks").path("bbbp").path("type").asText());
        String html = HtmlReport.render(report);
        assertFalse(html.contains("<h2>Predicted vs true"), "no regression task");
        assertFalse(html.contains("<div class=\"grid\" id=\"scatter\">"), "(Chart.js itself holds 'id=\"scatter\"')");
        assertFalse(html.contains("<h2>Training curves"), "these runs have no curve");
        assertFalse(html.contains("<h2>Ablations"));
        assertTrue(html.contains("<h2>ROC curves and calibration"));
    }

    /** The header names seeds, methods and ablations as a list a reader writes, and wall times in tenths of a second. */
    @Test
    void theHeaderListsPlainlyAndWallTimesReadInTenths(@TempDir Path dir) throws Exception {
        var about = JSON.createObjectNode();
        about.putArray("seeds").add(0).add(1).add(2);
        about.putArray("methods").add("tagllm").add("probe");
        about.putArray("ablations");
        List<RunResult> runs = List.of(HandMadeRuns.regression("tagllm", "", 1, "qed", GOLD, new double[]{1.1, 2.2, 2.9, 3.7}, CURVES));
        String html = HtmlReport.render(Report.build(HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}"), runs, about));
        assertTrue(html.contains("seeds 0, 1, 2; methods tagllm, probe; ablations none."), "not JSON arrays: [0,1,2], [\"tagllm\", ...]");
        assertEquals("&lt; 0.1", HtmlReport.seconds(0.000216));
        assertEquals("39.3", HtmlReport.seconds(39.3099));
        assertEquals("0.1", HtmlReport.seconds(0.05));
        assertEquals("1204.0", HtmlReport.seconds(1204.0));
    }

    /**
     * Tag-LLM's stages train its tasks together, so a task's wall time is the whole run's: report.html printed it in
     * the same "wall s" column as the probe's time for that task alone (tagllm compare on QED, ESOL and BBBP: 19.9 s
     * for Tag-LLM on every task against 0.3-0.6 s for the probe), which reads as 19.9 s per task. It is now marked.
     */
    @Test
    void tagLlmsWallTimeIsMarkedAsTheWholeRuns(@TempDir Path dir) throws Exception {
        long[] lines = {0, 1, 2, 3};
        double[] pred = {1.1, 2.2, 2.9, 3.7};
        // Tag-LLM: no time of the task's own (NaN), 30 s for the run; the probe: 0.4 s for this task in a 0.9 s run
        RunResult tag = new RunResult("tagllm-seed1", "tagllm", "", 1, 30.0,
                Map.of("qed", new RunResult.TaskOutcome(10, lines, GOLD, pred, 0.5, 0, Double.NaN)), CURVES);
        RunResult probe = new RunResult("probe-seed1", "probe", "", 1, 0.9,
                Map.of("qed", new RunResult.TaskOutcome(10, lines, GOLD, pred, 0.5, -1, 0.4)), List.of());
        var report = Report.build(HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}"), List.of(tag, probe), JSON.createObjectNode());
        JsonNode v = report.path("tasks").path("qed").path("variants");
        // seconds under result.json's name for them (wall_seconds), and the old _s names beside for now
        assertEquals("run", v.path("tagllm").path("wall_seconds_of").asText());
        assertEquals(30.0, v.path("tagllm").path("wall_seconds_mean").asDouble(-1));
        assertEquals("task", v.path("probe").path("wall_seconds_of").asText());
        assertEquals(0.4, v.path("probe").path("wall_seconds_mean").asDouble(-1));
        assertEquals(0.4, v.path("probe").path("seeds").get(0).path("wall_seconds").asDouble(-1), v.toString());
        assertEquals(0.4, v.path("probe").path("wall_s_mean").asDouble(-1));
        assertEquals("run", v.path("tagllm").path("wall_s_of").asText());
        JsonNode tagRun = java.util.stream.StreamSupport.stream(report.path("runs").spliterator(), false)
                .filter(r -> r.path("id").asText().equals("tagllm-seed1")).findFirst().orElseThrow();
        assertEquals(30.0, tagRun.path("wall_seconds").asDouble(-1), tagRun.toString());
        String html = HtmlReport.render(report);
        assertTrue(html.contains("<td>30.0 <small>(whole run)</small></td>"), "Tag-LLM's time is said to be the run's");
        assertTrue(html.contains("<td>0.4</td></tr>"), "the probe's is its own");
    }

    /** In a real browser: the stage-1 chart has no right-hand axis, and no chart has an axis without points. */
    @Test
    void everyAxisDrawnCarriesPoints(@TempDir Path dir) throws Exception {
        String chromium = HeadlessChromium.find();
        assumeTrue(chromium != null, "no chromium on PATH (apt-get install chromium): the browser check is skipped");
        Path html = Files.writeString(dir.resolve("report.html"), regressionPage(dir, false));
        JsonNode s = HeadlessChromium.render(chromium, html).status();
        assertEquals(0, s.path("errors").size(), "no script errors: " + s);
        assertEquals(0, s.path("blank").asInt(), s.toString());
        // predicted vs true for tagllm and baseline (x, y each), tagllm's s1 curve (step, loss) and s2 (step, loss, valid)
        assertEquals(4, s.path("charts").asInt(), s.toString());
        assertEquals(2 + 2 + 2 + 3, s.path("axes").asInt(), s.toString());
        assertTrue(s.path("unused_axes").isArray() && s.path("unused_axes").isEmpty(), s.toString());
    }
}
