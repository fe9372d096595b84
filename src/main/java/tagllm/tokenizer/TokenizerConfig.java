package tagllm.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fields of transformers' tokenizer_config.json that matter here: which strings are BOS and EOS,
 * and whether to add them (used only when tokenizer.json has no post-processor of its own; transformers 5 ignores
 * them whenever there is a tokenizer.json, transformers 4's LlamaTokenizerFast always rebuilds the post-processor
 * from them: docs/tokenizer.md).
 */
record TokenizerConfig(String bosToken, String eosToken, boolean addBosToken, boolean addEosToken) {
    static final TokenizerConfig NONE = new TokenizerConfig(null, null, false, false);

    static TokenizerConfig read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return NONE;
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(file + ": not valid JSON: " + TokenizerLoader.describe(e));
        }
        if (root == null || !root.isObject()) throw new TokenizerFormatException(file + ": expected a JSON object");
        return new TokenizerConfig(tokenString(root, "bos_token", file), tokenString(root, "eos_token", file),
                bool(root, "add_bos_token", file), bool(root, "add_eos_token", file));
    }

    /** A token given as a string or as an AddedToken object {"content": …}; null when absent. */
    private static String tokenString(JsonNode root, String field, Path file) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        if (n.isObject() && n.path("content").isTextual()) return n.get("content").asText();
        throw new TokenizerFormatException(file + ": " + field + " must be a string or an object with \"content\", got " + n);
    }

    private static boolean bool(JsonNode root, String field, Path file) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return false;
        if (!n.isBoolean()) throw new TokenizerFormatException(file + ": " + field + " must be true or false, got " + n);
        return n.asBoolean();
    }
}
