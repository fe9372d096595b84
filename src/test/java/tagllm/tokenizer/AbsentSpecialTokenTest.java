package tagllm.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.ModelCopies;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A BOS/EOS token that tokenizer_config.json (or tokenizer.json's post-processor) names but the vocabulary lacks used to
 * load silently: bosId()/eosId() became -1 (or the post-processor's id was emitted as written), where transformers adds
 * the token with a new id past the vocabulary, a row the model's embedding does not have. It is now refused at load.
 */
class AbsentSpecialTokenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    // the jar's own stories260K: the test runs without ../shared too (it failed there, not skipped)
    private static final Path MODEL = tagllm.embedded.EmbeddedSamples.model();

    @TempDir
    Path dir;

    private Path copyWithConfig(String field, String token) throws IOException {
        Path copy = ModelCopies.copy(MODEL, dir.resolve("model"));
        Path cfg = copy.resolve("tokenizer_config.json");
        cfg.toFile().setWritable(true);
        ObjectNode c = (ObjectNode) JSON.readTree(cfg.toFile());
        c.put(field, token);
        Files.writeString(cfg, JSON.writeValueAsString(c));
        return copy;
    }

    private static void contains(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "\"" + message + "\" should mention " + p);
    }

    @Test
    void theSharedConfigLoadsWithItsOwnTokens() throws IOException {
        Tokenizer t = Tokenizer.load(copyWithConfig("bos_token", "<s>"));
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
    }

    @Test
    void aConfigBosTokenMissingFromTheVocabularyIsRefused() throws IOException {
        Path copy = copyWithConfig("bos_token", "<|begin_of_text|>");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(copy));
        contains(e.getMessage(), copy.resolve("tokenizer_config.json").toString(), "bos_token", "\"<|begin_of_text|>\"", "model.vocab", "added_tokens");
    }

    @Test
    void aConfigEosTokenMissingFromTheVocabularyIsRefusedEvenWhenNeverAdded() throws IOException {
        // add_eos_token is false: encode never adds it, but eosId() ends template outputs and generation
        Path copy = copyWithConfig("eos_token", "<|im_end|>");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(copy));
        contains(e.getMessage(), "tokenizer_config.json", "eos_token", "\"<|im_end|>\"");
    }

    @Test
    void aPostProcessorSpecialTokenIdOutsideTheVocabularyIsRefused() throws IOException {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]},"
                + "\"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": \"<s> $A\","
                + "\"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [7], \"tokens\": [\"<s>\"]}}}}");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        contains(e.getMessage(), f.toString(), "post_processor.special_tokens[\"<s>\"]", "7", "model.vocab", "added_tokens");
    }

    @Test
    void aPostProcessorSpecialTokenWhoseIdIsAnotherTokenIsRefused() throws IOException {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]},"
                + "\"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": \"<s> $A\","
                + "\"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [0], \"tokens\": [\"<s>\"]}}}}");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        contains(e.getMessage(), f.toString(), "post_processor.special_tokens[\"<s>\"]", "\"<s>\"", "\"a\"");
    }

    @Test
    void aRobertaClsTokenOutsideTheVocabularyIsRefused() throws IOException {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]},"
                + "\"post_processor\": {\"type\": \"RobertaProcessing\", \"cls\": [\"<s>\", 5], \"sep\": [\"b\", 1]}}");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        contains(e.getMessage(), f.toString(), "post_processor.cls", "\"<s>\"", "5");
    }
}
