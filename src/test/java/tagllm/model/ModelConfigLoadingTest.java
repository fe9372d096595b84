package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ModelConfig on the config.json texts of real models (as published on the Hub), checked against their
 * published sizes: the parameter counts are the ones the model cards and HF's num_parameters() report.
 */
class ModelConfigLoadingTest {
    static final String LLAMA_3_2_1B = """
            {
              "architectures": ["LlamaForCausalLM"],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "bos_token_id": 128000,
              "eos_token_id": 128001,
              "head_dim": 64,
              "hidden_act": "silu",
              "hidden_size": 2048,
              "initializer_range": 0.02,
              "intermediate_size": 8192,
              "max_position_embeddings": 131072,
              "mlp_bias": false,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 16,
              "num_key_value_heads": 8,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": {
                "factor": 32.0,
                "high_freq_factor": 4.0,
                "low_freq_factor": 1.0,
                "original_max_position_embeddings": 8192,
                "rope_type": "llama3"
              },
              "rope_theta": 500000.0,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.45.0.dev0",
              "use_cache": true,
              "vocab_size": 128256
            }""";

    static final String TINYLLAMA_1_1B = """
            {
              "architectures": ["LlamaForCausalLM"],
              "bos_token_id": 1,
              "eos_token_id": 2,
              "hidden_act": "silu",
              "hidden_size": 2048,
              "initializer_range": 0.02,
              "intermediate_size": 5632,
              "max_position_embeddings": 2048,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 22,
              "num_key_value_heads": 4,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": null,
              "rope_theta": 10000.0,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.35.0",
              "use_cache": true,
              "vocab_size": 32000
            }""";

    static final String SMOLLM2_135M = """
            {
              "architectures": ["LlamaForCausalLM"],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "bos_token_id": 0,
              "eos_token_id": 0,
              "hidden_act": "silu",
              "hidden_size": 576,
              "initializer_range": 0.041666666666666664,
              "intermediate_size": 1536,
              "is_llama_config": true,
              "max_position_embeddings": 8192,
              "model_type": "llama",
              "num_attention_heads": 9,
              "num_hidden_layers": 30,
              "num_key_value_heads": 3,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_interleaved": false,
              "rope_scaling": null,
              "rope_theta": 100000,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.40.1",
              "use_cache": true,
              "vocab_size": 49152
            }""";

    static final String MISTRAL_7B_V01 = """
            {
              "architectures": ["MistralForCausalLM"],
              "bos_token_id": 1,
              "eos_token_id": 2,
              "hidden_act": "silu",
              "hidden_size": 4096,
              "initializer_range": 0.02,
              "intermediate_size": 14336,
              "max_position_embeddings": 32768,
              "model_type": "mistral",
              "num_attention_heads": 32,
              "num_hidden_layers": 32,
              "num_key_value_heads": 8,
              "rms_norm_eps": 1e-05,
              "rope_theta": 10000.0,
              "sliding_window": 4096,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.34.0.dev0",
              "use_cache": true,
              "vocab_size": 32000
            }""";

    static final String QWEN2_0_5B = """
            {
              "architectures": ["Qwen2ForCausalLM"],
              "attention_dropout": 0.0,
              "bos_token_id": 151643,
              "eos_token_id": 151643,
              "hidden_act": "silu",
              "hidden_size": 896,
              "initializer_range": 0.02,
              "intermediate_size": 4864,
              "max_position_embeddings": 131072,
              "max_window_layers": 24,
              "model_type": "qwen2",
              "num_attention_heads": 14,
              "num_hidden_layers": 24,
              "num_key_value_heads": 2,
              "rms_norm_eps": 1e-06,
              "rope_theta": 1000000.0,
              "sliding_window": 131072,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.40.1",
              "use_cache": true,
              "use_sliding_window": false,
              "vocab_size": 151936
            }""";

    @TempDir
    Path dir;

    static ModelConfig parse(String json) {
        try {
            return ModelConfig.fromJson(new ObjectMapper().readTree(json), "config.json");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static ObjectNode node(String json) {
        try {
            return (ObjectNode) new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ModelFormatException refused(JsonNode n) {
        return assertThrows(ModelFormatException.class, () -> ModelConfig.fromJson(n, "cfg.json"));
    }

    @Test
    void llama32With3RopeScalingTiedAndExplicitHeadDim() {
        ModelConfig c = parse(LLAMA_3_2_1B);
        assertEquals("LlamaForCausalLM", c.architecture());
        assertEquals(64, c.headDim());
        assertEquals(4, c.groupSize());
        assertEquals(512, c.kvDim());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(new ModelConfig.RopeScaling("llama3", 32.0, 1.0, 4.0, 8192), c.ropeScaling());
        assertEquals(128000, c.bosTokenId());
        assertArrayEquals(new int[]{128001}, c.eosTokenIds());
        assertNull(c.slidingWindow());
        assertEquals(1_235_814_400L, c.parameterCount(), "Llama-3.2-1B: 1.24B parameters");
        assertEquals(c.parameterCount(), TensorLayout.of(c).parameterCount());
    }

    /**
     * Llama-3.2-1B's config as transformers 5 saves it: rope_theta and the llama3 scaling inside rope_parameters. It is
     * the same model as the transformers 4 text above, so the same theta and scaling (they were 10000 and none).
     */
    @Test
    void transformers5RopeParametersAreRead() {
        ObjectNode v5 = node(LLAMA_3_2_1B);
        ObjectNode params = (ObjectNode) v5.remove("rope_scaling");
        params.set("rope_theta", v5.remove("rope_theta"));
        v5.set("rope_parameters", params);
        ModelConfig c = ModelConfig.fromJson(v5, "config.json");
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(new ModelConfig.RopeScaling("llama3", 32.0, 1.0, 4.0, 8192), c.ropeScaling());
        assertEquals(parse(LLAMA_3_2_1B).ropeSummary(), c.ropeSummary());

        ObjectNode plain = node(TINYLLAMA_1_1B);
        plain.remove("rope_theta");
        plain.remove("rope_scaling");
        plain.putObject("rope_parameters").put("rope_theta", 20000.0); // no rope_type: the default rope
        assertEquals(20000.0, ModelConfig.fromJson(plain, "x").ropeTheta());
        assertNull(ModelConfig.fromJson(plain, "x").ropeScaling());

        ObjectNode yarn = node(TINYLLAMA_1_1B);
        yarn.putObject("rope_parameters").put("rope_type", "yarn").put("factor", 4.0).put("rope_theta", 10000.0);
        assertTrue(refused(yarn).getMessage().contains("rope_parameters type 'yarn'"), refused(yarn).getMessage());
        ObjectNode perLayer = node(TINYLLAMA_1_1B);
        perLayer.putObject("rope_parameters").putObject("full_attention").put("rope_theta", 10000.0);
        assertTrue(refused(perLayer).getMessage().contains("per-layer"));
        ObjectNode partial = node(TINYLLAMA_1_1B);
        partial.putObject("rope_parameters").put("rope_theta", 10000.0).put("partial_rotary_factor", 0.5);
        assertTrue(refused(partial).getMessage().contains("partial_rotary_factor"));
    }

    /**
     * A llama3 or linear rope_scaling without one of its fields is refused, as transformers refuses it ("Missing
     * required keys"): Llama 3.2 without its factor used to load with a factor of 8 (Llama 3.1's) instead of 32.
     */
    @Test
    void ropeScalingWithoutARequiredFieldIsRefusedByName() {
        for (String key : new String[]{"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
            ObjectNode c = node(LLAMA_3_2_1B);
            ((ObjectNode) c.get("rope_scaling")).remove(key);
            var e = refused(c);
            assertTrue(e.getMessage().contains("rope_scaling") && e.getMessage().contains("needs " + key), e.getMessage());
        }
        ObjectNode linear = node(TINYLLAMA_1_1B);
        linear.putObject("rope_scaling").put("type", "linear");
        assertTrue(refused(linear).getMessage().contains("needs factor"), refused(linear).getMessage());
        ObjectNode v5 = node(TINYLLAMA_1_1B);
        v5.putObject("rope_parameters").put("rope_type", "llama3").put("factor", 8.0).put("rope_theta", 500000.0);
        assertTrue(refused(v5).getMessage().contains("rope_parameters: type 'llama3' needs low_freq_factor, high_freq_factor, "
                + "original_max_position_embeddings"), refused(v5).getMessage());
    }

    @Test
    void tinyLlamaIsUntiedGqa() {
        ModelConfig c = parse(TINYLLAMA_1_1B);
        assertFalse(c.tieWordEmbeddings());
        assertEquals(8, c.groupSize());
        assertEquals(64, c.headDim());
        assertNull(c.ropeScaling());
        assertEquals(1_100_048_384L, c.parameterCount(), "TinyLlama-1.1B");
        assertTrue(TensorLayout.of(c).tensors().stream().anyMatch(t -> t.name().equals("lm_head.weight")));
        assertEquals(4_400_193_536L, 4 * c.parameterCount(), "4.4 GB in F32");
    }

    @Test
    void smolLm2HasNoLmHeadTensor() {
        ModelConfig c = parse(SMOLLM2_135M);
        assertTrue(c.tieWordEmbeddings());
        assertEquals(64, c.headDim());
        assertEquals(3, c.numKvHeads());
        assertEquals(0, c.bosTokenId());
        assertEquals(100000.0, c.ropeTheta());
        assertEquals(134_515_008L, c.parameterCount(), "SmolLM2-135M");
        assertTrue(TensorLayout.of(c).tensors().stream().noneMatch(t -> t.name().equals("lm_head.weight")));
    }

    @Test
    void mistralKeepsItsSlidingWindow() {
        ModelConfig c = parse(MISTRAL_7B_V01);
        assertEquals("MistralForCausalLM", c.architecture());
        assertEquals(4096, c.slidingWindow());
        assertEquals(7_241_732_096L, c.parameterCount(), "Mistral-7B-v0.1");
        ObjectNode noWindow = node(MISTRAL_7B_V01);
        noWindow.putNull("sliding_window"); // Mistral-7B-v0.2 and later
        assertNull(ModelConfig.fromJson(noWindow, "x").slidingWindow());
        ObjectNode absent = node(MISTRAL_7B_V01);
        absent.remove("sliding_window");
        absent.put("max_position_embeddings", 8192);
        assertEquals(4096, ModelConfig.fromJson(absent, "x").slidingWindow(), "transformers' MistralConfig default");
    }

    @Test
    void qwen2HasQkvBiasAndNoWindowWhenUnused() {
        ModelConfig c = parse(QWEN2_0_5B);
        assertTrue(c.attentionBias());
        assertTrue(c.tieWordEmbeddings());
        assertNull(c.slidingWindow(), "use_sliding_window=false");
        assertEquals(1e-6, c.rmsNormEps());
        assertEquals(494_032_768L, c.parameterCount(), "Qwen2-0.5B");
        assertTrue(TensorLayout.of(c).tensors().stream().anyMatch(t -> t.name().equals("model.layers.0.self_attn.k_proj.bias")));
        ObjectNode untied = node(QWEN2_0_5B);
        untied.put("tie_word_embeddings", false);
        assertFalse(ModelConfig.fromJson(untied, "x").tieWordEmbeddings(), "tying as the config says");
    }

    /**
     * transformers gives a Qwen2 layer i the sliding window only when use_sliding_window and i >= max_window_layers
     * (default 28), or as layer_types says: Qwen2-0.5B with use_sliding_window=true and max_window_layers 24 = its
     * layer count has no sliding layer (it was given a window on every layer), max_window_layers 0 slides them all.
     */
    @Test
    void qwen2SlidingWindowCoversTheLayersTransformersGivesIt() {
        ObjectNode none = node(QWEN2_0_5B);
        none.put("use_sliding_window", true);
        none.put("sliding_window", 4096);
        assertNull(ModelConfig.fromJson(none, "x").slidingWindow(), "layers 0..23 are all below max_window_layers 24");
        none.remove("max_window_layers");
        assertNull(ModelConfig.fromJson(none, "x").slidingWindow(), "the default max_window_layers is 28");

        ObjectNode all = node(QWEN2_0_5B);
        all.put("use_sliding_window", true);
        all.put("sliding_window", 4096);
        all.put("max_window_layers", 0);
        assertEquals(4096, ModelConfig.fromJson(all, "x").slidingWindow());

        ObjectNode types = node(QWEN2_0_5B);
        types.put("use_sliding_window", true);
        types.put("sliding_window", 4096);
        var list = types.putArray("layer_types");
        for (int i = 0; i < 24; i++) list.add("sliding_attention");
        assertEquals(4096, ModelConfig.fromJson(types, "x").slidingWindow(), "layer_types wins over max_window_layers");
        list.set(5, list.textNode("full_attention"));
        assertTrue(refused(types).getMessage().contains("23 of 24 layers (layer_types)"), refused(types).getMessage());
        list.remove(5);
        assertTrue(refused(types).getMessage().contains("'layer_types'"), refused(types).getMessage());
    }

    @Test
    void agreesWithTheSharedFixtureConfigs() throws IOException {
        for (String m : new String[]{"stories260K", "tiny-llama-gqa", "tiny-llama-tied"}) {
            ModelConfig c = ModelConfig.load(Shared.model(m).resolve("config.json"));
            JsonNode ref = new ObjectMapper().readTree(Files.readString(Shared.fixture(m + ".golden.json"))).get("config");
            assertEquals(ref.get("hidden_size").asInt(), c.hiddenSize(), m);
            assertEquals(ref.get("intermediate_size").asInt(), c.intermediateSize(), m);
            assertEquals(ref.get("num_hidden_layers").asInt(), c.numLayers(), m);
            assertEquals(ref.get("num_attention_heads").asInt(), c.numHeads(), m);
            assertEquals(ref.get("num_key_value_heads").asInt(), c.numKvHeads(), m);
            assertEquals(ref.get("vocab_size").asInt(), c.vocabSize(), m);
            assertEquals(ref.get("rms_norm_eps").asDouble(), c.rmsNormEps(), m);
            assertEquals(ref.get("rope_theta").asDouble(), c.ropeTheta(), m);
            assertEquals(ref.get("tie_word_embeddings").asBoolean(), c.tieWordEmbeddings(), m);
        }
    }

    @Test
    void unsupportedArchitecturesAndOptionsAreRefusedByName() {
        ObjectNode gpt2 = node(TINYLLAMA_1_1B);
        gpt2.putArray("architectures").add("MixtralForCausalLM");
        assertTrue(refused(gpt2).getMessage().contains("'MixtralForCausalLM' is not supported"));

        ObjectNode type = node(TINYLLAMA_1_1B);
        type.remove("architectures");
        type.put("model_type", "gemma");
        assertTrue(refused(type).getMessage().contains("'gemma'"));

        ObjectNode yarn = node(QWEN2_0_5B);
        yarn.putObject("rope_scaling").put("type", "yarn").put("factor", 4.0);
        assertTrue(refused(yarn).getMessage().contains("'yarn'"));

        ObjectNode gelu = node(TINYLLAMA_1_1B);
        gelu.put("hidden_act", "gelu");
        assertTrue(refused(gelu).getMessage().contains("hidden_act 'gelu'"));

        ObjectNode bias = node(TINYLLAMA_1_1B);
        bias.put("attention_bias", true);
        assertTrue(refused(bias).getMessage().contains("attention_bias"));

        ObjectNode mlpBias = node(LLAMA_3_2_1B);
        mlpBias.put("mlp_bias", true);
        assertTrue(refused(mlpBias).getMessage().contains("mlp_bias"));

        ObjectNode window = node(QWEN2_0_5B);
        window.put("use_sliding_window", true);
        window.put("max_window_layers", 21);
        assertTrue(refused(window).getMessage().contains("max_window_layers"));

        ObjectNode partial = node(TINYLLAMA_1_1B);
        partial.put("partial_rotary_factor", 0.5);
        assertTrue(refused(partial).getMessage().contains("partial_rotary_factor"));
    }

    /**
     * transformers' AutoModelForCausalLM builds the model model_type names (Llama's config with model_type mistral is a
     * MistralForCausalLM, with its 4096-token window; with qwen2 a Qwen2 model with q/k/v biases): a config whose
     * 'architectures' names another model is refused naming both fields, instead of running the one it does not load.
     */
    @Test
    void modelTypeThatDisagreesWithArchitecturesIsRefused() {
        for (String type : new String[]{"mistral", "qwen2", "gpt2"}) {
            ObjectNode n = node(TINYLLAMA_1_1B);
            n.put("model_type", type);
            String m = refused(n).getMessage();
            assertTrue(m.contains("model_type '" + type + "'") && m.contains("'LlamaForCausalLM'"), m);
        }
        ObjectNode qwenArch = node(TINYLLAMA_1_1B); // model_type llama: transformers runs Llama, without q/k/v biases
        qwenArch.putArray("architectures").add("Qwen2ForCausalLM");
        assertTrue(refused(qwenArch).getMessage().contains("model_type 'llama' disagrees"));
        // agreeing fields, or either one alone, still load
        ObjectNode typeOnly = node(MISTRAL_7B_V01);
        typeOnly.remove("architectures");
        assertEquals("MistralForCausalLM", ModelConfig.fromJson(typeOnly, "x").architecture());
        ObjectNode archOnly = node(QWEN2_0_5B);
        archOnly.remove("model_type");
        assertEquals("Qwen2ForCausalLM", ModelConfig.fromJson(archOnly, "x").architecture());
    }

    @Test
    void badFieldsNameTheField() {
        ObjectNode missing = node(TINYLLAMA_1_1B);
        missing.remove("hidden_size");
        assertTrue(refused(missing).getMessage().contains("'hidden_size'"));

        ObjectNode frac = node(TINYLLAMA_1_1B);
        frac.put("intermediate_size", 5632.5);
        assertTrue(refused(frac).getMessage().contains("'intermediate_size'"));

        ObjectNode heads = node(TINYLLAMA_1_1B);
        heads.put("num_key_value_heads", 5);
        assertTrue(refused(heads).getMessage().contains("num_key_value_heads 5"));

        ObjectNode eos = node(TINYLLAMA_1_1B);
        eos.put("eos_token_id", 32000);
        assertTrue(refused(eos).getMessage().contains("'eos_token_id'"));

        ObjectNode huge = node(TINYLLAMA_1_1B);
        huge.put("vocab_size", 2_000_000_000);
        assertTrue(refused(huge).getMessage().contains("embed_tokens"));

        ObjectNode eps = node(TINYLLAMA_1_1B);
        eps.put("rms_norm_eps", -1);
        assertTrue(refused(eps).getMessage().contains("'rms_norm_eps'"));

        ObjectNode tie = node(TINYLLAMA_1_1B);
        tie.put("tie_word_embeddings", "yes");
        assertTrue(refused(tie).getMessage().contains("'tie_word_embeddings'"));
    }

    @Test
    void absurdLayerCountIsRefusedBeforeAnyLayerIsLaidOut() {
        // num_hidden_layers 1e9 used to pass: loading then built nine billion tensor entries (minutes, then out of memory)
        ObjectNode deep = node(TINYLLAMA_1_1B);
        deep.put("num_hidden_layers", 1_000_000_000);
        String msg = refused(deep).getMessage();
        assertTrue(msg.contains("'num_hidden_layers'") && msg.contains("1000000000"), msg);
        // the deepest published configs still load: 126 layers (Llama 3.1 405B) and the bound itself
        ObjectNode llama405 = node(TINYLLAMA_1_1B);
        llama405.put("num_hidden_layers", 126);
        assertEquals(126, ModelConfig.fromJson(llama405, "405b").numLayers());
        ObjectNode atBound = node(TINYLLAMA_1_1B);
        atBound.put("num_hidden_layers", 10_000); // ModelConfig.MAX_LAYERS
        assertEquals(10_000, ModelConfig.fromJson(atBound, "bound").numLayers());
    }

    @Test
    void malformedOrMissingConfigFileNamesTheFile() throws IOException {
        Path bad = dir.resolve("config.json");
        Files.writeString(bad, "{\"hidden_size\": 64,, }");
        var e = assertThrows(ModelFormatException.class, () -> ModelConfig.load(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()) && e.getMessage().contains("not valid JSON"), e.getMessage());
        Files.writeString(bad, "");
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelConfig.load(bad)).getMessage().contains(bad.toString()));
        Path absent = dir.resolve("nope/config.json");
        var m = assertThrows(ModelFormatException.class, () -> ModelConfig.load(absent));
        assertTrue(m.getMessage().contains(absent.toString()) && m.getMessage().contains("not found"));
    }
}
