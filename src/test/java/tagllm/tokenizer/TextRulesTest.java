package tagllm.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Character-level rules where Java's defaults differ from the Rust/Oniguruma ones tokenizers uses. */
class TextRulesTest {
    private static byte[] bytes(int... bs) {
        byte[] r = new byte[bs.length];
        for (int i = 0; i < bs.length; i++) r[i] = (byte) bs[i];
        return r;
    }

    @Test
    void lossyUtf8ReplacesEachMaximalInvalidSubpart() {
        // the Unicode "substitution of maximal subparts" examples, as Rust's from_utf8_lossy does them
        assertEquals("a\uFFFDb", Utf8.decodeLossy(bytes('a', 0xE2, 0x82, 'b'), 4));          // truncated € : one
        assertEquals("\uFFFD\uFFFD", Utf8.decodeLossy(bytes(0xC0, 0xAF), 2));                  // overlong lead, lone continuation
        assertEquals("\uFFFD\uFFFD\uFFFD", Utf8.decodeLossy(bytes(0xED, 0xA0, 0x80), 3));     // surrogate: each byte
        assertEquals("\uFFFD", Utf8.decodeLossy(bytes(0xF0, 0x9F, 0x99), 3));                  // truncated emoji
        assertEquals("🙂", Utf8.decodeLossy(bytes(0xF0, 0x9F, 0x99, 0x82), 4));
        assertEquals("é", Utf8.decodeStrict(bytes(0xC3, 0xA9), 2));
        assertNull(Utf8.decodeStrict(bytes(0xC3), 1));
        String mixed = "naïve €5 日本 🙂";
        byte[] b = mixed.getBytes(StandardCharsets.UTF_8);
        assertEquals(mixed, Utf8.decodeLossy(b, b.length));
    }

    @Test
    void oniguruamPatternsTranslate() {
        assertEquals("\\p{IsHan}+", OnigRegex.translate("\\p{Han}+"));
        assertEquals("\\P{L}", OnigRegex.translate("\\p{^L}"));
        assertEquals("\\p{L}\\p{M}", OnigRegex.translate("\\p{Letter}\\p{Mark}"));
        assertEquals("[0-9a-fA-F]+", OnigRegex.translate("\\h+"));
        assertEquals("[\\p{Alpha}\\d]", OnigRegex.translate("[[:alpha:]\\d]"));
        assertEquals("[\\]a]", OnigRegex.translate("[]a]"));
        Pattern han = OnigRegex.compile("\\p{Han}+|\\p{Hiragana}+");
        assertEquals(List.of("日本", "の", "語"), han.matcher("日本の x 語").results().map(r -> r.group()).toList());
        // \s is Unicode White_Space, \d Unicode decimal digits; (?i) folds Unicode case
        assertEquals(true, OnigRegex.compile("^\\s$").matcher("\u00A0").matches());
        assertEquals(true, OnigRegex.compile("^\\d+$").matcher("١٢٣").matches());
        assertEquals(true, OnigRegex.compile("(?i:'s)").matcher("'S").matches());
        assertThrows(IllegalArgumentException.class, () -> OnigRegex.compile("\\p{NoSuchScript}"));
    }

    @Test
    void normalizers() {
        assertEquals("fi", new Normalizer.Unicode(java.text.Normalizer.Form.NFKC).normalize("\uFB01"));
        assertEquals("é", new Normalizer.Unicode(java.text.Normalizer.Form.NFC).normalize("e\u0301"));
        // per-character lowercasing: no final sigma, İ gives i + combining dot
        assertEquals("οδοσ", new Normalizer.Lowercase().normalize("ΟΔΟΣ"));
        assertEquals("i\u0307x", new Normalizer.Lowercase().normalize("İx"));
        assertEquals("a b", new Normalizer.Strip(true, true).normalize("\u3000 a b\u00A0\n"));
        assertEquals("a b\u00A0\n", new Normalizer.Strip(true, false).normalize(" a b\u00A0\n"));
        assertEquals("cafe", new Normalizer.Sequence(List.of(new Normalizer.Unicode(java.text.Normalizer.Form.NFD),
                new Normalizer.StripAccents())).normalize("café"));
        assertEquals("", new Normalizer.Prepend("▁").normalize(""));
        assertEquals("▁x", new Normalizer.Prepend("▁").normalize("x"));
        assertEquals("ĠcafÃ©", new Normalizer.ByteLevel().normalize(" café"));
    }

    @Test
    void splitBehaviours() {
        Piece p = new Piece("a-b--c", true);
        Pattern dash = OnigRegex.literal("-");
        var ranges = SplitBehavior.regexRanges(dash, p.text(), false);
        assertEquals(List.of("a", "b", "c"), apply(SplitBehavior.REMOVED, p, ranges));
        assertEquals(List.of("a", "-", "b", "-", "-", "c"), apply(SplitBehavior.ISOLATED, p, ranges));
        assertEquals(List.of("a-", "b-", "-", "c"), apply(SplitBehavior.MERGED_WITH_PREVIOUS, p, ranges));
        assertEquals(List.of("a", "-b", "-", "-c"), apply(SplitBehavior.MERGED_WITH_NEXT, p, ranges));
        assertEquals(List.of("a", "-", "b", "--", "c"), apply(SplitBehavior.CONTIGUOUS, p, ranges));
        // invert: the matches are the pieces, the rest is the delimiter
        assertEquals(List.of("-", "-", "-"), apply(SplitBehavior.REMOVED, p, SplitBehavior.regexRanges(dash, p.text(), true)));
        assertEquals(List.of("-", "--"), apply(SplitBehavior.REMOVED, p, SplitBehavior.regexRanges(OnigRegex.compile("-+"), p.text(), true)));
    }

    private static List<String> apply(SplitBehavior b, Piece p, List<SplitBehavior.Range> ranges) {
        List<Piece> out = new java.util.ArrayList<>();
        b.split(p, ranges, out);
        return out.stream().map(Piece::text).toList();
    }
}
