package tagllm.testutil;

import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.Presets;

/**
 * The hand-built BBBP (binary classification) tag set the eval tests use: ⟨SMILES⟩ (2 vectors) and ⟨BBBP⟩ (1) at the
 * paper's initialisation for the model, the BBBP preset task, and a head with weights 0.3·cos(0.7k + 0.3) and bias 0.1,
 * so that molecules fall on both sides of 0.5.
 */
public final class BbbpTags {
    private BbbpTags() {}

    public static TagSet of(Model m) {
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        int d = m.config().hiddenSize();
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        s.put(TagInit.newTag("<BBBP>", TagKind.FUNCTION, 1, init));
        float[] w = new float[d];
        for (int k = 0; k < d; k++) w[k] = (float) (0.3 * Math.cos(0.7 * k + 0.3));
        s.putHead(new RegressionHead("<BBBP>", 1, d, w, new float[]{0.1f}, null, null));
        s.tasks().put("BBBP", Presets.get("BBBP", "test").toJson());
        return s;
    }
}
