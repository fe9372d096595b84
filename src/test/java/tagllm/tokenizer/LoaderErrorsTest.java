package tagllm.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad or unsupported tokenizer files are refused with a message naming the file and the component. */
class LoaderErrorsTest {
    @TempDir
    Path dir;

    private String refused(String json) throws IOException {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, json);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        assertTrue(e.getMessage().contains(f.toString()), "names the file: " + e.getMessage());
        return e.getMessage();
    }

    private static void contains(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "\"" + message + "\" should mention " + p);
    }

    private static String bpe(String extra) {
        return "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]}" + extra + "}";
    }

    @Test
    void malformedJson() throws IOException {
        contains(refused("{\"model\": {\"type\": \"BPE\", \"vocab\": {"), "not valid JSON", "line");
        contains(refused("[1, 2]"), "JSON object");
    }

    @Test
    void unsupportedModelTypes() throws IOException {
        contains(refused("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}}"), "model.type", "Unigram", "not supported");
        contains(refused("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}"), "model.type", "WordPiece");
        contains(refused("{\"normalizer\": null}"), "model", "missing");
    }

    @Test
    void missingOrBrokenVocabularyAndMerges() throws IOException {
        contains(refused("{\"model\": {\"type\": \"BPE\", \"merges\": []}}"), "model.vocab", "missing");
        contains(refused("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"zero\"}, \"merges\": []}}"), "model.vocab[\"a\"]", "integer");
        contains(refused("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}}"), "model.merges", "missing");
        contains(refused("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}"),
                "model.merges[0]", "\"ab\"", "not in model.vocab");
        contains(refused("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a c\"]}}"), "model.merges[0]", "\"c\"");
        contains(refused("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a a a\"]}}"), "model.merges[0]", "two tokens");
    }

    /** One vocabulary id of 2e9 (the rest dense from 0) used to be taken: the id table then took 8 GB and most of a minute. */
    @Test
    void aVocabularyIdFarBeyondAnyRealVocabularyIsRefused() throws IOException {
        contains(refused("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2000000000}, \"merges\": [\"a b\"]}}"),
                "model.vocab[\"ab\"]", "2000000000");
        // ids up to the bound (2^24 - 1) load, gaps and all: tokenizers takes sparse ids
        Path f = dir.resolve("sparse.json");
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 16777215}, \"merges\": [\"a b\"]}}");
        Tokenizer t = Tokenizer.load(f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[]{16777215, 0}, t.encode("aba", false));
    }

    @Test
    void unsupportedComponentsAreNamedWithTheirPath() throws IOException {
        contains(refused(bpe(", \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}, {\"type\": \"BertNormalizer\"}]}")),
                "normalizer.normalizers[1]", "BertNormalizer", "not supported");
        contains(refused(bpe(", \"pre_tokenizer\": {\"type\": \"UnicodeScripts\"}")), "pre_tokenizer", "UnicodeScripts");
        contains(refused(bpe(", \"decoder\": {\"type\": \"WordPiece\", \"prefix\": \"##\"}")), "decoder", "WordPiece");
        contains(refused(bpe(", \"post_processor\": {\"type\": \"Weird\"}")), "post_processor", "Weird");
        contains(refused(bpe(", \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(a\"}, \"behavior\": \"Isolated\", \"invert\": false}")),
                "pre_tokenizer.pattern", "(a");
        contains(refused(bpe(", \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"a\"}, \"behavior\": \"Sideways\", \"invert\": false}")),
                "pre_tokenizer.behavior", "Sideways");
        contains(refused(bpe(", \"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}], \"special_tokens\": {}}")),
                "post_processor.single[0]", "<s>");
        contains(refused(bpe(", \"added_tokens\": [{\"id\": 5}]")), "added_tokens[0].content", "missing");
    }

    @Test
    void unknownTokenMissingFromTheVocabularyFailsOnlyWhenNeeded() throws IOException {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [], \"unk_token\": \"<unk>\"}}");
        Tokenizer tok = Tokenizer.load(f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[]{0, 0}, tok.encode("aa"));
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> tok.encode("ab"));
        contains(e.getMessage(), f.toString(), "model.unk_token", "<unk>");
    }

    @Test
    void missingFiles() throws IOException {
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> Tokenizer.load(dir));
        contains(e.getMessage(), "tokenizer.json", dir.toString());
        Files.writeString(dir.resolve("tokenizer.model"), "binary");
        e = assertThrows(FileNotFoundException.class, () -> Tokenizer.load(dir));
        contains(e.getMessage(), "tokenizer.model", "SentencePiece");
    }

    @Test
    void badTokenizerConfig() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), bpe(""));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": \"yes\"}");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(dir));
        contains(e.getMessage(), "tokenizer_config.json", "add_bos_token");
    }
}
