package tagllm.testutil;

import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.Presets;

/**
 * The hand-built QED tag set the predict, eval, serve and robustness tests use: ⟨SMILES⟩ (2 vectors) and ⟨QED⟩ (1) at
 * the paper's initialisation for the model, the QED preset task, and a head with label scale 0.5 ± 0.2.
 */
public final class QedTags {
    private QedTags() {}

    /** With a zero head (every prediction 0.5) when {@code varying} is false, else weights 0.05·cos(0.3k). */
    public static TagSet of(Model m, boolean varying) {
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        s.put(TagInit.newTag("<QED>", TagKind.FUNCTION, 1, init));
        int d = m.config().hiddenSize();
        float[] w = new float[d];
        if (varying) for (int k = 0; k < d; k++) w[k] = (float) (0.05 * Math.cos(0.3 * k));
        s.putHead(new RegressionHead("<QED>", 1, d, w, null, new double[]{0.5}, new double[]{0.2}));
        s.tasks().put("QED", Presets.get("QED", "test").toJson());
        return s;
    }
}
