package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What `tagllm model inspect` reports about a model folder, read from its config, the safetensors headers
 * (no weight is read, so it is quick even for large models) and its tokenizer. {@code problem} is why loading would
 * refuse the model (the checks loading makes from the headers: tensors against config.json, shapes, dtypes, the
 * tokenizer against vocab_size), or null when it passes them.
 */
public record ModelInfo(String name, Path dir, ModelConfig config, Map<String, Integer> storedDtypes, long parameters,
                        int tensorFiles, long weightBytes, long bytesOnDisk, TokenizerSummary tokenizer,
                        GenerationConfig generation, String problem) {

    public record TokenizerSummary(String kind, int vocabSize, String bos, String eos, int addedTokens) {}

    public static ModelInfo inspect(Path dir, String name) throws IOException {
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir + ": no such model folder");
        ModelConfig c = ModelConfig.load(dir.resolve("config.json"));
        Map<String, Integer> dtypes = new TreeMap<>();
        long params = 0, weightBytes = 0;
        int files;
        String problem = null;
        // in loading's order, so the first problem named is the one loading names
        Tokenizer tok = tokenizerOf(dir);
        try {
            Model.requireTokenizerFits(dir, tok, c);
        } catch (ModelFormatException e) {
            problem = e.getMessage();
        }
        try (TensorSource src = TensorSource.open(dir, c)) {
            if (problem == null) {
                try {
                    WeightChecks.requireStructure(c, src);
                } catch (ModelFormatException e) {
                    problem = e.getMessage();
                }
            }
            // counted from what is there, so a model that will not load is still described
            for (TensorLayout.Tensor t : TensorLayout.of(c).tensors()) {
                if (src.has(t.name())) dtypes.merge(src.entry(t.name()).dtype().name(), 1, Integer::sum);
                params += t.elements();
            }
            for (SafeTensors st : src.files()) weightBytes += st.fileSize();
            files = src.files().size();
        }
        return new ModelInfo(name, dir, c, dtypes, params, files, weightBytes, folderBytes(dir), tokenizer(dir, tok),
                GenerationConfig.load(dir, c), problem);
    }

    /** Whether loading would accept the model, as far as the headers tell (the values are read only when loading). */
    public boolean loads() { return problem == null; }

    /** Sizes of the folder's files, following snapshot links into the Hub cache's blobs. */
    private static long folderBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    private static Tokenizer tokenizerOf(Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) throw Model.tokenizerJsonMissing(dir);
        return Tokenizer.load(dir);
    }

    private static TokenizerSummary tokenizer(Path dir, Tokenizer t) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        JsonNode root = ModelConfig.readJson(file);
        JsonNode model = root.path("model");
        String kind = model.path("type").asText("?");
        if (mentions(root.get("pre_tokenizer"), "ByteLevel") || mentions(root.get("decoder"), "ByteLevel")) kind += ", byte-level";
        else if (model.path("byte_fallback").asBoolean(false)) kind += ", byte fallback";
        if (mentions(root.get("pre_tokenizer"), "Metaspace") || mentions(root.get("normalizer"), "Prepend")) kind += ", metaspace";
        int added = root.path("added_tokens").size();
        return new TokenizerSummary(kind, t.vocabSize(), describe(t, t.bosId()), describe(t, t.eosId()), added);
    }

    private static boolean mentions(JsonNode n, String type) {
        if (n == null || n.isNull()) return false;
        if (type.equals(n.path("type").asText())) return true;
        for (JsonNode child : n) if (child.isContainerNode() && mentions(child, type)) return true;
        return false;
    }

    private static String describe(Tokenizer t, int id) {
        return id < 0 ? "none" : t.token(id) + " (" + id + ")";
    }

    public ObjectNode toJson() {
        ObjectMapper om = new ObjectMapper();
        ObjectNode n = om.createObjectNode();
        n.put("name", name);
        n.put("loads", problem == null);
        if (problem == null) n.putNull("problem");
        else n.put("problem", problem);
        n.put("path", dir.toAbsolutePath().normalize().toString());
        n.put("architecture", config.architecture());
        n.put("hidden_size", config.hiddenSize());
        n.put("num_hidden_layers", config.numLayers());
        n.put("num_attention_heads", config.numHeads());
        n.put("num_key_value_heads", config.numKvHeads());
        n.put("head_dim", config.headDim());
        n.put("intermediate_size", config.intermediateSize());
        n.put("vocab_size", config.vocabSize());
        n.put("max_position_embeddings", config.maxPositions());
        if (config.slidingWindow() != null) n.put("sliding_window", config.slidingWindow());
        else n.putNull("sliding_window");
        n.put("rms_norm_eps", config.rmsNormEps());
        n.put("tie_word_embeddings", config.tieWordEmbeddings());
        n.put("attention_bias", config.attentionBias());
        ObjectNode rope = n.putObject("rope");
        rope.put("theta", config.ropeTheta());
        if (config.ropeScaling() == null) rope.putNull("scaling");
        else {
            ObjectNode s = rope.putObject("scaling");
            s.put("type", config.ropeScaling().type());
            s.put("factor", config.ropeScaling().factor());
            if (config.ropeScaling().type().equals("llama3")) {
                s.put("low_freq_factor", config.ropeScaling().lowFreqFactor());
                s.put("high_freq_factor", config.ropeScaling().highFreqFactor());
                s.put("original_max_position_embeddings", config.ropeScaling().originalMaxPositions());
            }
        }
        ObjectNode dt = n.putObject("stored_dtypes");
        storedDtypes.forEach(dt::put);
        n.put("parameters", parameters);
        n.put("tensor_files", tensorFiles);
        n.put("weight_bytes", weightBytes);
        n.put("bytes_on_disk", bytesOnDisk);
        ObjectNode t = n.putObject("tokenizer");
        t.put("kind", tokenizer.kind());
        t.put("vocab_size", tokenizer.vocabSize());
        t.put("bos", tokenizer.bos());
        t.put("eos", tokenizer.eos());
        t.put("added_tokens", tokenizer.addedTokens());
        var eos = n.putArray("eos_token_ids");
        for (int e : generation.eosTokenIds()) eos.add(e);
        return n;
    }

    public String toText() {
        StringBuilder b = new StringBuilder();
        line(b, "model", name + "  (" + dir.toAbsolutePath().normalize() + ")");
        line(b, "architecture", config.architecture());
        line(b, "hidden size", config.hiddenSize());
        line(b, "layers", config.numLayers());
        line(b, "attention heads", config.numHeads() + " (kv heads " + config.numKvHeads() + ", head_dim " + config.headDim()
                + (config.groupSize() > 1 ? ", " + config.groupSize() + " queries per kv head" : "") + ")");
        line(b, "intermediate size", config.intermediateSize());
        line(b, "vocab size", config.vocabSize());
        line(b, "context", config.maxPositions() + (config.slidingWindow() != null ? " (sliding window " + config.slidingWindow() + ")" : ""));
        line(b, "rope", config.ropeSummary());
        line(b, "rms_norm_eps", config.rmsNormEps());
        line(b, "embeddings", config.tieWordEmbeddings() ? "tied (the LM head is embed_tokens)" : "untied (separate lm_head)");
        if (config.attentionBias()) line(b, "attention bias", "q/k/v");
        StringBuilder d = new StringBuilder();
        storedDtypes.forEach((k, v) -> d.append(d.isEmpty() ? "" : ", ").append(k).append(" (").append(v).append(" tensors)"));
        line(b, "stored dtype", d);
        line(b, "parameters", String.format(Locale.ROOT, "%,d (%s)", parameters, shortCount(parameters)));
        line(b, "weights on disk", DownloadProgress.human(weightBytes) + " in " + tensorFiles + " file" + (tensorFiles == 1 ? "" : "s")
                + " (folder " + DownloadProgress.human(bytesOnDisk) + ")");
        line(b, "tokenizer", tokenizer.kind() + ", " + tokenizer.vocabSize() + " tokens, bos " + tokenizer.bos()
                + ", eos " + tokenizer.eos() + ", " + tokenizer.addedTokens() + " added tokens");
        line(b, "eos ids", Arrays.toString(generation.eosTokenIds()));
        line(b, "loads", problem == null ? "yes (tensors, shapes and dtypes match config.json; values are read when loading)"
                : "NO: " + problem);
        return b.toString();
    }

    private static void line(StringBuilder b, String key, Object value) {
        b.append(String.format(Locale.ROOT, "%-18s %s%n", key, value));
    }

    private static String shortCount(long n) {
        if (n >= 1_000_000_000L) return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        if (n >= 1_000_000L) return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        if (n >= 1_000L) return String.format(Locale.ROOT, "%.1fK", n / 1e3);
        return Long.toString(n);
    }
}
