package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.train.Experiment;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The difference against Tag-LLM pairs each seed with Tag-LLM's run of the same seed. A report of finished runs
 * (--report-only after a run folder was removed, or an interrupted compare) can lack a seed of one method only;
 * pairing by place in the lists then set LoRA's seed 2 against Tag-LLM's seed 1.
 */
class ReportSeedPairingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double[] GOLD = {1, 2, 3, 4};

    private static RunResult run(String method, long seed, double offset) {
        double[] pred = new double[GOLD.length];
        for (int i = 0; i < pred.length; i++) pred[i] = GOLD[i] + offset;
        return HandMadeRuns.regression(method, "", seed, "qed", GOLD, pred, List.of());
    }

    @Test
    void aSeedIsPairedWithTheSameSeed(@TempDir Path dir) throws Exception {
        Experiment exp = HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}");
        // every prediction off by a constant: MSE = offset², the same on every resample of the rows
        List<RunResult> runs = List.of(run("tagllm", 1, 0.1), run("tagllm", 2, 0.3), run("tagllm", 3, 0.2),
                run("lora", 2, 0.5), run("lora", 3, 0.4),
                run("probe", 7, 1.0));
        JsonNode v = Report.build(exp, runs, JSON.createObjectNode()).path("tasks").path("qed").path("variants");
        JsonNode d = v.path("lora").path("vs_tagllm");
        assertEquals(2, d.path("paired_seeds").asInt());
        // seed 2: 0.25 − 0.09, seed 3: 0.16 − 0.04; by place it was (0.25 − 0.01 + 0.16 − 0.09) / 2
        double want = ((0.25 - 0.09) + (0.16 - 0.04)) / 2;
        assertEquals(want, d.path("mse").path("diff").asDouble(), 1e-12);
        assertEquals(want, d.path("mse").path("lo").asDouble(), 1e-12);
        assertEquals(want, d.path("mse").path("hi").asDouble(), 1e-12);

        JsonNode none = v.path("probe").path("vs_tagllm");
        assertEquals(0, none.path("paired_seeds").asInt());
        assertTrue(none.path("mse").path("diff").isNull(), none.toString());
        assertEquals("no seed of probe has a finished Tag-LLM run of the same seed", none.path("mse").path("undefined").asText());
    }
}
