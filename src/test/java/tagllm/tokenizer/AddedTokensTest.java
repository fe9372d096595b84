package tagllm.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Added-token matching: leftmost-longest, lstrip/rstrip, single_word, normalized, each rule worked out by hand. */
class AddedTokensTest {
    @TempDir
    Path dir;

    private static AddedToken token(int id, String content, boolean lstrip, boolean rstrip, boolean singleWord) {
        return new AddedToken(id, content, singleWord, lstrip, rstrip, false, true);
    }

    private static List<String> split(AddedTokenMatcher m, String s) {
        return m.split(s).stream().map(seg -> (seg.token() != null ? "T:" : "") + s.substring(seg.start(), seg.end())).toList();
    }

    @Test
    void leftmostLongest() {
        var m = new AddedTokenMatcher(List.of(token(1, "<a>", false, false, false), token(2, "<a><b>", false, false, false),
                token(3, "b>", false, false, false)), AddedToken::content);
        assertEquals(List.of("x", "T:<a><b>", "y"), split(m, "x<a><b>y"));
        assertEquals(List.of("x", "T:<a>", "<c>"), split(m, "x<a><c>"));
        // "b>" starts further left than nothing else here
        assertEquals(List.of("<", "T:b>"), split(m, "<b>"));
        assertEquals(List.of("plain"), split(m, "plain"));
        assertEquals(List.of(""), split(m, ""));
    }

    @Test
    void stripRules() {
        var m = new AddedTokenMatcher(List.of(token(1, "<mask>", true, false, false), token(2, "<eot>", false, true, false)),
                AddedToken::content);
        assertEquals(List.of("hello", "T:   <mask>", " x"), split(m, "hello   <mask> x"));
        assertEquals(List.of("a ", "T:<eot> \t ", "b"), split(m, "a <eot> \t b"));
        // whitespace already taken by a previous token is not taken again
        assertEquals(List.of("T:<eot>  ", "T:<mask>"), split(m, "<eot>  <mask>"));
    }

    @Test
    void singleWordOnlyOutsideWords() {
        var m = new AddedTokenMatcher(List.of(token(1, "ok", false, false, true)), AddedToken::content);
        assertEquals(List.of("book"), split(m, "book"));
        assertEquals(List.of("T:ok", " fine"), split(m, "ok fine"));
        assertEquals(List.of("(", "T:ok", ")"), split(m, "(ok)"));
        assertEquals(List.of("éok"), split(m, "éok"));
    }

    @Test
    void normalizedTokensAreMatchedInNormalizedText() throws IOException {
        TokenizerJsonBuilder b = new TokenizerJsonBuilder();
        for (String c : new String[]{"a", "b", "c", "[", "]"}) b.token(c);
        b.root.set("normalizer", TokenizerJsonBuilder.component("Lowercase"));
        int day = b.addedToken("[day]", false, true, false, false, false);
        int raw = b.addedToken("[RAW]", true, false, false, false, false);
        Tokenizer tok = b.load(dir);
        // "[DAY]" lowercases to "[day]", the normalized token; "[RAW]" is matched before lowercasing
        assertArrayEquals(new int[]{0, day, 1, raw, 2}, tok.encode("A[DAY]B[RAW]C"));
        // "[raw]" is not the raw token: it becomes characters ([ a ]; r and w are unknown and there is no unk token)
        assertArrayEquals(new int[]{3, 0, 4}, tok.encode("[raw]"));
        assertEquals(tok.tokenId("[RAW]"), raw);
        assertEquals("[RAW]", tok.token(raw));
    }
}
