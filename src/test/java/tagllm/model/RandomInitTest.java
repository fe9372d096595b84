package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tensor.Matrix;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class RandomInitTest {
    static final String SMALL = """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 4096,
             "max_position_embeddings": 128, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": false,
             "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 3, "initializer_range": 0.05, "hidden_act": "silu"}""";

    @TempDir
    Path dir;

    static ObjectNode json(String s) throws IOException { return (ObjectNode) new ObjectMapper().readTree(s); }

    private Path init(String name, ObjectNode config, long seed, SafeTensors.DType dtype) throws IOException {
        Path out = dir.resolve(name);
        RandomInit.createModel(config, "config.json", out, seed, dtype, null);
        return out;
    }

    @Test
    void initialisesLikeHuggingFaceAndLoads() throws IOException {
        Path m = init("m", json(SMALL), 7, SafeTensors.DType.F32);
        ModelConfig c = ModelConfig.load(m.resolve("config.json"));
        assertEquals("float32", c.torchDtype());
        Weights w = Weights.load(c, m);
        float[] emb = w.embedTokens().toF32();
        // pad_token_id's row is zero (nn.Embedding padding_idx), every other value ~ N(0, 0.05²)
        for (int j = 0; j < 64; j++) assertEquals(0f, w.embedTokens().get(3, j));
        double sum = 0, sq = 0;
        int within = 0, n = 0;
        for (int i = 0; i < emb.length; i++) {
            if (i / 64 == 3) continue;
            sum += emb[i];
            sq += (double) emb[i] * emb[i];
            if (Math.abs(emb[i]) <= 0.05) within++;
            n++;
        }
        double mean = sum / n, std = Math.sqrt(sq / n - mean * mean);
        assertEquals(0, mean, 4 * 0.05 / Math.sqrt(n));
        assertEquals(0.05, std, 0.05 * 0.02);
        assertEquals(0.6827, (double) within / n, 0.005, "a normal distribution has 68.27% within one std");
        for (LayerWeights l : w.layers()) {
            for (float v : l.inputNorm()) assertEquals(1f, v);
            for (float v : l.postAttentionNorm()) assertEquals(1f, v);
            assertNull(l.qBias());
        }
        for (float v : w.finalNorm()) assertEquals(1f, v);
        assertNotSame(w.embedTokens(), w.lmHead());
        assertEquals(c.parameterCount(), TensorLayout.of(c).parameterCount());

        JsonNode gen = new ObjectMapper().readTree(Files.readString(m.resolve("generation_config.json")));
        assertEquals(1, gen.get("bos_token_id").asInt());
        assertEquals(2, gen.get("eos_token_id").asInt());
    }

    @Test
    void seededAndDeterministic() throws IOException {
        Path a = init("a", json(SMALL), 11, SafeTensors.DType.F32);
        Path b = init("b", json(SMALL), 11, SafeTensors.DType.F32);
        Path c = init("c", json(SMALL), 12, SafeTensors.DType.F32);
        byte[] wa = Files.readAllBytes(a.resolve("model.safetensors"));
        assertArrayEquals(wa, Files.readAllBytes(b.resolve("model.safetensors")));
        assertFalse(java.util.Arrays.equals(wa, Files.readAllBytes(c.resolve("model.safetensors"))));
        assertEquals(Files.readString(a.resolve("tokenizer.json")), Files.readString(b.resolve("tokenizer.json")));
        // different tensors of one model draw different numbers
        try (SafeTensors st = SafeTensors.open(a.resolve("model.safetensors"))) {
            float[] up = st.readF32("model.layers.0.mlp.up_proj.weight");
            float[] gate = st.readF32("model.layers.0.mlp.gate_proj.weight");
            assertFalse(java.util.Arrays.equals(up, gate));
        }
    }

    @Test
    void bf16StoresTheRoundedF32Values() throws IOException {
        Path f = init("f", json(SMALL), 5, SafeTensors.DType.F32);
        Path h = init("h", json(SMALL), 5, SafeTensors.DType.BF16);
        ModelConfig c = ModelConfig.load(h.resolve("config.json"));
        assertEquals("bfloat16", c.torchDtype());
        Weights w = Weights.load(c, h);
        assertEquals(Matrix.Storage.BF16, w.layers()[1].down().storage());
        try (SafeTensors sf = SafeTensors.open(f.resolve("model.safetensors"));
             SafeTensors sh = SafeTensors.open(h.resolve("model.safetensors"))) {
            for (String name : sf.entries().keySet()) {
                assertEquals(SafeTensors.DType.BF16, sh.entry(name).dtype());
                float[] full = sf.readF32(name);
                short[] half = sh.readBf16(name);
                for (int i = 0; i < full.length; i++) assertEquals(SafeTensorsWriter.toBf16(full[i]), half[i], name);
            }
        }
    }

    @Test
    void qwen2BiasesAreZeroAndTiedModelsHaveNoLmHead() throws IOException {
        ObjectNode q = json(SMALL);
        q.putArray("architectures").add("Qwen2ForCausalLM");
        q.put("model_type", "qwen2");
        q.put("tie_word_embeddings", true);
        Path m = init("q", q, 3, SafeTensors.DType.F32);
        ModelConfig c = ModelConfig.load(m.resolve("config.json"));
        try (TensorSource src = TensorSource.open(m)) {
            assertFalse(src.has("lm_head.weight"));
            TensorLayout.of(c).check(src);
        }
        Weights w = Weights.load(c, m);
        for (float v : w.layers()[0].kBias()) assertEquals(0f, v);
        assertEquals(c.kvDim(), w.layers()[0].vBias().length);
        assertSame(w.embedTokens(), w.lmHead());
    }

    @Test
    void generatedTokenizerCoversTheVocabularyExactly() throws IOException {
        ObjectNode cfg = json(SMALL);
        cfg.put("vocab_size", 700);
        cfg.put("bos_token_id", 600); // specials where the config puts them, e.g. Llama 3's 128000
        cfg.putArray("eos_token_id").add(601).add(602);
        Path m = init("t", cfg, 1, SafeTensors.DType.F32);
        JsonNode tok = new ObjectMapper().readTree(Files.readString(m.resolve("tokenizer.json")));
        JsonNode vocab = tok.get("model").get("vocab");
        assertEquals(700, vocab.size());
        Set<Integer> ids = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) ids.add(it.next().getValue().asInt());
        assertEquals(700, ids.size());
        assertTrue(ids.stream().allMatch(i -> i >= 0 && i < 700));
        assertEquals(600, vocab.get("<s>").asInt());
        assertEquals(601, vocab.get("</s>").asInt());
        assertEquals(0, vocab.get("<unk>").asInt());
        for (int b = 0; b < 256; b++) assertTrue(vocab.has(String.format("<0x%02X>", b)), "byte piece " + b);
        assertTrue(vocab.has("\u2581"));
        for (JsonNode merge : tok.get("model").get("merges")) {
            String[] parts = merge.asText().split(" ");
            assertEquals(2, parts.length);
            assertTrue(vocab.has(parts[0]) && vocab.has(parts[1]) && vocab.has(parts[0] + parts[1]), merge.asText());
        }
        Set<Integer> specialIds = new HashSet<>();
        for (JsonNode a : tok.get("added_tokens")) specialIds.add(a.get("id").asInt());
        assertEquals(Set.of(0, 600, 601, 602), specialIds);
        assertEquals(600, tok.get("post_processor").get("special_tokens").get("<s>").get("ids").get(0).asInt());
    }

    @Test
    void refusesWhatItCannotDo() throws IOException {
        ObjectNode small = json(SMALL);
        small.put("vocab_size", 200);
        var e = assertThrows(ModelFormatException.class, () -> init("s", small, 1, SafeTensors.DType.F32));
        assertTrue(e.getMessage().contains("vocab_size 200"), e.getMessage());
        Path cfg = dir.resolve("broken.json");
        Files.writeString(cfg, "{\"hidden_size\": ");
        var bad = assertThrows(ModelFormatException.class,
                () -> RandomInit.createModel(cfg, dir.resolve("x"), 1, SafeTensors.DType.F32, null));
        assertTrue(bad.getMessage().contains(cfg.toString()));
    }

    @Test
    void copiesAGivenTokenizer() throws IOException {
        Path src = Shared.model("stories260K");
        Path out = dir.resolve("withtok");
        RandomInit.createModel(json(SMALL), "c", out, 1, SafeTensors.DType.F32, src);
        assertEquals(Files.readString(src.resolve("tokenizer.json")), Files.readString(out.resolve("tokenizer.json")));
        assertEquals(Files.readString(src.resolve("tokenizer_config.json")), Files.readString(out.resolve("tokenizer_config.json")));
        Path file = dir.resolve("fileonly");
        RandomInit.createModel(json(SMALL), "c", file, 1, SafeTensors.DType.F32, src.resolve("tokenizer.json"));
        assertEquals(Files.readString(src.resolve("tokenizer.json")), Files.readString(file.resolve("tokenizer.json")));
        assertFalse(Files.exists(file.resolve("tokenizer_config.json")));

        ObjectNode small = json(SMALL);
        small.put("vocab_size", 400); // tok512 has 512 tokens
        var e = assertThrows(ModelFormatException.class,
                () -> RandomInit.createModel(small, "c", dir.resolve("small"), 1, SafeTensors.DType.F32, src));
        assertTrue(e.getMessage().contains("512 tokens") && e.getMessage().contains("400"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("small/model.safetensors")), "refused before writing weights");
    }

    /** A real size: SmolLM2-135M in F32 is 538 MB, written by streaming. */
    @Test
    @Tag("slow")
    void smolLm2SizedModelStreamsToDisk() throws IOException {
        Path m = init("smol", json(ModelConfigLoadingTest.SMOLLM2_135M), 1, SafeTensors.DType.F32);
        ModelConfig c = ModelConfig.load(m.resolve("config.json"));
        try (TensorSource src = TensorSource.open(m)) {
            TensorLayout.of(c).check(src);
            long elements = src.tensors().keySet().stream().mapToLong(n -> src.entry(n).elements()).sum();
            assertEquals(134_515_008L, elements);
            assertTrue(Files.size(m.resolve("model.safetensors")) > 4 * elements);
        }
    }
}
