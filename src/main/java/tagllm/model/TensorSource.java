package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import tagllm.tensor.Matrix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The tensors of a model folder: one model.safetensors, or shards listed in model.safetensors.index.json. */
public final class TensorSource implements AutoCloseable {
    private final Path dir;
    private final List<SafeTensors> files = new ArrayList<>();
    private final Map<String, SafeTensors> byName = new LinkedHashMap<>();

    private TensorSource(Path dir) { this.dir = dir; }

    public static TensorSource open(Path dir) throws IOException {
        TensorSource src = new TensorSource(dir);
        try {
            Path single = dir.resolve("model.safetensors");
            Path index = dir.resolve("model.safetensors.index.json");
            if (Files.isRegularFile(single)) {
                src.add(SafeTensors.open(single));
            } else if (Files.isRegularFile(index)) {
                JsonNode map;
                try {
                    map = new ObjectMapper().readTree(Files.readString(index)).get("weight_map");
                } catch (IOException e) {
                    throw new ModelFormatException(index + ": not valid JSON: " + e.getMessage());
                }
                if (map == null || !map.isObject()) throw new ModelFormatException(index + ": missing 'weight_map' object");
                Map<String, SafeTensors> shards = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : map.properties()) {
                    String shard = e.getValue().asText();
                    if (shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
                        throw new ModelFormatException(index + ": shard name '" + shard + "' for '" + e.getKey() + "' is not a plain file name");
                    }
                    if (!shards.containsKey(shard)) {
                        Path p = dir.resolve(shard);
                        if (!Files.isRegularFile(p)) throw new ModelFormatException(index + ": shard '" + shard + "' is missing");
                        SafeTensors st = SafeTensors.open(p);
                        shards.put(shard, st);
                        src.files.add(st);
                    }
                    SafeTensors st = shards.get(shard);
                    if (!st.has(e.getKey())) {
                        throw new ModelFormatException(dir.resolve(shard) + ": missing tensor '" + e.getKey() + "' listed in " + index.getFileName());
                    }
                    src.byName.put(e.getKey(), st);
                }
            } else {
                throw new ModelFormatException(dir + ": no model.safetensors or model.safetensors.index.json");
            }
            return src;
        } catch (RuntimeException | IOException e) {
            src.close();
            throw e;
        }
    }

    private void add(SafeTensors st) {
        files.add(st);
        for (String n : st.entries().keySet()) byName.put(n, st);
    }

    public boolean has(String name) { return byName.containsKey(name); }

    public SafeTensors.Entry entry(String name) { return file(name).entry(name); }

    private SafeTensors file(String name) {
        SafeTensors st = byName.get(name);
        if (st == null) throw new ModelFormatException(dir + ": missing tensor '" + name + "'");
        return st;
    }

    public Matrix matrix(String name, int rows, int cols) { return file(name).matrix(name, rows, cols); }

    public float[] vector(String name, int length) { return file(name).vector(name, length); }

    public Map<String, SafeTensors> tensors() { return byName; }

    @Override
    public void close() { files.forEach(SafeTensors::close); }
}
