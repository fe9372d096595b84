package tagllm.train;

import org.junit.jupiter.api.Test;
import tagllm.config.ConfigNode;
import tagllm.data.Row;
import tagllm.head.RegressionHead;
import tagllm.tag.TagInit;
import tagllm.tag.TagSet;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TaskSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * head: {bias: false, init: ridge} on a classification task (the paper recipe's head with the logistic start): the head
 * has no intercept, so its weights must be the optimum of the logistic model without one. Checked by the optimality
 * condition written out here: Σ sᵢ (σ(w·xᵢ) − yᵢ) xᵢ / n + 2λw = 0 at the head's weights, with xᵢ the hidden states at the
 * read position. BBBP's labels are three quarters positive, so a fit with an intercept, its intercept then dropped, is far
 * from that optimum.
 */
class LogisticHeadWithoutBiasTest {
    @Test
    void aHeadWithoutBiasStartsAtTheNoInterceptLogisticOptimum() throws Exception {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("preset", "BBBP");
        node.putArray("classes").add("0").add("1");
        node.putObject("head").put("bias", false).put("init", "ridge");
        TaskSpec t = TaskSpec.fromConfig("bbbp", new ConfigNode(node, "bbbp"), Map.of());
        TagSet tags = TinyRun.emptyTags();
        for (String n : t.parsedTemplate().tagNames()) tags.put(TagInit.newTag(n, t.kindOf(n), 2, TinyRun.model().weights().embedTokens()));
        List<Example> train = rows(t, tags, "train", 60), valid = rows(t, tags, "valid", 20);

        ClassificationHeads.ensureHead(tags, t, new EmbeddingStatistics(TinyRun.model()).mean());
        double lambda = Double.parseDouble(ClassificationHeads.fitLogisticHead(TinyRun.model(), tags, t, train, valid));
        RegressionHead head = tags.head(t.headKey());
        assertNull(head.bias());

        double[][] x = HiddenStates.atReadPositions(TinyRun.model(), tags, train);
        int n = x.length, d = x[0].length;
        double[] grad = new double[d];
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) z += head.weight()[j] * x[i][j];
            double residual = 1 / (1 + Math.exp(-z)) - train.get(i).label(); // unweighted task: sᵢ = 1
            for (int j = 0; j < d; j++) grad[j] += residual * x[i][j] / n;
        }
        double norm = 0;
        for (int j = 0; j < d; j++) {
            grad[j] += 2 * lambda * head.weight()[j];
            norm += Math.abs(head.weight()[j]);
        }
        assertTrue(norm > 0, "the head moved off zero");
        for (int j = 0; j < d; j++) assertEquals(0, grad[j], 1e-5, "∂/∂w" + j + " at λ " + lambda);
    }

    private static List<Example> rows(TaskSpec t, TagSet tags, String split, int n) throws Exception {
        ExampleRenderer r = new ExampleRenderer(t, tags, TinyRun.enc(), 512);
        List<Example> out = new ArrayList<>();
        int line = 2;
        for (Map<String, String> row : TinyRun.csv("smiles/bbbp.csv", split, n)) out.add(r.example(Row.of("bbbp.csv", line++, row)));
        return out;
    }
}
