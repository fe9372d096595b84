package tagllm.tokenizer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The byte-level BPE family (GPT-2, Llama 3, Qwen2, SmolLM) on tokenizers small enough to work out by hand. */
class ByteLevelTest {
    static final String LLAMA3_PATTERN =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2_PATTERN =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    @TempDir
    Path dir;

    @Test
    void alphabetMapsAll256BytesToDistinctPrintableCharactersAndBack() {
        Set<Character> seen = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevelAlphabet.charOf(b);
            assertTrue(seen.add(c), "distinct");
            assertFalse(Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c), "printable: byte " + b);
            assertEquals(b, ByteLevelAlphabet.byteOf(c));
        }
        // the well-known GPT-2 spellings: space Ġ, newline Ċ, soft hyphen Ń; printable ASCII is itself
        assertEquals('\u0120', ByteLevelAlphabet.charOf(' '));
        assertEquals('\u010A', ByteLevelAlphabet.charOf('\n'));
        assertEquals('\u0143', ByteLevelAlphabet.charOf(0xAD));
        assertEquals('A', ByteLevelAlphabet.charOf('A'));
        assertEquals(-1, ByteLevelAlphabet.byteOf(' '));
        assertEquals("ĠcafÃ©", ByteLevelAlphabet.encode(" café"));
    }

    private static List<String> texts(List<Piece> pieces) {
        return pieces.stream().map(Piece::text).toList();
    }

    @Test
    void gpt2RegexSplits() {
        PreTokenizer p = new PreTokenizer.ByteLevel(false, true);
        assertEquals(List.of("Hello", "Ġworld", "'s", "Ġ1234", "!!"), texts(p.apply(List.of(new Piece("Hello world's 1234!!", true)))));
        // whitespace before a word leaves its last character to \s+(?!\S)'s fallback \s+: "  hello" is " " + " hello",
        // "\n\nworld" is "\n" + "\n" + "world"; at the end of the text the run stays whole
        assertEquals(List.of("Ġ", "Ġhello", "Ċ", "Ċ", "world"), texts(p.apply(List.of(new Piece("  hello\n\nworld", true)))));
        assertEquals(List.of("a", "ĊĊ"), texts(p.apply(List.of(new Piece("a\n\n", true)))));
        PreTokenizer prefixed = new PreTokenizer.ByteLevel(true, true);
        assertEquals(List.of("Ġhello"), texts(prefixed.apply(List.of(new Piece("hello", true)))));
        assertEquals(List.of("Ġhello"), texts(prefixed.apply(List.of(new Piece(" hello", true)))));
    }

    @Test
    void llama3AndQwen2RegexSplits() {
        PreTokenizer llama3 = new PreTokenizer.Split(OnigRegex.compile(LLAMA3_PATTERN), SplitBehavior.ISOLATED, false);
        assertEquals(List.of("Hello", " world", "'s", " ", "123", "4", "!!"),
                texts(llama3.apply(List.of(new Piece("Hello world's 1234!!", true)))));
        // contractions are case-insensitive; punctuation takes the newlines after it; a letter run takes one leading symbol
        assertEquals(List.of("I", "'M", " here", "...\n\n", "(ok", ")", "  ", " x"),
                texts(llama3.apply(List.of(new Piece("I'M here...\n\n(ok)   x", true)))));
        PreTokenizer qwen2 = new PreTokenizer.Split(OnigRegex.compile(QWEN2_PATTERN), SplitBehavior.ISOLATED, false);
        assertEquals(List.of("Hello", " world", "'s", " ", "1", "2", "3", "4", "!!"),
                texts(qwen2.apply(List.of(new Piece("Hello world's 1234!!", true)))));
        // \p{L} covers Greek and CJK; \s covers the no-break space
        assertEquals(List.of("Καλημέρα", " 世界", "\u00A0"), texts(llama3.apply(List.of(new Piece("Καλημέρα 世界\u00A0", true)))));
    }

    @Test
    void digitsPreTokenizer() {
        assertEquals(List.of("abc", "1", "2", "3", "x"), texts(new PreTokenizer.Digits(true).apply(List.of(new Piece("abc123x", true)))));
        assertEquals(List.of("abc", "123", "x"), texts(new PreTokenizer.Digits(false).apply(List.of(new Piece("abc123x", true)))));
    }

    /** Vocabulary: the 256 byte characters (id = byte), then merged tokens in the order of their rules. */
    private TokenizerJsonBuilder smallGpt2(ObjectNode preTokenizer) {
        TokenizerJsonBuilder b = new TokenizerJsonBuilder().byteAlphabet();
        b.merge("Ġ", "t");     // rank 0 -> 256
        b.merge("h", "e");     // rank 1 -> 257
        b.merge("Ġt", "he");   // rank 2 -> 258
        b.merge("l", "o");     // rank 3 -> 259
        b.merge("lo", "w");    // rank 4 -> 260
        b.merge("e", "r");     // rank 5 -> 261
        b.merge("Ġ", "low");   // rank 6 -> 262
        b.root.set("pre_tokenizer", preTokenizer);
        b.root.set("decoder", TokenizerJsonBuilder.component("ByteLevel"));
        ObjectNode post = TokenizerJsonBuilder.byteLevel(false, true);
        post.put("type", "ByteLevel");
        b.root.set("post_processor", post);
        return b;
    }

    @Test
    void bpeMergesByRankByHand() throws IOException {
        TokenizerJsonBuilder b = smallGpt2(TokenizerJsonBuilder.byteLevel(false, true));
        int eot = b.addedToken("<|endoftext|>", true, false, false, false, false);
        Tokenizer tok = b.load(dir);
        assertEquals(263, eot);
        // "the" -> t h e -> t he (no rule for t+he); " lower" -> Ġ l o w e r -> Ġ lo w e r -> Ġ low e r
        //   -> Ġ low er (rank 5 before rank 6) -> Ġlow er
        assertArrayEquals(new int[]{'t', 257, 262, 261}, tok.encode("the lower"));
        // " the": Ġt (rank 0), he (rank 1), then Ġt+he (rank 2)
        assertArrayEquals(new int[]{258}, tok.encode(" the"));
        assertArrayEquals(new int[]{'t', 257, eot, 262, 261}, tok.encode("the<|endoftext|> lower"));
        assertEquals("the<|endoftext|> lower", tok.decode(tok.encode("the<|endoftext|> lower")));
        assertEquals("the lower", tok.decode(tok.encode("the<|endoftext|> lower"), true));
        // é is C3 A9: two byte characters, no merges
        assertArrayEquals(new int[]{0xC3, 0xA9}, tok.encode("é"));
        assertEquals("é", tok.decode(new int[]{0xC3, 0xA9}));
        assertEquals("\uFFFD", tok.decode(new int[]{0xC3}));
        assertEquals(264, tok.vocabSize());
        assertEquals(-1, tok.bosId());
        assertEquals(eot, tok.eosId());
    }

    @Test
    void addPrefixSpace() throws IOException {
        Tokenizer tok = smallGpt2(TokenizerJsonBuilder.byteLevel(true, true)).load(dir);
        assertArrayEquals(new int[]{258}, tok.encode("the"));
        assertArrayEquals(new int[]{258, 262, 261}, tok.encode("the lower"));
    }

    @Test
    void ignoreMergesTakesWholeWordsFromTheVocabulary() throws IOException {
        TokenizerJsonBuilder b = smallGpt2(TokenizerJsonBuilder.byteLevel(false, true));
        int whole = b.token("Ġlower");
        b.model.put("ignore_merges", true);
        assertArrayEquals(new int[]{'t', 257, whole}, b.load(dir.resolve("a")).encode("the lower"));
        b.model.put("ignore_merges", false);
        assertArrayEquals(new int[]{'t', 257, 262, 261}, b.load(dir.resolve("b")).encode("the lower"));
    }

    @Test
    void llama3StyleSequenceWithTemplate() throws IOException {
        ObjectNode pre = TokenizerJsonBuilder.sequence(null, "pretokenizers",
                TokenizerJsonBuilder.regexSplit(LLAMA3_PATTERN, "Isolated"), TokenizerJsonBuilder.byteLevel(false, false));
        TokenizerJsonBuilder b = smallGpt2(pre);
        int bot = b.addedToken("<|begin_of_text|>", true, false, false, false, false);
        int eot = b.addedToken("<|end_of_text|>", true, false, false, false, false);
        ObjectNode post = TokenizerJsonBuilder.component("TemplateProcessing");
        var single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        post.putArray("pair");
        ObjectNode st = post.putObject("special_tokens").putObject("<|begin_of_text|>");
        st.put("id", "<|begin_of_text|>");
        st.putArray("ids").add(bot);
        st.putArray("tokens").add("<|begin_of_text|>");
        b.root.set("post_processor", TokenizerJsonBuilder.sequence(null, "processors",
                TokenizerJsonBuilder.byteLevel(true, false).put("type", "ByteLevel"), post));
        Tokenizer tok = b.load(dir);
        // pieces "the", " lower", " ", "123", "4"; the lone space is byte 0x20 (Ġ), id 32
        assertArrayEquals(new int[]{bot, 't', 257, 262, 261, ' ', '1', '2', '3', '4'}, tok.encode("the lower 1234"));
        assertArrayEquals(new int[]{'t', 257}, tok.encode("the", false));
        assertEquals(bot, tok.bosId());
        assertEquals(eot, tok.eosId());
        assertEquals("<|begin_of_text|>the lower 1234", tok.decode(tok.encode("the lower 1234")));
    }

    @Test
    void streamingHoldsBackIncompleteCharacters() throws IOException {
        Tokenizer tok = smallGpt2(TokenizerJsonBuilder.byteLevel(false, true)).load(dir);
        StreamDecoder s = tok.streamDecoder(false);
        assertEquals("the", s.push('t') + s.push(257));
        assertEquals("", s.push(0xE2));   // € is E2 82 AC
        assertEquals("", s.push(0x82));
        assertEquals("€", s.push(0xAC));
        assertEquals(" lower", s.push(262) + s.push(261));
        assertEquals("", s.push(0xC3));
        assertEquals("\uFFFD", s.flush());
    }
}
