package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Generation defaults of a model: generation_config.json when the folder has one (it is what
 * transformers' generate() uses), else the token ids of config.json. Sampling fields are null when unset.
 */
public record GenerationConfig(int bosTokenId, int[] eosTokenIds, int padTokenId, Boolean doSample, Double temperature,
                               Integer topK, Double topP, Integer maxNewTokens) {
    public static final String FILE = "generation_config.json";

    public boolean isEos(int id) {
        for (int e : eosTokenIds) if (e == id) return true;
        return false;
    }

    /** transformers' GenerationConfig defaults for what generation_config.json leaves out when do_sample is true. */
    public static final double HF_TEMPERATURE = 1.0, HF_TOP_P = 1.0;
    public static final int HF_TOP_K = 50;

    /** Whether transformers' generate() samples by default for this model (do_sample true; absent or false is greedy). */
    public boolean samples() { return Boolean.TRUE.equals(doSample); }

    /**
     * The decoding transformers' generate() uses when the caller passes no sampling argument: greedy unless
     * do_sample is true, then temperature, top_k and top_p as written, each absent one at transformers' default
     * (1.0, 50, 1.0 — so a bare do_sample samples among the 50 most likely tokens, as generate() does).
     *
     * @throws ModelFormatException when the written values are not a valid sampler (e.g. top_p 0 or above 1, or
     *                              temperature 0, which transformers refuses when sampling)
     */
    public Sampler defaultSampler(long seed) {
        if (!samples()) return Sampler.greedy();
        if (temperature != null && temperature == 0) {
            // Sampler's temperature 0 is greedy: run so, "sampling: temperature 0.0" would be said and not done
            throw new ModelFormatException(FILE + ": do_sample is true but temperature is 0; sampling needs a temperature above 0 "
                    + "(transformers' generate() refuses it too; greedy decoding is do_sample false, or --temperature 0)");
        }
        try {
            return new Sampler(temperature != null ? temperature : HF_TEMPERATURE, topK != null ? topK : HF_TOP_K,
                    topP != null ? topP : HF_TOP_P, seed);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(FILE + ": its sampling defaults are not usable: " + e.getMessage());
        }
    }

    /** The default decoding in words, e.g. "greedy" or "sampling: temperature 0.6, top-k 50, top-p 0.9". */
    public String describeDefaultSampling() {
        if (!samples()) return "greedy";
        return "sampling: temperature " + (temperature != null ? temperature : HF_TEMPERATURE) + ", top-k "
                + (topK != null ? topK : HF_TOP_K) + ", top-p " + (topP != null ? topP : HF_TOP_P);
    }

    /** From config.json's token ids alone. */
    public static GenerationConfig from(ModelConfig c) {
        return new GenerationConfig(c.bosTokenId(), c.eosTokenIds().clone(), -1, null, null, null, null, null);
    }

    /** Reads dir/generation_config.json when present, filling what it omits from the model config. */
    public static GenerationConfig load(Path dir, ModelConfig c) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return from(c);
        JsonNode n = ModelConfig.readJson(file);
        if (!n.isObject()) throw new ModelFormatException(file + ": expected a JSON object");
        String src = file.toString();
        int bos = n.has("bos_token_id") && !n.get("bos_token_id").isNull() ? id(n.get("bos_token_id"), "bos_token_id", c, src)
                : c.bosTokenId();
        int[] eos = c.eosTokenIds().clone();
        JsonNode e = n.get("eos_token_id");
        if (e != null && !e.isNull()) {
            Set<Integer> ids = new LinkedHashSet<>();
            if (e.isArray()) e.forEach(x -> ids.add(id(x, "eos_token_id", c, src)));
            else ids.add(id(e, "eos_token_id", c, src));
            eos = ids.stream().mapToInt(Integer::intValue).toArray();
        }
        int pad = n.has("pad_token_id") && !n.get("pad_token_id").isNull() ? id(n.get("pad_token_id"), "pad_token_id", c, src) : -1;
        Boolean doSample = bool(n, "do_sample", src);
        Double temperature = number(n, "temperature", src);
        Double topP = number(n, "top_p", src);
        return new GenerationConfig(bos, eos, pad, doSample, temperature, count(n, "top_k", src), topP, count(n, "max_new_tokens", src));
    }

    /**
     * true or false; null when absent. Anything else is refused: transformers samples for any do_sample that is not
     * false (the string "false" included), so reading "true" or 1 as absent would decode greedily where it samples.
     */
    private static Boolean bool(JsonNode n, String field, String src) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isBoolean()) throw new ModelFormatException(src + ": '" + field + "' must be true or false, got " + v);
        return v.asBoolean();
    }

    /** A non-negative whole number (top_k 2.5 is no count of tokens: transformers refuses it too); null when absent. */
    private static Integer count(JsonNode n, String field, String src) {
        Double v = number(n, field, src);
        if (v == null) return null;
        if (v != Math.rint(v)) throw new ModelFormatException(src + ": '" + field + "' must be a whole number, got " + n.get(field));
        return (int) Math.min(v, Integer.MAX_VALUE);
    }

    private static int id(JsonNode v, String field, ModelConfig c, String src) {
        if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() >= c.vocabSize()) {
            throw new ModelFormatException(src + ": '" + field + "' must be a token id in [0, " + c.vocabSize() + "), got " + v);
        }
        return v.asInt();
    }

    private static Double number(JsonNode n, String field, String src) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber() || v.asDouble() < 0 || !Double.isFinite(v.asDouble())) {
            throw new ModelFormatException(src + ": '" + field + "' must be a non-negative number, got " + v);
        }
        return v.asDouble();
    }

    @Override
    public String toString() {
        return "GenerationConfig{bos=" + bosTokenId + ", eos=" + Arrays.toString(eosTokenIds) + ", pad=" + padTokenId
                + ", doSample=" + doSample + ", temperature=" + temperature + ", topK=" + topK + ", topP=" + topP
                + ", maxNewTokens=" + maxNewTokens + "}";
    }
}
