package tagllm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.model.ModelConfig;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The named model shapes of the speed comparison, identical to the SHAPES of the PyTorch peer
 * (shared/bench/torch_tagstep.py): Llama architecture, RMSNorm eps 1e-5, RoPE theta 10000.
 */
public enum BenchShape {
    SMOLLM2_135M("smollm2-135m", 576, 1536, 30, 9, 3, 49152, true),
    TINYLLAMA_1_1B("tinyllama-1.1b", 2048, 5632, 22, 32, 4, 32000, false),
    TINY("tiny", 128, 384, 4, 4, 2, 512, false);

    private final String id;
    private final int hidden, intermediate, layers, heads, kvHeads, vocab;
    private final boolean tied;

    BenchShape(String id, int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, boolean tied) {
        this.id = id;
        this.hidden = hidden;
        this.intermediate = intermediate;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.vocab = vocab;
        this.tied = tied;
    }

    public String id() { return id; }

    public static BenchShape parse(String s) {
        for (BenchShape b : values()) if (b.id.equals(s.trim().toLowerCase(Locale.ROOT))) return b;
        throw new IllegalArgumentException("unknown shape '" + s + "' (known: "
                + Arrays.stream(values()).map(BenchShape::id).collect(Collectors.joining(", ")) + ")");
    }

    /** The config.json a model of this shape would have. */
    public ObjectNode configJson() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.putArray("architectures").add("LlamaForCausalLM");
        n.put("model_type", "llama");
        n.put("hidden_size", hidden);
        n.put("intermediate_size", intermediate);
        n.put("num_hidden_layers", layers);
        n.put("num_attention_heads", heads);
        n.put("num_key_value_heads", kvHeads);
        n.put("vocab_size", vocab);
        n.put("max_position_embeddings", 2048);
        n.put("rms_norm_eps", 1e-5);
        n.put("rope_theta", 10000.0);
        n.put("tie_word_embeddings", tied);
        n.put("hidden_act", "silu");
        return n;
    }

    public ModelConfig config() { return ModelConfig.fromJson(configJson(), "shape " + id); }
}
