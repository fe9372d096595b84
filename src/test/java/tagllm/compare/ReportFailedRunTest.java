package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.train.Experiment;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A run recorded as failed (its loss diverged) has no metrics: it is in no mean or difference, but report.json, the
 * printed tables and report.html name it ("k of n seeds"), where it was dropped without a word, or stopped the compare.
 */
class ReportFailedRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double[] GOLD = {1, 2, 3, 4};
    private static final String WHY = "diverged at step 6 of stage s2: loss NaN";

    private static RunResult run(String method, long seed, double offset) {
        double[] pred = new double[GOLD.length];
        for (int i = 0; i < pred.length; i++) pred[i] = GOLD[i] + offset;
        return HandMadeRuns.regression(method, "", seed, "qed", GOLD, pred, List.of());
    }

    private static RunResult failed(String method, long seed) {
        return RunResult.failed(method + "-seed" + seed, method, "", seed, 2.0, List.of(), WHY);
    }

    private static ObjectNode report(Path dir, List<RunResult> runs) throws Exception {
        Experiment exp = HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}");
        return Report.build(exp, runs, JSON.createObjectNode());
    }

    @Test
    void aFailedSeedIsNamedAndLeftOutOfTheMean(@TempDir Path dir) throws Exception {
        // every prediction off by a constant: MSE = offset²; LoRA's seed 2 diverged
        List<RunResult> runs = List.of(run("tagllm", 1, 0.1), run("tagllm", 2, 0.3), run("lora", 1, 0.5), failed("lora", 2));
        ObjectNode report = report(dir, runs);
        JsonNode lora = report.path("tasks").path("qed").path("variants").path("lora");
        assertEquals(1, lora.path("seeds").size());
        assertEquals(0.25, lora.path("mean").path("mse").asDouble(), 1e-12, "the finished seed's MSE alone");
        assertEquals(1, lora.path("failed_seeds").size());
        assertEquals(2, lora.path("failed_seeds").get(0).path("seed").asLong());
        assertEquals("lora-seed2", lora.path("failed_seeds").get(0).path("run").asText());
        assertEquals(WHY, lora.path("failed_seeds").get(0).path("failure").asText());
        // paired with Tag-LLM's seed 1 only: 0.25 − 0.01
        assertEquals(1, lora.path("vs_tagllm").path("paired_seeds").asInt());
        assertEquals(0.24, lora.path("vs_tagllm").path("mse").path("diff").asDouble(), 1e-12);
        assertEquals(0, report.path("tasks").path("qed").path("variants").path("tagllm").path("failed_seeds").size());
        JsonNode about = report.path("about").path("failed_runs");
        assertEquals(1, about.size());
        assertEquals("lora-seed2", about.get(0).path("run").asText());
        assertEquals(WHY, about.get(0).path("failure").asText());
        List<String> ids = new ArrayList<>();
        for (JsonNode r : report.path("runs")) if (r.has("failure")) ids.add(r.path("id").asText());
        assertEquals(List.of("lora-seed2"), ids, "the run is kept in runs, marked");

        String md = Compare.markdown(report);
        assertTrue(md.contains("| lora | 10 | 0.2500 (1 of 2 seeds) | 0.2400 [0.2400, 0.2400] (over the 1 seed both have) |"), md);
        assertTrue(md.contains("(failed, no metrics, left out of the means: lora seed 2: " + WHY + ")"), md);
        assertTrue(md.contains("1 of 4 runs failed"), md);
        String html = HtmlReport.render(report);
        assertTrue(html.contains("<td>0.2500 (1 of 2 seeds)</td>"), html.substring(0, 200));
        assertTrue(html.contains("<span class=\"loss\">seed 2 failed</span>"));
        assertTrue(html.contains("1 of 4 runs failed (no metrics, left out of every mean):</b> lora-seed2 (" + WHY + ")"));
    }

    /**
     * One run failed whole, another only on its task qed: the heading counts each as what it is, where it said "2 of
     * 3 runs failed (no metrics...)" of a run that failed on one task and has metrics for its others.
     */
    @Test
    void theHeadingTellsAFailedRunFromAFailedTask(@TempDir Path dir) throws Exception {
        Experiment exp = HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}");
        RunResult qedFailed = new RunResult("lora-seed1", "lora", "", 1, 2.0, java.util.Map.of(), List.of(), null, java.util.Map.of("qed", WHY));
        ObjectNode report = Report.build(exp, List.of(run("tagllm", 1, 0.1), failed("prompt-tuning", 1), qedFailed), JSON.createObjectNode());
        JsonNode about = report.path("about").path("failed_runs");
        assertEquals(2, about.size(), "one entry per failed run, one per failed task: as before");
        assertFalse(about.get(0).has("task"));
        assertEquals("qed", about.get(1).path("task").asText());

        String heading = "1 of 3 runs failed and 1 task failed in 1 other run";
        String md = Compare.markdown(report);
        assertTrue(md.contains("\n" + heading + " (no metrics; report.json: about.failed_runs):\n  prompt-tuning-seed1: " + WHY
                + "\n  lora-seed1 on task qed: " + WHY), md);
        assertTrue(HtmlReport.render(report).contains("<b>" + heading + " (no metrics, left out of every mean):</b> prompt-tuning-seed1 ("
                + WHY + "); lora-seed1 on task qed (" + WHY + ")"));

        // a task failed, no run failed whole
        ObjectNode taskOnly = Report.build(exp, List.of(run("tagllm", 1, 0.1), qedFailed), JSON.createObjectNode());
        assertTrue(Compare.markdown(taskOnly).contains("\n1 task failed in 1 of 2 runs (no metrics; report.json: about.failed_runs):\n"));
    }

    @Test
    void aVariantWhoseEverySeedFailedStaysInTheReport(@TempDir Path dir) throws Exception {
        ObjectNode report = report(dir, List.of(failed("tagllm", 1), failed("tagllm", 2), run("probe", 1, 0.5), run("probe", 2, 0.5)));
        JsonNode v = report.path("tasks").path("qed").path("variants");
        assertEquals(List.of("tagllm", "probe"), names(v), "in run order, the failed variant first");
        assertEquals(0, v.path("tagllm").path("seeds").size());
        assertEquals(2, v.path("tagllm").path("failed_seeds").size());
        assertTrue(v.path("tagllm").path("mean").path("mse").isNull());
        assertTrue(v.path("probe").path("vs_tagllm").path("mse").path("diff").isNull());
        assertEquals("no seed of probe has a finished Tag-LLM run of the same seed", v.path("probe").path("vs_tagllm").path("mse").path("undefined").asText());
        String md = Compare.markdown(report);
        assertTrue(md.contains("| tagllm | – | – (0 of 2 seeds) | reference (no finished seed) |  |"), md);
        assertTrue(md.contains("| probe | 10 | 0.2500 ± 0.0000 | – (no seed of probe has a finished Tag-LLM run of the same seed) |"), md);
        String html = HtmlReport.render(report);
        assertTrue(html.contains("<td>–</td><td>– (0 of 2 seeds)</td>"));
    }

    private static List<String> names(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
