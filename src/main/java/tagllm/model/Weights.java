package tagllm.model;

import java.util.ArrayList;
import java.util.List;

import tagllm.tensor.Matrix;

import java.io.IOException;
import java.nio.file.Path;

/**
 * All frozen weights of a decoder-only model, read fully into memory from the mapped files.
 * With tied embeddings the LM head is the embedding matrix itself (HF's save_pretrained writes no lm_head tensor).
 */
public record Weights(ModelConfig config, Matrix embedTokens, LayerWeights[] layers, float[] finalNorm, Matrix lmHead) {

    public static Weights load(ModelConfig c, Path dir) throws IOException {
        try (TensorSource src = TensorSource.open(dir)) {
            return from(c, src);
        }
    }

    public static Weights from(ModelConfig c, TensorSource src) { return from(c, src, ComputePrecision.F32); }

    /**
     * With {@link ComputePrecision#BF16} the projections and an untied LM head are read straight into BF16 (no F32
     * copy is ever held) and then set to compute in BF16 ({@link #withBf16Compute()}).
     */
    /** Every value finite and every tensor of the files used (WeightChecks): refused by name otherwise. */
    private void check(TensorSource src) {
        List<String> used = new ArrayList<>(List.of("model.embed_tokens.weight", "model.norm.weight"));
        WeightChecks.requireFinite("model.embed_tokens.weight", embedTokens, src.dir());
        WeightChecks.requireFinite("model.norm.weight", finalNorm, src.dir());
        if (!config.tieWordEmbeddings()) {
            used.add("lm_head.weight");
            WeightChecks.requireFinite("lm_head.weight", lmHead, src.dir());
        }
        for (int l = 0; l < layers.length; l++) {
            String p = "model.layers." + l + ".";
            LayerWeights w = layers[l];
            Object[][] named = {{"input_layernorm.weight", w.inputNorm()}, {"self_attn.q_proj.weight", w.q()}, {"self_attn.k_proj.weight", w.k()},
                    {"self_attn.v_proj.weight", w.v()}, {"self_attn.o_proj.weight", w.o()}, {"self_attn.q_proj.bias", w.qBias()},
                    {"self_attn.k_proj.bias", w.kBias()}, {"self_attn.v_proj.bias", w.vBias()},
                    {"post_attention_layernorm.weight", w.postAttentionNorm()}, {"mlp.gate_proj.weight", w.gate()}, {"mlp.up_proj.weight", w.up()},
                    {"mlp.down_proj.weight", w.down()}};
            for (Object[] n : named) {
                if (n[1] == null) continue;
                used.add(p + n[0]);
                if (n[1] instanceof Matrix m) WeightChecks.requireFinite(p + n[0], m, src.dir());
                else WeightChecks.requireFinite(p + n[0], (float[]) n[1], src.dir());
            }
        }
        WeightChecks.requireExplained(config, src, used);
    }

    public static Weights from(ModelConfig c, TensorSource src, ComputePrecision precision) {
        boolean b = precision == ComputePrecision.BF16;
        if (b) tagllm.tensor.NativeBf16.requireBf16Compute();
        int d = c.hiddenSize(), q = c.qDim(), kv = c.kvDim(), f = c.intermediateSize();
        Matrix embed = src.matrix("model.embed_tokens.weight", c.vocabSize(), d);
        LayerWeights[] layers = new LayerWeights[c.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "model.layers." + l + ".";
            boolean bias = c.attentionBias();
            layers[l] = new LayerWeights(
                    src.vector(p + "input_layernorm.weight", d),
                    src.matrix(p + "self_attn.q_proj.weight", q, d, b),
                    src.matrix(p + "self_attn.k_proj.weight", kv, d, b),
                    src.matrix(p + "self_attn.v_proj.weight", kv, d, b),
                    src.matrix(p + "self_attn.o_proj.weight", d, q, b),
                    bias ? src.vector(p + "self_attn.q_proj.bias", q) : null,
                    bias ? src.vector(p + "self_attn.k_proj.bias", kv) : null,
                    bias ? src.vector(p + "self_attn.v_proj.bias", kv) : null,
                    src.vector(p + "post_attention_layernorm.weight", d),
                    src.matrix(p + "mlp.gate_proj.weight", f, d, b),
                    src.matrix(p + "mlp.up_proj.weight", f, d, b),
                    src.matrix(p + "mlp.down_proj.weight", d, f, b));
        }
        float[] norm = src.vector("model.norm.weight", d);
        Matrix head;
        if (c.tieWordEmbeddings()) {
            head = embed;
        } else {
            head = src.matrix("lm_head.weight", c.vocabSize(), d, b);
        }
        Weights w = new Weights(c, embed, layers, norm, head);
        w.check(src);
        return b ? w.withBf16Compute() : w;
    }

    /**
     * The same weights with every projection and the LM head computing in BF16 (see
     * {@link Matrix#withBf16Compute()}); the embedding lookup and the norms are untouched. Those matrices are then
     * held as BF16 twice (Java panels and the native kernels' row-major copy): the same bytes as F32 weights.
     *
     * @throws IllegalStateException naming the reason when the native BF16 kernels cannot run here
     */
    public Weights withBf16Compute() {
        // Matrices are copied in parallel (one task each): TinyLlama's 1.1 B weights take seconds on one core.
        Matrix[] in = new Matrix[7 * layers.length + 1];
        for (int i = 0; i < layers.length; i++) {
            LayerWeights l = layers[i];
            System.arraycopy(l.matrices(), 0, in, 7 * i, 7);
        }
        in[in.length - 1] = lmHead;
        Matrix[] out = new Matrix[in.length];
        tagllm.tensor.Parallel.forEachTask(in.length, i -> out[i] = in[i].withBf16Compute());
        LayerWeights[] ls = new LayerWeights[layers.length];
        for (int i = 0; i < ls.length; i++) {
            LayerWeights l = layers[i];
            int b = 7 * i;
            ls[i] = new LayerWeights(l.inputNorm(), out[b], out[b + 1], out[b + 2], out[b + 3], l.qBias(), l.kBias(),
                    l.vBias(), l.postAttentionNorm(), out[b + 4], out[b + 5], out[b + 6]);
        }
        return new Weights(config, embedTokens, ls, finalNorm, out[out.length - 1]);
    }

    /** Whether the projections compute in BF16 ({@link #withBf16Compute()}). */
    public boolean bf16Compute() { return layers.length > 0 && layers[0].q().bf16Compute(); }
}
