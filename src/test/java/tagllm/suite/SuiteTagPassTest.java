package tagllm.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.eval.ClassificationMetrics;
import tagllm.eval.RegressionMetrics;
import tagllm.model.Model;
import tagllm.train.Experiment;
import tagllm.train.Progress;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The suite scores each task's test rows with the trained tags once: its metrics and the test predictions it writes come
 * from the same model pass (they came from two passes over the same rows, classification and regression alike). The
 * metrics in results.json are recomputed from the predictions it wrote (both rounded to 6 significant digits), so the one
 * pass gives both.
 */
class SuiteTagPassTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eachTasksTestRowsAreScoredByOneModelPass(@TempDir Path dir) throws Exception {
        String[] smiles = {"CCO", "CCN", "CCC", "CCCl", "CCCO", "OCCO", "NCCO", "CC(C)O", "CCOC", "CCCN"};
        int[] label = {1, 1, 0, 1, 1, 0, 1, 1, 1, 0};
        StringBuilder csv = new StringBuilder("smiles,qed,p_np,split\n");
        for (int i = 0; i < smiles.length; i++) csv.append(smiles[i]).append(',').append(0.1 + 0.05 * i).append(',').append(label[i]).append(",train\n");
        // three test rows, of both classes
        csv.append("NCCN,0.5,1,test\nOCCCO,0.6,0,test\nCCCCO,0.4,1,test\n");
        Files.writeString(dir.resolve("d.csv"), csv);
        Files.writeString(dir.resolve("exp.yaml"), "model: " + Shared.model("stories260K") + "\ntag_length: 2\n" + """
                tasks:
                  bbbp: {preset: BBBP, data: d.csv}
                  qed: {preset: QED, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [bbbp, qed], batch_size: 2, max_steps: 1}
                """);
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        List<Integer> passes = new ArrayList<>();
        Path out = dir.resolve("out");
        new SuiteRunner(Model.load(exp.model()), Progress.silent()).onTagPass(passes::add).run(exp, List.of(0L), out, false);

        // one pass per task, over its three test rows
        assertEquals(List.of(3, 3), passes);
        JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
        assertEquals(2, results.size());
        for (JsonNode t : results) {
            assertEquals(3, t.path("test_rows").asInt());
            JsonNode p = t.path("test_predictions");
            if (t.path("task").asText().equals("bbbp")) {
                double[][] prob = new double[3][];
                int[] gold = new int[3];
                for (int i = 0; i < 3; i++) {
                    prob[i] = new double[]{p.path("tag_llm").get(i).get(0).asDouble(), p.path("tag_llm").get(i).get(1).asDouble()};
                    gold[i] = p.path("gold_class").get(i).asInt();
                }
                ClassificationMetrics m = ClassificationMetrics.compute(prob, gold, List.of("0", "1"));
                assertEquals(m.auroc(), t.path("tag_llm").path("auroc").asDouble(), 1e-5, t.toString());
                assertEquals(m.logLoss(), t.path("tag_llm").path("log_loss").asDouble(), 1e-5, t.toString());
            } else {
                double[] pred = new double[3], gold = new double[3];
                for (int i = 0; i < 3; i++) {
                    pred[i] = p.path("tag_llm").get(i).asDouble();
                    gold[i] = p.path("gold").get(i).asDouble();
                }
                RegressionMetrics m = RegressionMetrics.compute(pred, gold);
                assertEquals(m.rmse(), t.path("tag_llm").path("rmse").asDouble(), 1e-5, t.toString());
            }
        }
    }
}
