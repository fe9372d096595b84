package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import tagllm.tensor.Matrix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The tensors of a model folder: one model.safetensors, or shards listed in model.safetensors.index.json. */
public final class TensorSource implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final List<SafeTensors> files = new ArrayList<>();
    private final Map<String, SafeTensors> byName = new LinkedHashMap<>();
    /** Hugging Face name → the name the file stores it under, where the two differ (see {@link #open(Path, ModelConfig)}). */
    private final Map<String, String> storedAs = new java.util.HashMap<>();
    /** model.safetensors.index.json when the weights are sharded, else null. */
    private Path index;

    private TensorSource(Path dir) { this.dir = dir; }

    public static TensorSource open(Path dir) throws IOException {
        TensorSource src = new TensorSource(dir);
        try {
            Path single = dir.resolve(SINGLE);
            Path index = dir.resolve(INDEX);
            if (Files.isRegularFile(single)) {
                src.add(SafeTensors.open(single));
            } else if (Files.isRegularFile(index)) {
                src.openShards(index);
            } else if (Files.exists(dir.resolve("pytorch_model.bin")) || Files.exists(dir.resolve("pytorch_model.bin.index.json"))) {
                throw new ModelFormatException(dir + ": has only PyTorch pickle weights (pytorch_model.bin); tagllm reads "
                        + "safetensors only — convert them (e.g. save_pretrained(..., safe_serialization=True))");
            } else {
                throw new ModelFormatException(dir + ": no " + SINGLE + " or " + INDEX);
            }
            return src;
        } catch (RuntimeException | IOException e) {
            src.close();
            throw e;
        }
    }

    /**
     * The tensors of a model folder under the names {@link Weights} and {@link TensorLayout} use, accepting the two
     * other layouts transformers loads into a causal LM: tensors saved from the base model without the "model."
     * prefix ("layers.0.…", "embed_tokens.weight"; transformers adds the prefix), and a tied model stored with only
     * "lm_head.weight" (transformers ties the embedding to it). Every check and error then speaks of the usual names.
     */
    public static TensorSource open(Path dir, ModelConfig c) throws IOException {
        TensorSource src = open(dir);
        src.useHuggingFaceNames(c);
        return src;
    }

    private static final String EMBED = "model.embed_tokens.weight", HEAD = "lm_head.weight";

    private void useHuggingFaceNames(ModelConfig c) {
        boolean prefixed = byName.keySet().stream().anyMatch(n -> n.startsWith("model."));
        boolean baseModel = !prefixed && byName.keySet().stream().anyMatch(n -> n.startsWith("layers.") || n.equals("embed_tokens.weight"));
        if (baseModel) {
            for (String n : List.copyOf(byName.keySet())) if (!n.equals(HEAD)) rename(n, "model." + n);
        }
        if (c.tieWordEmbeddings() && !byName.containsKey(EMBED) && byName.containsKey(HEAD)) rename(HEAD, EMBED);
    }

    private void rename(String stored, String name) {
        Map<String, SafeTensors> renamed = new LinkedHashMap<>();
        byName.forEach((n, st) -> renamed.put(n.equals(stored) ? name : n, st));
        byName.clear();
        byName.putAll(renamed);
        storedAs.put(name, storedAs.getOrDefault(stored, stored));
        storedAs.remove(stored);
    }

    /** The name a tensor has in its file. */
    private String stored(String name) { return storedAs.getOrDefault(name, name); }

    /** Shard file names from an index's weight_map, in first-use order (for downloads as well as loading). */
    public static List<String> shardNames(Path index) {
        JsonNode map = ModelConfig.readJson(index).get("weight_map");
        if (map == null || !map.isObject()) throw new ModelFormatException(index + ": missing 'weight_map' object");
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new ModelFormatException(index + ": weight_map entry '" + e.getKey() + "' must name a shard file");
            }
            String shard = e.getValue().asText();
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
                throw new ModelFormatException(index + ": shard name '" + shard + "' for '" + e.getKey() + "' is not a plain file name");
            }
            if (!names.contains(shard)) names.add(shard);
        }
        return names;
    }

    private void openShards(Path index) throws IOException {
        this.index = index;
        JsonNode map = ModelConfig.readJson(index).get("weight_map");
        Map<String, SafeTensors> shards = new LinkedHashMap<>();
        for (String shard : shardNames(index)) {
            Path p = dir.resolve(shard);
            if (!Files.isRegularFile(p)) throw new ModelFormatException(index + ": shard '" + shard + "' is missing (" + p + ")");
            SafeTensors st = SafeTensors.open(p);
            shards.put(shard, st);
            files.add(st);
        }
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            SafeTensors st = shards.get(e.getValue().asText());
            if (!st.has(e.getKey())) {
                throw new ModelFormatException(st.file() + ": missing tensor '" + e.getKey() + "' listed in " + index.getFileName());
            }
            byName.put(e.getKey(), st);
        }
        // transformers loads each shard whole, so a tensor stored twice is the last shard's copy there whatever the
        // weight_map says: which copy is the model is ambiguous, and the copies may differ
        for (Map.Entry<String, SafeTensors> s : shards.entrySet()) {
            for (String name : s.getValue().entries().keySet()) {
                SafeTensors listed = byName.get(name);
                if (listed != null && listed != s.getValue()) {
                    throw new ModelFormatException(index + ": tensor '" + name + "' is stored in both " + s.getKey() + " and "
                            + listed.file().getFileName() + " (the weight_map names " + listed.file().getFileName()
                            + "); keep one copy");
                }
            }
        }
    }

    private void add(SafeTensors st) {
        files.add(st);
        for (String n : st.entries().keySet()) byName.put(n, st);
    }

    public Path dir() { return dir; }

    public boolean has(String name) { return byName.containsKey(name); }

    public SafeTensors.Entry entry(String name) { return file(name).entry(stored(name)); }

    /** The file holding a tensor. */
    public Path fileOf(String name) { return file(name).file(); }

    private SafeTensors file(String name) {
        SafeTensors st = byName.get(name);
        if (st == null) {
            if (index != null) {
                // a shard holding a tensor the index does not list: "missing" from a file that holds it would mislead
                for (SafeTensors f : files) {
                    if (f.has(stored(name))) {
                        throw new ModelFormatException(index + ": tensor '" + name + "' is in " + f.file().getFileName()
                                + " but not in the weight_map (an incomplete index?)");
                    }
                }
            }
            String where = files.size() == 1 ? files.getFirst().file().toString() : dir.toString();
            throw new ModelFormatException(where + ": missing tensor '" + name + "'");
        }
        return st;
    }

    public Matrix matrix(String name, int rows, int cols) { return file(name).matrix(stored(name), rows, cols); }

    /** As {@link SafeTensors#matrix(String, int, int, boolean)}. */
    public Matrix matrix(String name, int rows, int cols, boolean asBf16) { return file(name).matrix(stored(name), rows, cols, asBf16); }

    /** As {@link SafeTensors#bf16ComputeMatrix}. */
    public Matrix bf16ComputeMatrix(String name, int rows, int cols) { return file(name).bf16ComputeMatrix(stored(name), rows, cols); }

    public float[] vector(String name, int length) { return file(name).vector(stored(name), length); }

    /** The stored bytes of a tensor (valid until close). */
    public java.lang.foreign.MemorySegment bytes(String name) { return file(name).bytes(stored(name)); }

    public Map<String, SafeTensors> tensors() { return Collections.unmodifiableMap(byName); }

    /** The opened safetensors files (one, or each shard). */
    public List<SafeTensors> files() { return Collections.unmodifiableList(files); }

    @Override
    public void close() { files.forEach(SafeTensors::close); }
}
