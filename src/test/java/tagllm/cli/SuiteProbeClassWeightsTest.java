package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The suite's logistic probe weights its rows by the task's class weights, as the task's loss, its head's logistic start
 * and compare's probe do. Checked by the optimality condition of the weighted fit in its unpenalised intercept, which needs
 * no features: Σ sᵢ (pᵢ − yᵢ) = 0 over the rows it was fitted to (no valid rows: refitted on every training row). The test
 * split repeats the training rows, so results.json's test predictions are the probe at those rows.
 */
class SuiteProbeClassWeightsTest {
    @Test
    void theProbeIsFittedWithTheClassWeights(@TempDir Path dir) throws Exception {
        String[] smiles = {"CCO", "CCN", "CCC", "CCCl", "CCCO", "OCCO", "NCCO", "CC(C)O", "CCOC", "CCCN"};
        int[] label = {1, 1, 0, 1, 1, 0, 1, 1, 1, 0};
        StringBuilder csv = new StringBuilder("smiles,qed,p_np,split\n");
        for (String split : new String[]{"train", "test"}) {
            for (int i = 0; i < smiles.length; i++) csv.append(smiles[i]).append(",0.5,").append(label[i]).append(',').append(split).append('\n');
        }
        Files.writeString(dir.resolve("d.csv"), csv);
        Path exp = TinyExperiment.write(dir, """
                tasks:
                  bbbp: {preset: BBBP, class_weights: [4.0, 1.0], head: {bias: true, init: ridge}, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [bbbp], batch_size: 2, max_steps: 1}
                """);
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode task = new ObjectMapper().readTree(out.resolve("results.json").toFile()).get(0);
        assertEquals(10, task.path("probe_train_rows").asInt(), task.toString());
        JsonNode gold = task.path("test_predictions").path("gold_class"), probe = task.path("test_predictions").path("probe");
        assertEquals(10, gold.size());
        double weighted = 0, plain = 0;
        for (int i = 0; i < gold.size(); i++) {
            int y = gold.get(i).asInt();
            assertEquals(label[i], y);
            double p = probe.get(i).get(1).asDouble();
            weighted += (y == 0 ? 4.0 : 1.0) * (p - y);
            plain += p - y;
        }
        assertEquals(0, weighted / gold.size(), 1e-6, "weighted intercept condition (unweighted sum " + plain / gold.size() + ")");
    }
}
