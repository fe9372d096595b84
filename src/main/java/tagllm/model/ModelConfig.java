package tagllm.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fields of a Hugging Face config.json that the engine needs, validated.
 * Supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM. Anything the engine
 * cannot run faithfully (another activation, an unknown rope_scaling, an o_proj bias) is refused by name,
 * because running such a model with the wrong maths would give plausible but wrong numbers.
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

    /** Llama 3 style frequency-dependent rope scaling ("rope_type": "llama3") or linear; null when absent. */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositions) {}

    public static final List<String> SUPPORTED = List.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM");

    /**
     * Most decoder layers a config.json may declare. The deepest published Llama-family models have about 130; a
     * larger count is a damaged or hostile file, and it is refused here because the tensor layout, the structure
     * checks and `model init` build per-layer entries before any weight is read (num_hidden_layers 1e9 ran for
     * minutes and then ran out of memory instead of failing).
     */
    public static final int MAX_LAYERS = 10_000;

    /** Java arrays (and so Matrix) hold at most this many elements. */
    static final long MAX_MATRIX_ELEMENTS = Integer.MAX_VALUE - 8;

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

    /** A mapper for model metadata files: duplicate keys and trailing garbage are errors, not silently accepted. */
    static ObjectMapper strictMapper() {
        return new ObjectMapper()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** Reads a JSON metadata file; any problem (missing, unreadable, malformed) is a ModelFormatException naming it. */
    static JsonNode readJson(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file + ": file not found");
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            JsonNode n = strictMapper().readTree(text);
            if (n == null || n.isMissingNode()) throw new ModelFormatException(file + ": empty file, expected a JSON object");
            return n;
        } catch (IOException e) {
            throw new ModelFormatException(file + ": not valid JSON: " + tagllm.util.JsonSyntaxError.describe(e), e);
        }
    }

    public static ModelConfig load(Path configJson) throws IOException {
        return fromJson(readJson(configJson), configJson.toString());
    }

    /** The keys this class reads; the others in a Hugging Face config.json play no part here. */
    static final List<String> READ_KEYS = List.of("model_type", "architectures", "hidden_size", "intermediate_size",
            "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size", "max_position_embeddings",
            "rms_norm_eps", "rope_theta", "hidden_act", "mlp_bias", "partial_rotary_factor", "attention_bias", "tie_word_embeddings",
            "rope_scaling", "bos_token_id", "eos_token_id", "sliding_window", "use_sliding_window", "max_window_layers",
            "torch_dtype", "dtype", "rope_parameters", "layer_types");

    /**
     * A key one or two letters away from a key this class reads (and that is absent) is a misspelling whose value
     * would be ignored for a default: "rms_norm_epsilon" for rms_norm_eps silently changes every layer norm.
     */
    private static void refuseMisspeltKeys(JsonNode n, String source) {
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (READ_KEYS.contains(key) || key.length() < 5) continue;
            for (String known : READ_KEYS) {
                if (!n.has(known) && closeTo(key, known)) {
                    throw new ModelFormatException(source + ": unknown key '" + key + "' (did you mean '" + known + "'? as written it "
                            + "would be ignored and " + known + " would take its default)");
                }
            }
        }
    }

    /** Edit distance at most 2, or one is the other with a short suffix ("_epsilon" for "_eps"). */
    private static boolean closeTo(String a, String b) {
        if (a.startsWith(b) && a.length() - b.length() <= 4 && b.length() >= 8) return true;
        if (Math.abs(a.length() - b.length()) > 2) return false;
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()] <= 2;
    }

    public static ModelConfig fromJson(JsonNode n, String source) {
        if (n == null || !n.isObject()) throw new ModelFormatException(source + ": expected a JSON object");
        refuseMisspeltKeys(n, source);
        String type = text(n, "model_type", null, source);
        String arch = architecture(n, type, source);

        int hidden = positive(n, "hidden_size", source);
        int inter = positive(n, "intermediate_size", source);
        int layers = positive(n, "num_hidden_layers", source);
        if (layers > MAX_LAYERS) {
            throw new ModelFormatException(source + ": field 'num_hidden_layers' is " + layers + ", more than the " + MAX_LAYERS
                    + " layers this engine accepts (the deepest published models have about 130): is config.json damaged?");
        }
        int heads = positive(n, "num_attention_heads", source);
        int kv = present(n, "num_key_value_heads") ? positive(n, "num_key_value_heads", source) : heads;
        if (kv > heads || heads % kv != 0) {
            throw new ModelFormatException(source + ": num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kv);
        }
        int headDim;
        if (present(n, "head_dim")) {
            headDim = positive(n, "head_dim", source);
        } else {
            if (hidden % heads != 0) {
                throw new ModelFormatException(source + ": hidden_size " + hidden + " is not divisible by num_attention_heads "
                        + heads + " and no head_dim is given");
            }
            headDim = hidden / heads;
        }
        if (headDim % 2 != 0) throw new ModelFormatException(source + ": head_dim " + headDim + " must be even for RoPE");
        int vocab = positive(n, "vocab_size", source);
        int maxPos = present(n, "max_position_embeddings") ? positive(n, "max_position_embeddings", source)
                : switch (arch) {
                    case "MistralForCausalLM" -> 4096 * 32;
                    case "Qwen2ForCausalLM" -> 32768;
                    default -> 2048;
                };
        double eps = positiveReal(n, "rms_norm_eps", 1e-6, source);
        Rope rope = rope(n, source);
        double theta = rope.theta();
        String act = text(n, "hidden_act", "silu", source);
        if (!act.equals("silu")) throw new ModelFormatException(source + ": hidden_act '" + act + "' is not supported (only silu)");
        if (bool(n, "mlp_bias", false, source)) throw new ModelFormatException(source + ": mlp_bias=true is not supported");
        refusePartialRotary(n, source);
        boolean attnBias;
        if (arch.equals("Qwen2ForCausalLM")) {
            attnBias = true; // Qwen2 always has q/k/v biases and no o_proj bias
        } else {
            // Llama's attention_bias adds an o_proj bias too, which LayerWeights has no place for.
            if (bool(n, "attention_bias", false, source)) {
                throw new ModelFormatException(source + ": attention_bias=true is not supported for " + arch
                        + " (it adds an o_proj bias)");
            }
            attnBias = false;
        }
        boolean tied = bool(n, "tie_word_embeddings", false, source);
        RopeScaling scaling = rope.scaling();

        boolean qwen = arch.equals("Qwen2ForCausalLM");
        int bos = present(n, "bos_token_id") ? tokenId(n, "bos_token_id", vocab, source) : (qwen ? -1 : 1);
        List<Integer> eos = new ArrayList<>();
        JsonNode e = n.get("eos_token_id");
        if (e != null && e.isArray()) {
            for (JsonNode x : e) eos.add(checkId(x, "eos_token_id", vocab, source));
        } else if (present(n, "eos_token_id")) {
            eos.add(checkId(e, "eos_token_id", vocab, source));
        } else if (!qwen) {
            eos.add(2);
        }

        Integer window = slidingWindow(n, arch, layers, source);
        String dtype = text(n, "torch_dtype", null, source);
        if (dtype == null) dtype = text(n, "dtype", "float32", source);

        checkMatrix(source, "embed_tokens", vocab, hidden);
        checkMatrix(source, "mlp", inter, hidden);
        checkMatrix(source, "q_proj", (long) heads * headDim, hidden);
        return new ModelConfig(arch, type, hidden, inter, layers, heads, kv, headDim, vocab, maxPos, eps, theta,
                scaling, attnBias, tied, bos, eos.stream().mapToInt(Integer::intValue).toArray(), window, dtype);
    }

    private static String architecture(JsonNode n, String type, String source) {
        JsonNode archs = n.get("architectures");
        String arch = null;
        if (archs != null && !archs.isNull()) {
            if (!archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual()) {
                throw new ModelFormatException(source + ": 'architectures' must be a non-empty list of names, got " + archs);
            }
            arch = archs.get(0).asText();
        } else if (type != null) {
            arch = switch (type) {
                case "llama" -> "LlamaForCausalLM";
                case "mistral" -> "MistralForCausalLM";
                case "qwen2" -> "Qwen2ForCausalLM";
                default -> null;
            };
            if (arch == null) {
                throw new ModelFormatException(source + ": model_type '" + type + "' is not supported (supported: llama, mistral, qwen2)");
            }
        }
        if (arch == null) throw new ModelFormatException(source + ": no 'architectures' or 'model_type'");
        if (!SUPPORTED.contains(arch)) {
            throw new ModelFormatException(source + ": architecture '" + arch + "' is not supported (supported: "
                    + String.join(", ", SUPPORTED) + ")");
        }
        // transformers' AutoModelForCausalLM builds the model that model_type names, not the one 'architectures' names:
        // a Llama run of a config whose model_type says mistral (a 4096-token window), qwen2 (q/k/v biases) or gpt2
        // would not be the model transformers runs from the same files
        String expected = MODEL_TYPES.get(arch);
        if (type != null && !type.equals(expected)) {
            throw new ModelFormatException(source + ": model_type '" + type + "' disagrees with architectures '" + arch
                    + "' (which is model_type '" + expected + "'; transformers builds the model model_type names)");
        }
        return arch;
    }

    private static final Map<String, String> MODEL_TYPES = Map.of("LlamaForCausalLM", "llama",
            "MistralForCausalLM", "mistral", "Qwen2ForCausalLM", "qwen2");

    private record Rope(double theta, RopeScaling scaling) {}

    private static void refusePartialRotary(JsonNode n, String where) {
        if (present(n, "partial_rotary_factor") && n.get("partial_rotary_factor").asDouble() != 1.0) {
            throw new ModelFormatException(where + ": partial_rotary_factor " + n.get("partial_rotary_factor")
                    + " is not supported (only 1.0)");
        }
    }

    /**
     * The rope settings, written either the transformers 4 way (top-level rope_theta, rope_scaling) or the
     * transformers 5 way (one rope_parameters object holding rope_type, rope_theta and the scaling fields, with no
     * top-level rope_theta). They are combined as transformers 5 does: a non-null rope_scaling is taken over
     * rope_parameters, and the theta comes from that object, else from the top-level rope_theta, else 10000.
     * Reading only rope_theta would run a transformers-5 Llama 3 with theta 10000 and no scaling: wrong logits.
     */
    private static Rope rope(JsonNode n, String source) {
        boolean fromLegacy = present(n, "rope_scaling");
        String name = fromLegacy ? "rope_scaling" : "rope_parameters";
        JsonNode rs = present(n, name) ? n.get(name) : null;
        if (rs == null) return new Rope(positiveReal(n, "rope_theta", 10000.0, source), null);
        if (!rs.isObject()) throw new ModelFormatException(source + ": '" + name + "' must be an object or null, got " + rs);
        String where = source + ": " + name;
        for (Map.Entry<String, JsonNode> e : rs.properties()) {
            if (e.getValue().isObject()) {
                throw new ModelFormatException(where + " has per-layer-type settings ('" + e.getKey()
                        + "'), which are not supported (one rope for every layer)");
            }
        }
        double theta = present(rs, "rope_theta") ? positiveReal(rs, "rope_theta", 0, where) : positiveReal(n, "rope_theta", 10000.0, source);
        refusePartialRotary(rs, where);
        // transformers 5 takes a rope_parameters without rope_type as the default rope; a typeless rope_scaling was
        // never valid (transformers 4 fails on it), so it stays refused
        return new Rope(theta, ropeScaling(rs, fromLegacy ? "" : "default", where));
    }

    private static RopeScaling ropeScaling(JsonNode rs, String noType, String where) {
        if (rs == null || rs.isNull()) return null;
        String rt = rs.has("rope_type") ? rs.get("rope_type").asText() : rs.path("type").asText(noType);
        return switch (rt) {
            case "llama3" -> {
                requireKeys(rs, rt, where, "factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings");
                double factor = positiveReal(rs, "factor", 0, where);
                double low = positiveReal(rs, "low_freq_factor", 0, where);
                double high = positiveReal(rs, "high_freq_factor", 0, where);
                if (high <= low) {
                    throw new ModelFormatException(where + ": high_freq_factor " + high + " must exceed low_freq_factor " + low);
                }
                yield new RopeScaling("llama3", factor, low, high, positive(rs, "original_max_position_embeddings", where));
            }
            case "linear" -> {
                requireKeys(rs, rt, where, "factor");
                yield new RopeScaling("linear", positiveReal(rs, "factor", 0, where), 0, 0, 0);
            }
            case "default" -> null;
            default -> throw new ModelFormatException(where + " type '" + rt + "' is not supported (llama3, linear)");
        };
    }

    /**
     * A scaling without one of its fields has no meaning of its own: transformers refuses it ("Missing required keys in
     * rope_scaling"), so it is refused here too rather than run with a value made up for the field.
     */
    private static void requireKeys(JsonNode rs, String type, String where, String... keys) {
        List<String> missing = new ArrayList<>();
        for (String k : keys) if (!present(rs, k)) missing.add(k);
        if (!missing.isEmpty()) {
            throw new ModelFormatException(where + ": type '" + type + "' needs " + String.join(", ", missing)
                    + " (missing; transformers refuses it too)");
        }
    }

    private static Integer slidingWindow(JsonNode n, String arch, int layers, String source) {
        JsonNode sw = n.get("sliding_window");
        boolean hasWindow = sw != null && !sw.isNull();
        switch (arch) {
            case "MistralForCausalLM" -> {
                // transformers' MistralConfig defaults sliding_window to 4096: only an explicit null means none
                if (!n.has("sliding_window")) return 4096;
                return hasWindow ? positive(n, "sliding_window", source) : null;
            }
            case "Qwen2ForCausalLM" -> {
                // Qwen2 configs carry a sliding_window that applies only with use_sliding_window=true, and then (as
                // transformers decides) only to the layers that layer_types calls sliding_attention, or without
                // layer_types to the layers i >= max_window_layers (default 28). The engine has one window for all
                // layers: it holds when all layers or none slide; a mix is refused.
                if (!bool(n, "use_sliding_window", false, source) || !hasWindow) return null;
                int window = positive(n, "sliding_window", source);
                int sliding = slidingLayers(n, layers, source);
                if (sliding == 0) return null;
                if (sliding < layers) {
                    throw new ModelFormatException(source + ": use_sliding_window=true gives a sliding window to " + sliding + " of "
                            + layers + " layers (" + (present(n, "layer_types") ? "layer_types" : "those from max_window_layers "
                            + maxWindowLayers(n, source) + " on") + "); per-layer windows are not supported");
                }
                return window;
            }
            default -> {
                return null; // HF Llama ignores sliding_window
            }
        }
    }

    /** How many of a Qwen2 model's layers transformers gives the sliding window. */
    private static int slidingLayers(JsonNode n, int layers, String source) {
        JsonNode types = n.get("layer_types");
        if (types == null || types.isNull()) return Math.max(0, layers - maxWindowLayers(n, source));
        if (!types.isArray() || types.size() != layers) {
            throw new ModelFormatException(source + ": field 'layer_types' must be a list of " + layers
                    + " names (one per layer), got " + types);
        }
        int sliding = 0;
        for (JsonNode t : types) {
            String type = t.isTextual() ? t.asText() : "";
            switch (type) {
                case "sliding_attention" -> sliding++;
                case "full_attention" -> { }
                default -> throw new ModelFormatException(source + ": field 'layer_types' holds " + t
                        + " (expected \"full_attention\" or \"sliding_attention\")");
            }
        }
        return sliding;
    }

    /** Qwen2's max_window_layers: transformers' default is 28. */
    private static int maxWindowLayers(JsonNode n, String source) {
        if (!present(n, "max_window_layers")) return 28;
        JsonNode v = n.get("max_window_layers");
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
            throw new ModelFormatException(source + ": field 'max_window_layers' must be a non-negative integer, got " + v);
        }
        return v.asInt();
    }

    private static void checkMatrix(String source, String what, long rows, long cols) {
        if (rows * cols > MAX_MATRIX_ELEMENTS) {
            throw new ModelFormatException(source + ": " + what + " would be " + rows + " x " + cols
                    + ", more elements than one Java array holds (" + MAX_MATRIX_ELEMENTS + ")");
        }
    }

    private static boolean present(JsonNode n, String f) {
        JsonNode v = n.get(f);
        return v != null && !v.isNull();
    }

    private static String text(JsonNode n, String f, String dflt, String source) {
        JsonNode v = n.get(f);
        if (v == null || v.isNull()) return dflt;
        if (!v.isTextual()) throw new ModelFormatException(source + ": field '" + f + "' must be a string, got " + v);
        return v.asText();
    }

    private static boolean bool(JsonNode n, String f, boolean dflt, String source) {
        JsonNode v = n.get(f);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw new ModelFormatException(source + ": field '" + f + "' must be true or false, got " + v);
        return v.asBoolean();
    }

    static int positive(JsonNode n, String f, String source) {
        JsonNode v = n.get(f);
        if (v == null || !isWholeNumber(v) || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new ModelFormatException(source + ": field '" + f + "' must be a positive integer, got " + v);
        }
        return v.asInt();
    }

    private static boolean isWholeNumber(JsonNode v) {
        return v.isIntegralNumber() || (v.isFloatingPointNumber() && v.asDouble() == Math.rint(v.asDouble()));
    }

    private static double positiveReal(JsonNode n, String f, double dflt, String source) {
        JsonNode v = n.get(f);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
            throw new ModelFormatException(source + ": field '" + f + "' must be a positive number, got " + v);
        }
        return v.asDouble();
    }

    private static int tokenId(JsonNode n, String f, int vocab, String source) {
        return checkId(n.get(f), f, vocab, source);
    }

    private static int checkId(JsonNode v, String f, int vocab, String source) {
        if (v == null || !v.isIntegralNumber() || v.asLong() < 0 || v.asLong() >= vocab) {
            throw new ModelFormatException(source + ": field '" + f + "' must be a token id in [0, " + vocab + "), got " + v);
        }
        return v.asInt();
    }

    /** A short human description of the rope settings, e.g. "theta 500000, llama3 scaling ×32 (low 1, high 4, original 8192)". */
    public String ropeSummary() {
        String s = "theta " + fmt(ropeTheta);
        if (ropeScaling == null) return s;
        if (ropeScaling.type().equals("linear")) return s + ", linear scaling ×" + fmt(ropeScaling.factor());
        return s + ", llama3 scaling ×" + fmt(ropeScaling.factor()) + " (low " + fmt(ropeScaling.lowFreqFactor())
                + ", high " + fmt(ropeScaling.highFreqFactor()) + ", original " + ropeScaling.originalMaxPositions() + ")";
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
