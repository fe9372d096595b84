package tagllm.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The tensors a config implies, with Hugging Face names and shapes: what {@link Weights} reads,
 * what {@link RandomInit} writes and what `model inspect` checks, kept in one place so they cannot drift apart.
 */
public final class TensorLayout {
    /** How Hugging Face's _init_weights initialises a tensor of this kind. */
    public enum Init { NORMAL, ONES, ZEROS }

    public record Tensor(String name, long[] shape, Init init) {
        public long elements() {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }
    }

    private final List<Tensor> tensors;

    private TensorLayout(List<Tensor> tensors) { this.tensors = Collections.unmodifiableList(tensors); }

    public static TensorLayout of(ModelConfig c) {
        long d = c.hiddenSize(), q = c.qDim(), kv = c.kvDim(), f = c.intermediateSize(), v = c.vocabSize();
        List<Tensor> t = new ArrayList<>();
        t.add(new Tensor("model.embed_tokens.weight", new long[]{v, d}, Init.NORMAL));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            t.add(new Tensor(p + "input_layernorm.weight", new long[]{d}, Init.ONES));
            t.add(new Tensor(p + "self_attn.q_proj.weight", new long[]{q, d}, Init.NORMAL));
            t.add(new Tensor(p + "self_attn.k_proj.weight", new long[]{kv, d}, Init.NORMAL));
            t.add(new Tensor(p + "self_attn.v_proj.weight", new long[]{kv, d}, Init.NORMAL));
            if (c.attentionBias()) {
                t.add(new Tensor(p + "self_attn.q_proj.bias", new long[]{q}, Init.ZEROS));
                t.add(new Tensor(p + "self_attn.k_proj.bias", new long[]{kv}, Init.ZEROS));
                t.add(new Tensor(p + "self_attn.v_proj.bias", new long[]{kv}, Init.ZEROS));
            }
            t.add(new Tensor(p + "self_attn.o_proj.weight", new long[]{d, q}, Init.NORMAL));
            t.add(new Tensor(p + "post_attention_layernorm.weight", new long[]{d}, Init.ONES));
            t.add(new Tensor(p + "mlp.gate_proj.weight", new long[]{f, d}, Init.NORMAL));
            t.add(new Tensor(p + "mlp.up_proj.weight", new long[]{f, d}, Init.NORMAL));
            t.add(new Tensor(p + "mlp.down_proj.weight", new long[]{d, f}, Init.NORMAL));
        }
        t.add(new Tensor("model.norm.weight", new long[]{d}, Init.ONES));
        // save_pretrained writes no lm_head for tied models: the embedding doubles as the LM head.
        if (!c.tieWordEmbeddings()) t.add(new Tensor("lm_head.weight", new long[]{v, d}, Init.NORMAL));
        return new TensorLayout(t);
    }

    public List<Tensor> tensors() { return tensors; }

    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors) n += t.elements();
        return n;
    }

    /**
     * Checks that every tensor is present with its shape and a weight dtype, reading headers only.
     * The error names the file holding the tensor (or the folder when it is missing).
     */
    public void check(TensorSource src) {
        for (Tensor t : tensors) {
            SafeTensors.Entry e;
            try {
                e = src.entry(t.name());
            } catch (ModelFormatException missing) {
                // a tied model (save_pretrained writes no lm_head) whose config.json leaves tie_word_embeddings out or false
                if (!t.name().equals("lm_head.weight") || !missing.getMessage().contains("missing tensor")) throw missing;
                throw new ModelFormatException(missing.getMessage() + " (config.json's tie_word_embeddings is false, the default when "
                        + "absent; a model whose LM head is its embedding says true)", missing);
            }
            String file = src.fileOf(t.name()).toString();
            if (!Arrays.equals(e.shape(), t.shape())) {
                throw new ModelFormatException(file + ": tensor '" + t.name() + "' has shape " + Arrays.toString(e.shape())
                        + ", expected " + Arrays.toString(t.shape()));
            }
            if (!e.dtype().isWeightType()) {
                throw new ModelFormatException(file + ": tensor '" + t.name() + "' is " + e.dtype() + "; weights must be F32, BF16 or F16");
            }
        }
    }
}
