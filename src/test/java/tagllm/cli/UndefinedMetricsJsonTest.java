package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * eval --json and score --json write a metric with no value as compare's report.json and the suite's results.json do:
 * null, with the reason under "undefined" (not the string "NaN" with a "note").
 */
class UndefinedMetricsJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void scoreRegressionWritesNullAndTheReason() throws Exception {
        // a constant prediction (1, 1, 1) against gold 1, 2, 4: Pearson and Spearman divide by a zero variance
        Path f = Files.writeString(dir.resolve("p.csv"), "prediction,gold\n1,1\n1,2\n1,4\n");
        CliRun r = CliRun.of("score", "regression", f.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode m = JSON.readTree(r.out());
        // by hand: errors 0, -1, -3: MSE 10/3, MAE 4/3; gold mean 7/3, SS_tot = 16/9 + 1/9 + 25/9 = 42/9, R² = 1 - 10/(42/9)
        assertEquals(10.0 / 3, m.get("mse").asDouble(), 1e-12);
        assertEquals(4.0 / 3, m.get("mae").asDouble(), 1e-12);
        assertEquals(1 - 10 / (42.0 / 9), m.get("r2").asDouble(), 1e-12);
        assertTrue(m.get("pearson").isNull(), "pearson: " + m.get("pearson"));
        assertTrue(m.get("spearman").isNull(), "spearman: " + m.get("spearman"));
        List<String> why = JSON.convertValue(m.get("undefined"), List.class);
        assertEquals(2, why.size(), r.out());
        assertTrue(why.get(0).startsWith("pearson: ") && why.get(0).contains("pred is constant"), why.toString());
        assertTrue(why.get(1).startsWith("spearman: "), why.toString());
    }

    @Test
    void scoreClassificationGivesItsReasonsUnderUndefined() throws Exception {
        // class c has no row: AUROC and AUPRC leave it out, which the report says under "undefined", as report.json does
        Path f = Files.writeString(dir.resolve("p.csv"), "prob_a,prob_b,prob_c,gold\n0.6,0.3,0.1,a\n0.2,0.7,0.1,b\n0.5,0.4,0.1,a\n0.3,0.6,0.1,b\n");
        CliRun r = CliRun.of("score", "classification", f.toString(), "--gold", "gold", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode m = JSON.readTree(r.out());
        assertFalse(m.has("note"), r.out());
        assertEquals(List.of("AUROC and AUPRC leave out class 'c': no row of it; F1's macro mean counts it as 0 (never predicted either; scikit-learn's default labels would leave it out)"), JSON.convertValue(m.get("undefined"), List.class));
    }

    @Test
    void evalOfAConstantPredictionWritesNullAndTheReason() throws Exception {
        Path exp = TinyExperiment.oneStepQed(dir, true);
        CliRun train = CliRun.of("train", exp.toString(), "-o", dir.resolve("run").toString(), "--quiet");
        assertEquals(0, train.exit(), train.err());
        Path tags = dir.resolve("run/final.tags.safetensors");
        // one molecule twice with two labels: the model sees the same prompt, so both predictions are the same number
        Path input = Files.writeString(dir.resolve("same.csv"), "smiles,qed\nCCO,0.2\nCCO,0.6\n");
        String model = tagllm.testutil.Shared.model("stories260K").toString();
        // a file without a split column is scored whole
        CliRun e = CliRun.of("eval", "--model", model, "--tags", tags.toString(), "--task", "qed", "--input", input.toString(), "--json");
        assertEquals(0, e.exit(), e.err());
        JsonNode m = JSON.readTree(e.out());
        assertEquals(2, m.get("n").asInt(), e.out());
        assertTrue(m.get("pearson").isNull(), "pearson: " + m.get("pearson"));
        assertTrue(m.get("spearman").isNull(), "spearman: " + m.get("spearman"));
        assertFalse(m.has("note"), e.out());
        List<String> why = JSON.convertValue(m.get("undefined"), List.class);
        assertTrue(why.get(0).startsWith("pearson: undefined because pred is constant"), why.toString());
        // by hand from the one prediction p: MSE = ((p-0.2)² + (p-0.6)²)/2, and R² = 1 - MSE·2/SS_tot with SS_tot = 0.08
        double p = Double.parseDouble(why.get(0).replaceAll(".*\\(all ([^)]+)\\).*", "$1"));
        double mse = ((p - 0.2) * (p - 0.2) + (p - 0.6) * (p - 0.6)) / 2;
        assertEquals(mse, m.get("mse").asDouble(), 1e-6);
        assertEquals(1 - 2 * mse / 0.08, m.get("r2").asDouble(), 1e-5);

        CliRun text = CliRun.of("eval", "--model", model, "--tags", tags.toString(), "--task", "qed", "--input", input.toString());
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("pearson          NaN") && text.out().contains("note: pearson: undefined because pred is constant"), text.out());
    }
}
