package tagllm.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes small tokenizer.json files for tests whose expected output is derived by hand. */
final class TokenizerJsonBuilder {
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    final ObjectNode root = F.objectNode();
    final ObjectNode model = F.objectNode();
    final ObjectNode vocab = F.objectNode();
    final ArrayNode merges = F.arrayNode();
    final ArrayNode added = F.arrayNode();
    private final Map<String, Integer> ids = new LinkedHashMap<>();

    TokenizerJsonBuilder() {
        root.put("version", "1.0");
        root.set("added_tokens", added);
        root.putNull("normalizer");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putNull("decoder");
        model.put("type", "BPE");
        model.putNull("unk_token");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.set("vocab", vocab);
        model.set("merges", merges);
        root.set("model", model);
    }

    /** The GPT-2 byte-level alphabet as ids 0..255, id = byte value. */
    TokenizerJsonBuilder byteAlphabet() {
        for (int b = 0; b < 256; b++) token(String.valueOf(ByteLevelAlphabet.charOf(b)));
        return this;
    }

    /** Adds a vocabulary entry with the next id (if new) and returns its id. */
    int token(String t) {
        return ids.computeIfAbsent(t, k -> {
            int id = ids.size();
            vocab.put(k, id);
            return id;
        });
    }

    /** Adds the merge "a b" and the merged token; returns the merged token's id. */
    int merge(String a, String b) {
        merges.add(a + " " + b);
        return token(a + b);
    }

    int addedToken(String content, boolean special, boolean normalized, boolean lstrip, boolean rstrip, boolean singleWord) {
        int id = ids.containsKey(content) ? ids.get(content) : token(content);
        ObjectNode t = added.addObject();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", singleWord);
        t.put("lstrip", lstrip);
        t.put("rstrip", rstrip);
        t.put("normalized", normalized);
        t.put("special", special);
        return id;
    }

    static ObjectNode component(String type) {
        ObjectNode n = F.objectNode();
        n.put("type", type);
        return n;
    }

    static ObjectNode byteLevel(boolean addPrefixSpace, boolean useRegex) {
        ObjectNode n = component("ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", true);
        n.put("use_regex", useRegex);
        return n;
    }

    static ObjectNode sequence(String type, String listField, ObjectNode... items) {
        ObjectNode n = component(type == null ? "Sequence" : type);
        ArrayNode a = n.putArray(listField);
        for (ObjectNode i : items) a.add(i);
        return n;
    }

    static ObjectNode regexSplit(String regex, String behavior) {
        ObjectNode n = component("Split");
        n.putObject("pattern").put("Regex", regex);
        n.put("behavior", behavior);
        n.put("invert", false);
        return n;
    }

    Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root));
        return p;
    }

    Tokenizer load(Path dir) throws IOException {
        return Tokenizer.load(write(dir));
    }
}
