package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of a Hugging Face config.json that the engine needs, validated.
 * Supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM. Anything the engine
 * cannot run faithfully (another activation, an unknown rope_scaling) is refused by name.
 */
public record ModelConfig(
        String architecture,
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositions,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean attentionBias,
        boolean tieWordEmbeddings,
        int bosTokenId,
        int[] eosTokenIds,
        Integer slidingWindow,
        String torchDtype) {

    /** Llama 3 style frequency-dependent rope scaling ("rope_type": "llama3"); null when absent. */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositions) {}

    public static final List<String> SUPPORTED = List.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM");

    public int qDim() { return numHeads * headDim; }

    public int kvDim() { return numKvHeads * headDim; }

    public int groupSize() { return numHeads / numKvHeads; }

    /** Parameter count of the weights the engine holds (tied embeddings counted once). */
    public long parameterCount() {
        long d = hiddenSize;
        long perLayer = d * qDim() + 2 * d * kvDim() + (long) qDim() * d + 3 * d * intermediateSize + 2 * d;
        if (attentionBias) perLayer += qDim() + 2L * kvDim();
        long p = (long) vocabSize * d + numLayers * perLayer + d;
        if (!tieWordEmbeddings) p += (long) vocabSize * d;
        return p;
    }

    public static ModelConfig load(Path configJson) throws IOException {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(Files.readString(configJson));
        } catch (IOException e) {
            throw new ModelFormatException(configJson + ": not valid JSON: " + e.getMessage());
        }
        return fromJson(n, configJson.toString());
    }

    public static ModelConfig fromJson(JsonNode n, String source) {
        if (n == null || !n.isObject()) throw new ModelFormatException(source + ": expected a JSON object");
        String arch = null;
        JsonNode archs = n.get("architectures");
        if (archs != null && archs.isArray() && !archs.isEmpty()) arch = archs.get(0).asText();
        String type = text(n, "model_type", null);
        if (arch == null && type != null) {
            arch = switch (type) {
                case "llama" -> "LlamaForCausalLM";
                case "mistral" -> "MistralForCausalLM";
                case "qwen2" -> "Qwen2ForCausalLM";
                default -> null;
            };
        }
        if (arch == null) throw new ModelFormatException(source + ": no 'architectures' or known 'model_type'");
        if (!SUPPORTED.contains(arch)) {
            throw new ModelFormatException(source + ": architecture '" + arch + "' is not supported (supported: "
                    + String.join(", ", SUPPORTED) + ")");
        }
        int hidden = positive(n, "hidden_size", source);
        int inter = positive(n, "intermediate_size", source);
        int layers = positive(n, "num_hidden_layers", source);
        int heads = positive(n, "num_attention_heads", source);
        int kv = n.has("num_key_value_heads") && !n.get("num_key_value_heads").isNull()
                ? positive(n, "num_key_value_heads", source) : heads;
        if (heads % kv != 0) {
            throw new ModelFormatException(source + ": num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kv);
        }
        int headDim = n.has("head_dim") && !n.get("head_dim").isNull() ? positive(n, "head_dim", source) : 0;
        if (headDim == 0) {
            if (hidden % heads != 0) throw new ModelFormatException(source + ": hidden_size not divisible by heads");
            headDim = hidden / heads;
        }
        if (headDim % 2 != 0) throw new ModelFormatException(source + ": head_dim " + headDim + " must be even for RoPE");
        int vocab = positive(n, "vocab_size", source);
        int maxPos = n.has("max_position_embeddings") ? positive(n, "max_position_embeddings", source) : 2048;
        double eps = n.has("rms_norm_eps") ? n.get("rms_norm_eps").asDouble() : 1e-6;
        double theta = n.has("rope_theta") ? n.get("rope_theta").asDouble() : 10000.0;
        String act = text(n, "hidden_act", "silu");
        if (!act.equals("silu")) throw new ModelFormatException(source + ": hidden_act '" + act + "' is not supported (only silu)");
        if (n.path("mlp_bias").asBoolean(false)) throw new ModelFormatException(source + ": mlp_bias=true is not supported");
        boolean attnBias = arch.equals("Qwen2ForCausalLM") || n.path("attention_bias").asBoolean(false);
        boolean tied = n.path("tie_word_embeddings").asBoolean(false);
        RopeScaling scaling = null;
        JsonNode rs = n.get("rope_scaling");
        if (rs != null && !rs.isNull()) {
            String rt = rs.has("rope_type") ? rs.get("rope_type").asText() : rs.path("type").asText("");
            if (rt.equals("llama3")) {
                scaling = new RopeScaling("llama3", rs.path("factor").asDouble(8.0),
                        rs.path("low_freq_factor").asDouble(1.0), rs.path("high_freq_factor").asDouble(4.0),
                        rs.path("original_max_position_embeddings").asInt(8192));
            } else if (rt.equals("linear")) {
                scaling = new RopeScaling("linear", rs.path("factor").asDouble(1.0), 0, 0, 0);
            } else if (!rt.equals("default")) {
                throw new ModelFormatException(source + ": rope_scaling type '" + rt + "' is not supported (llama3, linear)");
            }
        }
        int bos = n.path("bos_token_id").asInt(1);
        List<Integer> eos = new ArrayList<>();
        JsonNode e = n.get("eos_token_id");
        if (e != null && e.isArray()) e.forEach(x -> eos.add(x.asInt()));
        else if (e != null && e.isNumber()) eos.add(e.asInt());
        Integer window = null;
        JsonNode sw = n.get("sliding_window");
        boolean useSw = !n.has("use_sliding_window") || n.get("use_sliding_window").asBoolean(true);
        if (sw != null && sw.isNumber() && useSw && !arch.equals("LlamaForCausalLM")) window = sw.asInt();
        return new ModelConfig(arch, type, hidden, inter, layers, heads, kv, headDim, vocab, maxPos, eps, theta,
                scaling, attnBias, tied, bos, eos.stream().mapToInt(Integer::intValue).toArray(), window,
                text(n, "torch_dtype", "float32"));
    }

    private static String text(JsonNode n, String f, String dflt) {
        JsonNode v = n.get(f);
        return v == null || v.isNull() ? dflt : v.asText();
    }

    private static int positive(JsonNode n, String f, String source) {
        JsonNode v = n.get(f);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new ModelFormatException(source + ": field '" + f + "' must be a positive integer, got " + v);
        }
        return v.asInt();
    }
}
