package tagllm.train;

import org.junit.jupiter.api.Test;
import tagllm.data.Row;
import tagllm.head.RegressionHead;
import tagllm.tag.Tag;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.config.ConfigNode;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TaskSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Gradients of the training loss with respect to tags and head against directional finite differences:
 * a tag used twice in one prompt (the DC template's two <SMILES>), two prompts packed in one batch with
 * domain isolation, head MSE ×100 plus the enrichment CE — the scatter must add every slot's share.
 */
class TagGradientFiniteDifferenceTest {
    @Test
    void packedBatchWithARepeatedTagMatchesFiniteDifferences() {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("preset", "DC");
        node.putObject("head").put("bias", true);
        TaskSpec dc = TaskSpec.fromConfig("dc", new ConfigNode(node, "dc"), Map.of());
        TagSet tags = TinyRun.emptyTags();
        Random r = new Random(17);
        for (String n : List.of("<SMILES>", "<DC>")) {
            Tag t = TagInit.newTag(n, dc.kindOf(n), 3, TinyRun.model().weights().embedTokens());
            for (int i = 0; i < t.values().length; i++) t.values()[i] += (float) (0.2 * r.nextGaussian());
            tags.put(t);
        }
        float[] w = new float[64];
        for (int i = 0; i < w.length; i++) w[i] = (float) (0.1 * r.nextGaussian());
        tags.putHead(new RegressionHead("<DC>", 1, 64, w, new float[]{0.3f}, null, null));
        ExampleRenderer render = new ExampleRenderer(dc, tags, TinyRun.enc(), 512);
        List<Example> batch = List.of(
                render.example(Row.of("a", 2, Map.of("drug1", "Aspirin", "drug2", "Caffeine", "smiles1", "CC(=O)O", "smiles2", "CN1C=NC=C1", "score", "0.9"))),
                render.example(Row.of("a", 3, Map.of("drug1", "X", "drug2", "Y", "smiles1", "c1ccccc1", "smiles2", "CCO", "score", "-0.4"))));
        assertEquals(2, batch.get(0).sequence().spans().length, "two isolated <SMILES> spans");
        Hyper h = Hyper.paper().toBuilder().optimizer("sgd").lr(0).schedule("constant").warmupRatio(0).batchSize(2)
                .gradAccum(1).maxGradNorm(0).maxSteps(1).checkpointEvery(0).build();
        Trainer trainer = new Trainer(TinyRun.model(), Progress.silent(), null);
        Set<String> trainable = Set.of("<SMILES>", "<DC>");
        Map<String, float[]> grads = new LinkedHashMap<>();
        for (String n : trainable) grads.put(n, new float[tags.get(n).values().length]);
        Param hw = new Param("w", tags.head("DC").weight()), hb = new Param("b", tags.head("DC").bias());
        double loss = trainer.microStep(tags, batch, grads, Map.of("<DC>", hw), Map.of("<DC>", hb), trainable, h, true, 1.0).total();
        assertTrue(loss > 0);

        for (String n : List.of("<SMILES>", "<DC>")) {
            float[] v = tags.get(n).values();
            check(v, grads.get(n), () -> trainer.microStep(tags, batch, new LinkedHashMap<>(), Map.of(), Map.of(), Set.of(), h, true, 1.0).total(), n, r);
        }
        check(hw.value(), hw.grad(), () -> trainer.microStep(tags, batch, new LinkedHashMap<>(), Map.of(), Map.of(), Set.of(), h, true, 1.0).total(), "head", r);
    }

    /**
     * d/dt L(x + t·u) at t = 0 by central differences, against ⟨grad, u⟩. u is the gradient's direction
     * plus an equal random part: the derivative is then large against float32 noise in the loss, and a
     * gradient wrong in any direction still shows.
     */
    private static void check(float[] x, float[] grad, java.util.function.DoubleSupplier loss, String what, Random r) {
        double[] u = new double[x.length];
        double gn = 0, rn = 0;
        double[] rand = new double[x.length];
        for (int i = 0; i < u.length; i++) {
            rand[i] = r.nextGaussian();
            rn += rand[i] * rand[i];
            gn += (double) grad[i] * grad[i];
        }
        assertTrue(gn > 0, what + ": zero gradient");
        double norm = 0;
        for (int i = 0; i < u.length; i++) {
            u[i] = grad[i] / Math.sqrt(gn) + rand[i] / Math.sqrt(rn);
            norm += u[i] * u[i];
        }
        norm = Math.sqrt(norm);
        double analytic = 0;
        for (int i = 0; i < u.length; i++) {
            u[i] /= norm;
            analytic += grad[i] * u[i];
        }
        float[] keep = x.clone();
        double eps = 1e-2;
        for (int i = 0; i < x.length; i++) x[i] = (float) (keep[i] + eps * u[i]);
        double up = loss.getAsDouble();
        for (int i = 0; i < x.length; i++) x[i] = (float) (keep[i] - eps * u[i]);
        double down = loss.getAsDouble();
        System.arraycopy(keep, 0, x, 0, x.length);
        double numeric = (up - down) / (2 * eps);
        assertEquals(numeric, analytic, 0.02 * Math.abs(numeric) + 1e-3, what + ": directional derivative");
    }
}
