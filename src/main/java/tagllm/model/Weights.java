package tagllm.model;

import tagllm.tensor.Matrix;

import java.io.IOException;
import java.nio.file.Path;

/**
 * All frozen weights of a decoder-only model, read fully into memory from the mapped files.
 * With tied embeddings the LM head is the embedding matrix itself (HF's save_pretrained writes no lm_head tensor).
 */
public record Weights(ModelConfig config, Matrix embedTokens, LayerWeights[] layers, float[] finalNorm, Matrix lmHead) {

    public static Weights load(ModelConfig c, Path dir) throws IOException {
        try (TensorSource src = TensorSource.open(dir, c)) {
            return from(c, src);
        }
    }

    public static Weights from(ModelConfig c, TensorSource src) { return from(c, src, ComputePrecision.F32); }

    /** Every value finite (WeightChecks): refused by name otherwise. */
    private void check(TensorSource src) {
        WeightChecks.requireFinite("model.embed_tokens.weight", embedTokens, src.dir());
        WeightChecks.requireFinite("model.norm.weight", finalNorm, src.dir());
        if (!config.tieWordEmbeddings()) WeightChecks.requireFinite("lm_head.weight", lmHead, src.dir());
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
                if (n[1] instanceof Matrix m) WeightChecks.requireFinite(p + n[0], m, src.dir());
                else WeightChecks.requireFinite(p + n[0], (float[]) n[1], src.dir());
            }
        }
    }

    /**
     * With {@link ComputePrecision#BF16} the projections and an untied LM head are read straight into BF16 compute's
     * one copy ({@link Matrix#bf16Compute}: neither an F32 copy nor Java's panels are ever held), a tied head from the
     * embedding ({@link #withBf16Compute()}).
     */
    public static Weights from(ModelConfig c, TensorSource src, ComputePrecision precision) {
        boolean b = precision == ComputePrecision.BF16;
        if (b) tagllm.tensor.NativeBf16.requireBf16Compute();
        WeightChecks.requireStructure(c, src); // headers only, before any value is read: the same check as `model inspect`
        int d = c.hiddenSize(), q = c.qDim(), kv = c.kvDim(), f = c.intermediateSize();
        String embedName = "model.embed_tokens.weight";
        // a BF16 embedding tied to the head goes straight into the head's one copy, which the lookup then reads
        boolean oneCopy = b && c.tieWordEmbeddings() && src.entry(embedName).dtype() == SafeTensors.DType.BF16;
        Matrix embed = oneCopy ? src.bf16ComputeMatrix(embedName, c.vocabSize(), d) : src.matrix(embedName, c.vocabSize(), d);
        LayerWeights[] layers = new LayerWeights[c.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "model.layers." + l + ".";
            boolean bias = c.attentionBias();
            layers[l] = new LayerWeights(
                    src.vector(p + "input_layernorm.weight", d),
                    matrix(src, p + "self_attn.q_proj.weight", q, d, b),
                    matrix(src, p + "self_attn.k_proj.weight", kv, d, b),
                    matrix(src, p + "self_attn.v_proj.weight", kv, d, b),
                    matrix(src, p + "self_attn.o_proj.weight", d, q, b),
                    bias ? src.vector(p + "self_attn.q_proj.bias", q) : null,
                    bias ? src.vector(p + "self_attn.k_proj.bias", kv) : null,
                    bias ? src.vector(p + "self_attn.v_proj.bias", kv) : null,
                    src.vector(p + "post_attention_layernorm.weight", d),
                    matrix(src, p + "mlp.gate_proj.weight", f, d, b),
                    matrix(src, p + "mlp.up_proj.weight", f, d, b),
                    matrix(src, p + "mlp.down_proj.weight", d, f, b));
        }
        float[] norm = src.vector("model.norm.weight", d);
        Matrix head;
        if (c.tieWordEmbeddings()) {
            head = embed;
        } else {
            head = matrix(src, "lm_head.weight", c.vocabSize(), d, b);
        }
        Weights w = new Weights(c, embed, layers, norm, head);
        w.check(src);
        return b ? w.withBf16Compute() : w;
    }

    /** A projection as stored, or with bf16Compute read straight into BF16 compute's one copy. */
    private static Matrix matrix(TensorSource src, String name, int rows, int cols, boolean bf16Compute) {
        return bf16Compute ? src.bf16ComputeMatrix(name, rows, cols) : src.matrix(name, rows, cols, false);
    }

    /**
     * The same weights with every projection and the LM head computing in BF16 (see
     * {@link Matrix#withBf16Compute()}, each held once, in the native kernels' layout); the norms are untouched, and so
     * is the embedding lookup, except that a BF16 embedding tied to the LM head is then read from the head's copy (the
     * same values), so it too is held once.
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
        Matrix head = out[out.length - 1];
        boolean tied = lmHead == embedTokens && embedTokens.storage() == Matrix.Storage.BF16;
        return new Weights(config, tied ? head : embedTokens, ls, finalNorm, head);
    }

    /** Whether the projections compute in BF16 ({@link #withBf16Compute()}). */
    public boolean bf16Compute() { return layers.length > 0 && layers[0].q().bf16Compute(); }
}
