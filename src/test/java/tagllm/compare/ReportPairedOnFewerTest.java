package tagllm.compare;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.train.Experiment;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Where Tag-LLM and a variant have different seeds (one side's seed failed or did not finish), the difference pairs
 * only the seeds both have, so it is not the difference of the two means in the same row; the printed tables and
 * report.html showed it beside those means without a word. Now they say over how many seeds it was taken.
 */
class ReportPairedOnFewerTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final double[] GOLD = {1, 2, 3, 4};

    private static RunResult run(String method, long seed, double offset) {
        double[] pred = new double[GOLD.length];
        for (int i = 0; i < pred.length; i++) pred[i] = GOLD[i] + offset;
        return HandMadeRuns.regression(method, "", seed, "qed", GOLD, pred, List.of());
    }

    @Test
    void aDifferenceOverFewerSeedsThanTheMeansSaysSo(@TempDir Path dir) throws Exception {
        Experiment exp = HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}");
        // MSE = offset²: Tag-LLM seed 1 0.01 (its seed 2 missing); LoRA 0.25 and 0.09, mean 0.17; probe 0.36 on both seeds
        List<RunResult> fewer = List.of(run("tagllm", 1, 0.1), run("lora", 1, 0.5), run("lora", 2, 0.3));
        ObjectNode report = Report.build(exp, fewer, JSON.createObjectNode());
        // the difference is seed 1's alone, 0.25 − 0.01 = 0.24, not the means' 0.17 − 0.01 = 0.16
        assertEquals(0.24, report.path("tasks").path("qed").path("variants").path("lora").path("vs_tagllm").path("mse").path("diff").asDouble(), 1e-12);
        String md = Compare.markdown(report);
        assertTrue(md.contains("| lora | 10 | 0.1700 ± 0.1131 | 0.2400 [0.2400, 0.2400] (over the 1 seed both have) |"), md);
        assertTrue(HtmlReport.render(report).contains("0.2400 [0.2400, 0.2400] <small>(over the 1 seed both have)</small>"));

        // every seed on both sides: nothing to say
        List<RunResult> same = List.of(run("tagllm", 1, 0.1), run("tagllm", 2, 0.2), run("lora", 1, 0.5), run("lora", 2, 0.3));
        ObjectNode full = Report.build(exp, same, JSON.createObjectNode());
        String md2 = Compare.markdown(full);
        assertFalse(md2.contains("(over the"), md2);
        assertFalse(HtmlReport.render(full).contains("(over the"));
    }
}
