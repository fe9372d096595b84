package tagllm.testutil;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Copies of a model folder for tests that need the same weights beside another tokenizer. */
public final class ModelCopies {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelCopies() {}

    /** The folder's plain files copied to {@code to} (created), tokenizer.json writable (../shared may be read-only). */
    public static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
        to.resolve("tokenizer.json").toFile().setWritable(true);
        return to;
    }

    /**
     * Swaps the first two BPE merges of {@code model}'s tokenizer.json in place: the weights (and so the model's
     * fingerprint) stay, but some words get other token ids, which is what a tag file's tokenizer identity must see.
     */
    public static Path swapFirstTwoMerges(Path model) throws IOException {
        Path file = model.resolve("tokenizer.json");
        ObjectNode tok = (ObjectNode) JSON.readTree(file.toFile());
        ArrayNode merges = (ArrayNode) tok.path("model").path("merges");
        JsonNode first = merges.get(0);
        merges.set(0, merges.get(1));
        merges.set(1, first);
        Files.writeString(file, JSON.writeValueAsString(tok));
        return model;
    }
}
