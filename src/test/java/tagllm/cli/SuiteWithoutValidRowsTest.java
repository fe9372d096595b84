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
 * A data file without valid rows trains (a head's ridge or logistic start picks λ on the last fifth of the training
 * rows), and the suite's probes must then do the same: they stopped the suite after training with "ridge: no
 * validation rows to choose λ on", and its scores were lost.
 */
class SuiteWithoutValidRowsTest {
    @Test
    void theProbesChooseLambdaOnTheTrainingRowsTail(@TempDir Path dir) throws Exception {
        String[] train = {"CCO", "CCN", "CCC", "CCCl", "CCCO", "OCCO", "NCCO", "CC(C)O", "CCOC", "CCCN"};
        StringBuilder csv = new StringBuilder("smiles,qed,p_np,split\n");
        for (int i = 0; i < train.length; i++) csv.append(train[i]).append(',').append(0.1 + 0.05 * i).append(',').append(i % 2).append(",train\n");
        csv.append("CO,0.2,0,test\nCN,0.3,1,test\nNCCN,0.5,1,test\nOCCCO,0.6,0,test\n");
        Files.writeString(dir.resolve("d.csv"), csv);
        Path exp = TinyExperiment.write(dir, """
                tasks:
                  qed: {preset: QED, head: {bias: true, init: ridge}, data: d.csv}
                  bbbp: {preset: BBBP, head: {bias: true, init: ridge}, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [qed, bbbp], batch_size: 2, max_steps: 1}
                """);
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(2, results.size());
        for (JsonNode task : results) {
            assertEquals(0, task.path("valid_rows").asInt(), task.toString());
            assertEquals(4, task.path("test_rows").asInt(), task.toString());
            assertTrue(task.path("probe").path("lambda").isNumber(), task.toString());
        }
    }
}
