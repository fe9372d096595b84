package tagllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a tag file records of the tokenizer its tags were trained with: SHA-256 of a canonical form of tokenizer.json
 * (objects with their keys sorted, no whitespace; arrays such as merges keep their order, which is meaningful) together
 * with the tokenizer_config.json fields the loader reads (bos_token, eos_token, add_bos_token, add_eos_token). Raw bytes
 * would refuse a file only re-saved with other indentation or key order, which tokenizes the same; a changed vocabulary,
 * merge, normalizer, pre-tokenizer, post-processor or added token changes the hash. The top-level padding, truncation and
 * version are left out: tagllm's tokenizer reads none of them, and a save_pretrained after a padded or truncated call
 * writes them without changing a token id. {@code parts} hashes each top-level section apart, so that a refusal can say
 * which one differs.
 */
public record TokenizerIdentity(String sha256, Map<String, String> parts) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] CONFIG_FIELDS = {"bos_token", "eos_token", "add_bos_token", "add_eos_token"};
    private static final java.util.Set<String> NOT_READ = java.util.Set.of("padding", "truncation", "version");

    public TokenizerIdentity {
        parts = Map.copyOf(parts);
    }

    /**
     * The identity of the tokenizer.json {@code tokenizer} was loaded from (and the tokenizer_config.json beside it);
     * null for none, or one not loaded from a file (nothing is then recorded or checked).
     */
    public static TokenizerIdentity of(Tokenizer tokenizer) {
        if (tokenizer == null || tokenizer.source() == null || !Files.isRegularFile(tokenizer.source())) return null;
        try {
            return of(tokenizer.source());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading " + tokenizer.source() + " again for its identity", e);
        }
    }

    /** The identity of a tokenizer.json file (or a model folder holding one). */
    public static TokenizerIdentity of(Path tokenizerJsonOrDir) throws IOException {
        Path json = Files.isDirectory(tokenizerJsonOrDir) ? tokenizerJsonOrDir.resolve("tokenizer.json") : tokenizerJsonOrDir;
        JsonNode root = JSON.readTree(Files.readString(json));
        if (root != null && root.isObject()) {
            root = root.deepCopy();
            ((ObjectNode) root).remove(NOT_READ);
        }
        ObjectNode config = JSON.createObjectNode();
        Path parent = json.toAbsolutePath().getParent();
        Path configFile = parent == null ? null : parent.resolve("tokenizer_config.json");
        if (configFile != null && Files.isRegularFile(configFile)) {
            JsonNode c = JSON.readTree(Files.readString(configFile));
            for (String f : CONFIG_FIELDS) if (c != null && c.has(f)) config.set(f, c.get(f));
        }
        Map<String, String> parts = new TreeMap<>();
        if (root != null && root.isObject()) root.properties().forEach(e -> parts.put(e.getKey(), sha256(canonical(e.getValue())).substring(0, 16)));
        parts.put("tokenizer_config", sha256(canonical(config)).substring(0, 16));
        return new TokenizerIdentity(sha256(canonical(root) + "\n" + canonical(config)), parts);
    }

    /** The sections whose hashes differ or that only one side has; empty when either side records no parts. */
    public List<String> differingParts(TokenizerIdentity other) {
        List<String> out = new ArrayList<>();
        if (parts.isEmpty() || other.parts.isEmpty()) return out;
        TreeMap<String, String> all = new TreeMap<>(parts);
        other.parts.forEach(all::putIfAbsent);
        for (String k : all.keySet()) if (!java.util.Objects.equals(parts.get(k), other.parts.get(k))) out.add(k);
        return out;
    }

    /** Compact JSON with every object's keys in sorted order. */
    static String canonical(JsonNode n) {
        if (n == null) return "null";
        if (n.isObject()) {
            StringBuilder b = new StringBuilder("{");
            new TreeMap<String, JsonNode>(toMap(n)).forEach((k, v) -> {
                if (b.length() > 1) b.append(',');
                b.append(JSON.getNodeFactory().textNode(k).toString()).append(':').append(canonical(v));
            });
            return b.append('}').toString();
        }
        if (n.isArray()) {
            StringBuilder b = new StringBuilder("[");
            for (JsonNode v : n) {
                if (b.length() > 1) b.append(',');
                b.append(canonical(v));
            }
            return b.append(']').toString();
        }
        return n.toString();
    }

    private static Map<String, JsonNode> toMap(JsonNode n) {
        Map<String, JsonNode> m = new TreeMap<>();
        n.properties().forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
