package tagllm.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.train.Experiment;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * report.html's reading of a difference: its interval resamples test rows only, so an interval spanning 0 is "no
 * clear difference" (it read "tie"), and a one-seed reading says the interval leaves out seed-to-seed variation.
 */
class HtmlReportReadingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double[] GOLD = {1, 2, 3, 4};

    private static RunResult run(String method, long seed, double... errors) {
        double[] pred = new double[GOLD.length];
        for (int i = 0; i < pred.length; i++) pred[i] = GOLD[i] + errors[i];
        return HandMadeRuns.regression(method, "", seed, "qed", GOLD, pred, List.of());
    }

    /** The reading cell of the probe's row. */
    private static String probeReading(Path dir, List<RunResult> runs) throws Exception {
        Experiment exp = HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}");
        String html = HtmlReport.render(Report.build(exp, runs, JSON.createObjectNode()));
        String row = html.substring(html.indexOf("<tr><td class=\"l\">probe"));
        row = row.substring(0, row.indexOf("</tr>"));
        String[] cells = row.split("<td class=\"l\">");
        return cells[cells.length - 2]; // reading, then kept step
    }

    @Test
    void anIntervalSpanningZeroIsNoClearDifference(@TempDir Path dir) throws Exception {
        // MSE 0.01 each, by other rows: resamples with row 0 favour Tag-LLM, those without it the probe
        List<RunResult> runs = new ArrayList<>();
        for (long seed = 1; seed <= 2; seed++) {
            runs.add(run("tagllm", seed, 0.1, -0.1, 0.1, -0.1));
            runs.add(run("probe", seed, 0.2, 0, 0, 0));
        }
        String reading = probeReading(dir, runs);
        assertTrue(reading.startsWith("<span class=\"tie\">no clear difference (interval spans 0)</span>"), reading);
        assertFalse(reading.contains("one seed"), reading);
    }

    @Test
    void oneSeedSaysItsIntervalLeavesOutSeeds(@TempDir Path dir) throws Exception {
        // the probe off by 0.5 on every row, Tag-LLM by 0.1: MSE 0.25 against 0.01 on every resample
        String one = probeReading(dir, List.of(run("tagllm", 1, 0.1, 0.1, 0.1, 0.1), run("probe", 1, 0.5, 0.5, 0.5, 0.5)));
        assertEquals("<span class=\"win\">Tag-LLM better</span> <small>(one seed: the interval is over test rows, not seeds)</small></td>", one);
        String two = probeReading(dir, List.of(run("tagllm", 1, 0.1, 0.1, 0.1, 0.1), run("tagllm", 2, 0.1, 0.1, 0.1, 0.1),
                run("probe", 1, 0.5, 0.5, 0.5, 0.5), run("probe", 2, 0.5, 0.5, 0.5, 0.5)));
        assertEquals("<span class=\"win\">Tag-LLM better</span></td>", two);
    }
}
