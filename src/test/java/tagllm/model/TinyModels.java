package tagllm.model;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Small random models in configurations the shared fixtures do not cover. */
final class TinyModels {
    private TinyModels() {}

    static ModelConfig config(String json) {
        try {
            return ModelConfig.fromJson(new ObjectMapper().readTree(json), "test config");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Qwen2: q/k/v biases, GQA 4/2, explicit head_dim (q width ≠ hidden), sliding window 4 on every layer, llama3 rope scaling. */
    static Transformer qwen2Like() {
        ModelConfig c = config("""
                {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 24, "intermediate_size": 40,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8,
                 "vocab_size": 50, "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
                 "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 16},
                 "sliding_window": 4, "use_sliding_window": true, "max_window_layers": 0, "tie_word_embeddings": false}""");
        return new Transformer(RandomWeights.of(c, 11, false));
    }

    /** Llama, BF16 weights, tied, multi-query (one kv head), linear rope scaling. */
    static Transformer llamaMqaBf16() {
        return new Transformer(llamaMqaBf16Weights());
    }

    /** {@link #llamaMqaBf16} computing in BF16 (the native kernels: check {@code NativeBf16.available()} first). */
    static Transformer llamaMqaBf16Compute() {
        return new Transformer(llamaMqaBf16Weights().withBf16Compute());
    }

    /**
     * The reuse tests' three engines by number: 0 {@link #qwen2Like} (F32), 1 {@link #llamaMqaBf16} (BF16 weights
     * computing in F32), 2 {@link #llamaMqaBf16Compute} (computing in BF16, the fused MLP with block outputs).
     */
    static Transformer ofKind(int kind) {
        return switch (kind) {
            case 0 -> qwen2Like();
            case 1 -> llamaMqaBf16();
            default -> llamaMqaBf16Compute();
        };
    }

    private static Weights llamaMqaBf16Weights() {
        ModelConfig c = config("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32, "intermediate_size": 48,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 1, "vocab_size": 40,
                 "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "rope_theta": 500.0,
                 "rope_scaling": {"type": "linear", "factor": 2.0}, "tie_word_embeddings": true}""");
        return RandomWeights.of(c, 12, true);
    }

    /**
     * Two sequences packed: lengths 7 and 9; the second has a domain-isolated span [3, 7) (relative);
     * trainable from relative row 2 and 1.
     */
    static PackedBatch packed(Transformer t, long seed) {
        return packed(t, seed, 7, 9, 3, 7, 2, 1);
    }

    /**
     * Long enough for block attention: lengths 5 and 42, the second with an isolated span [3, 20), trainable from
     * relative rows 2 and 8 (34 trainable rows).
     */
    static PackedBatch packedLong(Transformer t, long seed) {
        return packed(t, seed, 5, 42, 3, 20, 2, 8);
    }

    static PackedBatch packed(Transformer t, long seed, int len0, int len1, int spanStart, int spanEnd, int grad0, int grad1) {
        int d = t.config().hiddenSize();
        int[] starts = {0, len0, len0 + len1};
        int n = len0 + len1;
        java.util.Random rnd = new java.util.Random(seed);
        float[] input = new float[n * d];
        for (int i = 0; i < input.length; i++) input[i] = (float) (rnd.nextGaussian() * 0.7);
        int[] pos = new int[n], from = new int[n];
        for (int s = 0; s < 2; s++) {
            for (int r = starts[s]; r < starts[s + 1]; r++) {
                pos[r] = r - starts[s];
                from[r] = starts[s];
            }
        }
        for (int r = len0 + spanStart; r < len0 + spanEnd; r++) from[r] = len0 + spanStart;
        return new PackedBatch(d, input, starts, pos, from, new int[]{grad0, len0 + grad1});
    }
}
