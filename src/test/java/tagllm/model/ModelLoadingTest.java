package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tensor.Matrix;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ModelLoadingTest {
    @TempDir
    Path tmp;

    /** Parameter counts and stored dtypes as ../shared/models/README.md and the fixtures state them. */
    static final Map<String, Long> PARAMS = Map.of("stories260K", 260_032L, "tiny-llama-gqa", 123_216L, "tiny-llama-tied", 127_296L);

    private Path copy(String model) throws IOException {
        Path src = Shared.model(model), dst = tmp.resolve(model);
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) Files.copy(p, dst.resolve(p.getFileName()));
        }
        return dst;
    }

    private static ModelFormatException fails(Path dir) {
        return assertThrows(ModelFormatException.class, () -> Model.load(dir));
    }

    @Test
    void loadsTheSharedModels() throws IOException {
        for (String name : PARAMS.keySet()) {
            Model m = Model.load(Shared.model(name));
            assertEquals(name, m.name());
            JsonNode golden = new ObjectMapper().readTree(Files.readString(Shared.fixture(name + ".golden.json")));
            String dtype = golden.get("weights_dtype").get(0).asText();
            Matrix.Storage expected = dtype.equals("BF16") ? Matrix.Storage.BF16 : Matrix.Storage.F32;
            Weights w = m.weights();
            assertEquals(expected, w.embedTokens().storage(), name);
            assertEquals(expected, w.layers()[0].q().storage(), name);
            long params = (long) w.embedTokens().rows() * w.embedTokens().cols() + w.finalNorm().length;
            for (LayerWeights l : w.layers()) {
                for (Matrix x : l.matrices()) params += (long) x.rows() * x.cols();
                params += l.inputNorm().length + l.postAttentionNorm().length;
            }
            if (w.lmHead() != w.embedTokens()) params += (long) w.lmHead().rows() * w.lmHead().cols();
            assertEquals(PARAMS.get(name), params, name);
            assertEquals(PARAMS.get(name), m.config().parameterCount(), name);
            assertEquals(golden.get("config").get("tie_word_embeddings").asBoolean(), w.lmHead() == w.embedTokens(), name);
            assertEquals(512, m.tokenizer().vocabSize());
            assertArrayEquals(new int[]{2}, m.generation().eosTokenIds());
            assertTrue(m.generation().isEos(2));
            assertEquals(1, m.generation().bosTokenId());
        }
    }

    @Test
    void loadsByFolderNameString() throws IOException {
        Model m = Model.load(Shared.model("stories260K").toString());
        assertEquals("stories260K", m.name());
        assertEquals(64, m.config().hiddenSize());
        assertNotNull(m.dir());
    }

    @Test
    void fingerprintIsStableAndTellsModelsApart() throws IOException {
        String a = Model.load(Shared.model("stories260K")).fingerprint();
        assertEquals(a, Model.load(copy("stories260K")).fingerprint(), "the same model, elsewhere");
        assertEquals(64, a.length());
        String gqa = Model.load(Shared.model("tiny-llama-gqa")).fingerprint();
        String tied = Model.load(Shared.model("tiny-llama-tied")).fingerprint();
        assertNotEquals(a, gqa);
        assertNotEquals(a, tied);
        assertNotEquals(gqa, tied);

        // one embedding value changed: another model
        Path changed = tmp.resolve("changed");
        Files.createDirectories(changed);
        Path src = copy("tiny-llama-gqa");
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) Files.copy(src.resolve(f), changed.resolve(f));
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
        try (SafeTensors st = SafeTensors.open(src.resolve("model.safetensors"))) {
            for (var e : st.entries().values()) {
                float[] v = st.readF32(e.name());
                if (e.name().equals("model.embed_tokens.weight")) v[1000] += 0.5f;
                w.addF32(e.name(), v, e.shape());
            }
        }
        w.write(changed.resolve("model.safetensors"));
        assertNotEquals(gqa, Model.load(changed).fingerprint());
    }

    /** The same tensors split over two shards with an index: the same weights and the same fingerprint. */
    @Test
    void loadsShardedWeights() throws IOException {
        Path src = Shared.model("tiny-llama-gqa");
        Path dst = copy("tiny-llama-gqa");
        Files.delete(dst.resolve("model.safetensors"));
        ObjectNode index = new ObjectMapper().createObjectNode();
        index.putObject("metadata").put("total_size", 0);
        ObjectNode map = index.putObject("weight_map");
        SafeTensorsWriter a = new SafeTensorsWriter(), b = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(src.resolve("model.safetensors"))) {
            int i = 0;
            for (var e : st.entries().values()) {
                boolean first = i++ % 2 == 0;
                (first ? a : b).addF32(e.name(), st.readF32(e.name()), e.shape());
                map.put(e.name(), first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
        }
        a.write(dst.resolve("model-00001-of-00002.safetensors"));
        b.write(dst.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dst.resolve(TensorSource.INDEX), index.toString());
        Model orig = Model.load(src), sharded = Model.load(dst);
        assertEquals(orig.fingerprint(), sharded.fingerprint());
        assertArrayEquals(orig.weights().lmHead().toF32(), sharded.weights().lmHead().toF32());
        assertArrayEquals(orig.weights().layers()[2].down().toF32(), sharded.weights().layers()[2].down().toF32());

        // a tensor the shard holds but the weight_map leaves out is named as such, not as missing from that shard
        ObjectNode partial = index.deepCopy();
        ((ObjectNode) partial.get("weight_map")).remove("lm_head.weight");
        Files.writeString(dst.resolve(TensorSource.INDEX), partial.toString());
        String unlisted = fails(dst).getMessage();
        assertTrue(unlisted.startsWith(dst.resolve(TensorSource.INDEX).toString()) && unlisted.contains("'lm_head.weight' is in model-0000")
                && unlisted.contains("not in the weight_map"), unlisted);
        Files.writeString(dst.resolve(TensorSource.INDEX), index.toString());

        // a tensor stored in two shards: transformers loads every shard whole, so the last shard's copy wins there
        // whatever the weight_map says; which copy is the model is ambiguous, so it is refused naming both shards
        SafeTensorsWriter dup = new SafeTensorsWriter();
        String listedInB = null;
        try (SafeTensors sa = SafeTensors.open(dst.resolve("model-00001-of-00002.safetensors"));
             SafeTensors sb = SafeTensors.open(dst.resolve("model-00002-of-00002.safetensors"))) {
            for (var e : sa.entries().values()) dup.addF32(e.name(), sa.readF32(e.name()), e.shape());
            var moved = sb.entries().values().iterator().next();
            listedInB = moved.name();
            float[] other = sb.readF32(moved.name());
            for (int k = 0; k < other.length; k++) other[k] += 1f; // a different copy
            dup.addF32(moved.name(), other, moved.shape());
        }
        Path shardA = dst.resolve("model-00001-of-00002.safetensors");
        byte[] original = Files.readAllBytes(shardA);
        dup.write(shardA);
        String twice = fails(dst).getMessage();
        assertTrue(twice.startsWith(dst.resolve(TensorSource.INDEX).toString()) && twice.contains("'" + listedInB + "'")
                && twice.contains("model-00001-of-00002.safetensors") && twice.contains("model-00002-of-00002.safetensors"), twice);
        Files.write(shardA, original);

        Files.delete(dst.resolve("model-00002-of-00002.safetensors"));
        var e = fails(dst);
        assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors") && e.getMessage().contains("missing"), e.getMessage());
    }

    /**
     * transformers 5 writes the rope settings as one rope_parameters object and no top-level rope_theta.
     * tiny-llama-tied's theta is 1000, not the default 10000: its config rewritten that way must still give the
     * float64 reference's logits (it gave a difference of 2.4 when rope_parameters was ignored).
     */
    @Test
    void transformers5RopeParametersGiveTheReferenceLogits() throws IOException {
        Path dst = copy("tiny-llama-tied");
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(Files.readString(dst.resolve("config.json")));
        double theta = cfg.remove("rope_theta").asDouble();
        assertEquals(1000.0, theta);
        cfg.remove("rope_scaling");
        cfg.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", theta);
        Files.writeString(dst.resolve("config.json"), cfg.toString());
        Model m = Model.load(dst);
        assertEquals(1000.0, m.config().ropeTheta());
        assertEquals(Model.load(Shared.model("tiny-llama-tied")).fingerprint(), m.fingerprint(), "the same model");
        Transformer t = new Transformer(m.weights());
        JsonNode prompt = new ObjectMapper().readTree(Files.readString(Shared.fixture("tiny-llama-tied.golden.json"))).get("prompts").get(0);
        int[] ids = GoldenFile.ints(prompt.get("ids"));
        ForwardPass p = t.forward(PackedBatch.single(m.config().hiddenSize(), t.embed(ids)), false);
        GoldenFile.assertArrayClose(GoldenFile.doubles(prompt.get("logits_last")), t.logits(p.normed(), ids.length - 1), 1e-4, 0,
                "logits_last with rope_parameters");
    }

    /**
     * Layouts transformers loads into a causal LM: a tied model stored with only lm_head.weight (the embedding is
     * tied to it), and tensors saved without the "model." prefix (a base model's save_pretrained). Each gives the
     * float64 reference's logits and the original's fingerprint.
     */
    @Test
    void tiedHeadOnlyAndUnprefixedNamesGiveTheReferenceLogits() throws IOException {
        Path headOnly = copy("tiny-llama-tied");
        renameTensors(headOnly, n -> n.equals("model.embed_tokens.weight") ? "lm_head.weight" : n);
        assertReferenceLogits(headOnly, "tiny-llama-tied");
        Path unprefixed = copy("tiny-llama-gqa");
        renameTensors(unprefixed, n -> n.startsWith("model.") ? n.substring("model.".length()) : n);
        assertReferenceLogits(unprefixed, "tiny-llama-gqa");
        Path tiedUnprefixed = tmp.resolve("tied-unprefixed");
        Files.move(headOnly, tiedUnprefixed);
        renameTensors(tiedUnprefixed, n -> n.startsWith("model.") ? n.substring("model.".length()) : n);
        assertReferenceLogits(tiedUnprefixed, "tiny-llama-tied");
        // an untied model still needs its own head: the embedding is not taken for it
        Path untiedHeadOnly = tmp.resolve("untied-head-only");
        Files.createDirectories(untiedHeadOnly);
        try (Stream<Path> s = Files.list(unprefixed)) {
            for (Path p : s.toList()) Files.copy(p, untiedHeadOnly.resolve(p.getFileName()));
        }
        renameTensors(untiedHeadOnly, n -> n.equals("embed_tokens.weight") ? null : n);
        assertTrue(fails(untiedHeadOnly).getMessage().contains("missing tensor 'model.embed_tokens.weight'"));
    }

    private void assertReferenceLogits(Path dir, String original) throws IOException {
        Model m = Model.load(dir);
        assertEquals(Model.load(Shared.model(original)).fingerprint(), m.fingerprint(), "the same model");
        Transformer t = new Transformer(m.weights());
        JsonNode prompt = new ObjectMapper().readTree(Files.readString(Shared.fixture(original + ".golden.json"))).get("prompts").get(0);
        int[] ids = GoldenFile.ints(prompt.get("ids"));
        ForwardPass p = t.forward(PackedBatch.single(m.config().hiddenSize(), t.embed(ids)), false);
        GoldenFile.assertArrayClose(GoldenFile.doubles(prompt.get("logits_last")), t.logits(p.normed(), ids.length - 1), 1e-4, 0,
                "logits_last of " + dir.getFileName());
    }

    /** Rewrites dir/model.safetensors with each tensor renamed (dropped for null), keeping its dtype and values. */
    private static void renameTensors(Path dir, java.util.function.UnaryOperator<String> rename) throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(f)) {
            for (var e : st.entries().values()) {
                String to = rename.apply(e.name());
                if (to == null) continue;
                switch (e.dtype()) {
                    case F32 -> w.addF32(to, st.readF32(e.name()), e.shape());
                    case BF16 -> w.addBf16(to, st.readF32(e.name()), e.shape());
                    default -> throw new IllegalStateException(e.dtype().toString());
                }
            }
        }
        Files.write(f, w.toBytes());
    }

    @Test
    void f16WeightsAreUpcastToF32() throws IOException {
        Path dst = copy("tiny-llama-gqa");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(Shared.model("tiny-llama-gqa").resolve("model.safetensors"))) {
            for (var e : st.entries().values()) w.addF16(e.name(), st.readF32(e.name()), e.shape());
        }
        w.write(dst.resolve("model.safetensors"));
        Model orig = Model.load(Shared.model("tiny-llama-gqa")), half = Model.load(dst);
        Matrix q = half.weights().layers()[1].q();
        assertEquals(Matrix.Storage.F32, q.storage());
        float[] a = orig.weights().layers()[1].q().toF32(), b = q.toF32();
        for (int i = 0; i < a.length; i++) assertEquals(Float.float16ToFloat(Float.floatToFloat16(a[i])), b[i]);
    }

    @Test
    void generationConfigOverridesConfigIds() throws IOException {
        Path dst = copy("stories260K");
        Files.writeString(dst.resolve("generation_config.json"),
                "{\"bos_token_id\": 1, \"eos_token_id\": [2, 0], \"do_sample\": true, \"temperature\": 0.7, \"top_p\": 0.9}");
        GenerationConfig g = Model.load(dst).generation();
        assertArrayEquals(new int[]{2, 0}, g.eosTokenIds());
        assertEquals(0.7, g.temperature());
        assertEquals(0.9, g.topP());
        assertEquals(Boolean.TRUE, g.doSample());
        Files.delete(dst.resolve("generation_config.json"));
        assertArrayEquals(new int[]{2}, Model.load(dst).generation().eosTokenIds());
        Files.writeString(dst.resolve("generation_config.json"), "{\"eos_token_id\": 9999}");
        var e = fails(dst);
        assertTrue(e.getMessage().contains("generation_config.json") && e.getMessage().contains("eos_token_id"), e.getMessage());
    }

    @Test
    void malformedConfigNamesTheFile() throws IOException {
        Path dst = copy("stories260K");
        Files.writeString(dst.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64");
        var e = fails(dst);
        assertTrue(e.getMessage().contains(dst.resolve("config.json").toString()) && e.getMessage().contains("JSON"), e.getMessage());
    }

    @Test
    void malformedTokenizerNamesTheFile() throws IOException {
        Path dst = copy("stories260K");
        Files.writeString(dst.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}");
        var e = fails(dst);
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());

        // a broken tokenizer_config.json is named alone, not put after tokenizer.json as if that file were broken
        Path cfg = copy("tiny-llama-gqa");
        Files.writeString(cfg.resolve("tokenizer_config.json"), "{");
        String m = fails(cfg).getMessage();
        assertTrue(m.startsWith(cfg.resolve("tokenizer_config.json") + ": ") && !m.contains("tokenizer.json"), m);
    }

    /**
     * A folder with only the slow tokenizer's files (tokenizer.model, vocab.json + merges.txt) says which it found and
     * how to write tokenizer.json, from loading and from model inspect alike.
     */
    @Test
    void missingFastTokenizerNamesTheSlowFilesFound() throws IOException {
        Path sp = copy("stories260K"); // has tokenizer.model
        Files.delete(sp.resolve("tokenizer.json"));
        String load = fails(sp).getMessage();
        String inspect = assertThrows(ModelFormatException.class, () -> ModelInfo.inspect(sp, "x")).getMessage();
        for (String m : List.of(load, inspect)) {
            assertTrue(m.startsWith(sp.resolve("tokenizer.json") + ": file not found") && m.contains("tokenizer.model")
                    && m.contains("save_pretrained"), m);
        }
        Path bpe = copy("tiny-llama-gqa");
        Files.delete(bpe.resolve("tokenizer.json"));
        Files.writeString(bpe.resolve("vocab.json"), "{}");
        Files.writeString(bpe.resolve("merges.txt"), "");
        String m = fails(bpe).getMessage();
        assertTrue(m.contains("vocab.json") && m.contains("save_pretrained"), m);
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        for (String f : List.of("config.json", "tokenizer.json", "model.safetensors")) {
            Path dst = copy("stories260K");
            Files.delete(dst.resolve(f));
            var e = fails(dst);
            assertTrue(e.getMessage().contains(f.equals("model.safetensors") ? "no model.safetensors" : f), f + ": " + e.getMessage());
            assertTrue(e.getMessage().contains(dst.toString()), e.getMessage());
            deleteTree(dst);
        }
        var none = fails(tmp.resolve("nothing-here"));
        assertTrue(none.getMessage().contains("no such model folder"));
        var str = assertThrows(ModelFormatException.class, () -> Model.load(tmp.resolve("not/here/either").toString()));
        assertTrue(str.getMessage().contains("not/here/either"), str.getMessage());
    }

    @Test
    void missingTensorAndWrongShapeAreNamed() throws IOException {
        Path dst = copy("tiny-llama-gqa");
        rewrite(dst, "model.layers.1.mlp.up_proj.weight", null);
        var missing = fails(dst);
        assertTrue(missing.getMessage().contains("'model.layers.1.mlp.up_proj.weight'") && missing.getMessage().contains("missing"),
                missing.getMessage());
        // an untied config without lm_head.weight: the message points at tie_word_embeddings
        Path untied = copy("stories260K");
        String cfg = Files.readString(untied.resolve("config.json"));
        Files.writeString(untied.resolve("config.json"), cfg.replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));
        String head = fails(untied).getMessage();
        assertTrue(head.contains("missing tensor 'lm_head.weight'") && head.contains("tie_word_embeddings"), head);
        Path dst2 = tmp.resolve("shape");
        Files.createDirectories(dst2);
        for (String f : List.of("config.json", "tokenizer.json")) Files.copy(dst.resolve(f), dst2.resolve(f));
        Files.copy(Shared.model("tiny-llama-gqa").resolve("model.safetensors"), dst2.resolve("model.safetensors"));
        rewrite(dst2, "model.layers.0.self_attn.k_proj.weight", new long[]{48, 16});
        var shape = fails(dst2);
        assertTrue(shape.getMessage().contains("'model.layers.0.self_attn.k_proj.weight'") && shape.getMessage().contains("[48, 16]")
                && shape.getMessage().contains("model.safetensors"), shape.getMessage());
    }

    @Test
    void truncatedWeightsNameTheFile() throws IOException {
        Path dst = copy("stories260K");
        Path f = dst.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
        var e = fails(dst);
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("outside the data section"), e.getMessage());
    }

    @Test
    void tokenizerOfABiggerVocabularyIsRefused() throws IOException {
        Path dst = copy("stories260K");
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(Files.readString(dst.resolve("config.json")));
        cfg.put("vocab_size", 300);
        Files.writeString(dst.resolve("config.json"), cfg.toString());
        var e = fails(dst);
        assertTrue(e.getMessage().contains("512 tokens") && e.getMessage().contains("vocab_size is 300"), e.getMessage());
    }

    @Test
    void generatedTokenizerRoundTripsThroughTheRealTokenizer() throws IOException {
        Path out = tmp.resolve("rand");
        RandomInit.createModel((ObjectNode) new ObjectMapper().readTree(RandomInitTest.SMALL), "c", out, 3, SafeTensors.DType.BF16, null);
        Model m = Model.load(out);
        assertEquals(4096, m.tokenizer().vocabSize());
        assertEquals(1, m.tokenizer().bosId());
        assertEquals(2, m.tokenizer().eosId());
        for (String text : List.of("Hello world", "CC(=O)Oc1ccccc1C(=O)O", "naïve café — Ελληνικά, русский 123", "tabs\tand\nlines")) {
            int[] ids = m.tokenizer().encode(text);
            assertEquals(1, ids[0], "BOS first");
            for (int id : ids) assertTrue(id >= 0 && id < 4096);
            assertEquals(text, m.tokenizer().decode(ids, true), text);
        }
        assertEquals(Matrix.Storage.BF16, m.weights().embedTokens().storage());
    }

    /** Replaces one tensor of dir/model.safetensors with a zero tensor of another shape, or drops it (shape null). */
    private static void rewrite(Path dir, String name, long[] shape) throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(f)) {
            for (var e : st.entries().values()) {
                if (!e.name().equals(name)) w.addF32(e.name(), st.readF32(e.name()), e.shape());
                else if (shape != null) w.addF32(name, new float[(int) (shape[0] * shape[1])], shape);
            }
        }
        Files.write(f, w.toBytes());
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
