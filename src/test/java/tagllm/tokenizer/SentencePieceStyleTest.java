package tagllm.tokenizer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Metaspace, byte fallback, unknown tokens and the Llama/Mistral configurations, worked out by hand. */
class SentencePieceStyleTest {
    @TempDir
    Path dir;

    private static List<String> texts(List<Piece> pieces) {
        return pieces.stream().map(Piece::text).toList();
    }

    @Test
    void metaspacePrependSchemes() {
        var always = new PreTokenizer.Metaspace("▁", PreTokenizer.Metaspace.PrependScheme.ALWAYS, true);
        var first = new PreTokenizer.Metaspace("▁", PreTokenizer.Metaspace.PrependScheme.FIRST, true);
        var never = new PreTokenizer.Metaspace("▁", PreTokenizer.Metaspace.PrependScheme.NEVER, true);
        var whole = new PreTokenizer.Metaspace("▁", PreTokenizer.Metaspace.PrependScheme.ALWAYS, false);
        assertEquals(List.of("▁Hello", "▁world"), texts(always.apply(List.of(new Piece("Hello world", true)))));
        assertEquals(List.of("▁Hello", "▁world"), texts(always.apply(List.of(new Piece("Hello world", false)))));
        // "first": only text at the very start of the input gets the prefix
        assertEquals(List.of("▁Hello", "▁world"), texts(first.apply(List.of(new Piece("Hello world", true)))));
        assertEquals(List.of("Hello", "▁world"), texts(first.apply(List.of(new Piece("Hello world", false)))));
        assertEquals(List.of("Hello", "▁world"), texts(never.apply(List.of(new Piece("Hello world", true)))));
        // a leading space already is the prefix; repeated spaces stay, each starting a piece
        assertEquals(List.of("▁", "▁a"), texts(always.apply(List.of(new Piece("  a", true)))));
        assertEquals(List.of("▁Hello▁world"), texts(whole.apply(List.of(new Piece("Hello world", true)))));
    }

    /** A Mistral-v0.3-like tokenizer: Metaspace(first, split false), byte fallback, template with BOS. */
    private TokenizerJsonBuilder mistralLike(String prependScheme) {
        TokenizerJsonBuilder b = new TokenizerJsonBuilder();
        b.token("<unk>");
        b.token("<s>");
        b.token("</s>");
        for (int i = 0; i < 256; i++) b.token(String.format("<0x%02X>", i));   // ids 3..258
        for (String c : new String[]{"▁", "H", "i", "t", "h", "e", "r"}) b.token(c);  // 259..265
        b.merge("▁", "H");   // 266
        b.merge("▁H", "i");  // 267
        b.merge("▁", "t");   // 268
        b.merge("h", "e");   // 269
        b.merge("▁t", "he"); // 270
        b.merge("r", "e");   // 271
        b.model.put("unk_token", "<unk>");
        b.model.put("byte_fallback", true);
        b.model.put("fuse_unk", true);
        b.addedToken("<unk>", true, false, false, false, false);
        b.addedToken("<s>", true, false, false, false, false);
        b.addedToken("</s>", true, false, false, false, false);
        ObjectNode ms = TokenizerJsonBuilder.component("Metaspace");
        ms.put("replacement", "▁");
        ms.put("prepend_scheme", prependScheme);
        ms.put("split", false);
        b.root.set("pre_tokenizer", ms);
        ObjectNode post = TokenizerJsonBuilder.component("TemplateProcessing");
        post.put("single", "<s> $A");
        ObjectNode st = post.putObject("special_tokens").putObject("<s>");
        st.put("id", "<s>");
        st.putArray("ids").add(1);
        st.putArray("tokens").add("<s>");
        b.root.set("post_processor", post);
        ObjectNode dec = TokenizerJsonBuilder.component("Metaspace");
        dec.put("replacement", "▁");
        dec.put("prepend_scheme", prependScheme);
        dec.put("split", false);
        b.root.set("decoder", TokenizerJsonBuilder.sequence(null, "decoders", dec,
                TokenizerJsonBuilder.component("ByteFallback"), TokenizerJsonBuilder.component("Fuse")));
        return b;
    }

    @Test
    void mistralLikeEncodeAndDecode() throws IOException {
        Tokenizer tok = mistralLike("first").load(dir);
        // "Hi there": ▁Hi ▁there -> ▁H(266) i -> ▁Hi(267); ▁ t h e r e -> ▁t(268) he(269) re(271) -> ▁the(270) re
        assertArrayEquals(new int[]{1, 267, 270, 271}, tok.encode("Hi there"));
        // ! is not in the vocabulary: byte fallback <0x21> = id 3 + 0x21
        assertArrayEquals(new int[]{1, 267, 3 + 0x21}, tok.encode("Hi!"));
        // after an added token, "first" adds no prefix: "Hi" stays H i
        assertArrayEquals(new int[]{1, 1, 260, 261}, tok.encode("<s>Hi"));
        assertEquals("Hi there", tok.decode(new int[]{267, 270, 271}));
        assertEquals("<s> Hi there!", tok.decode(new int[]{1, 267, 270, 271, 3 + 0x21}));
        assertEquals("Hi there!", tok.decode(new int[]{1, 267, 270, 271, 3 + 0x21}, true));
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
    }

    @Test
    void unknownCharactersFuseWithoutByteFallback() throws IOException {
        TokenizerJsonBuilder b = mistralLike("always");
        b.model.put("byte_fallback", false);
        Tokenizer fused = b.load(dir.resolve("fused"));
        // "Hi!?" -> ▁Hi ! ? with ! and ? unknown -> one <unk>
        assertArrayEquals(new int[]{1, 267, 0}, fused.encode("Hi!?"));
        b.model.put("fuse_unk", false);
        assertArrayEquals(new int[]{1, 267, 0, 0}, b.load(dir.resolve("unfused")).encode("Hi!?"));
        b.model.putNull("unk_token");
        // without an unknown token the characters are dropped, as tokenizers does
        assertArrayEquals(new int[]{1, 267}, b.load(dir.resolve("dropped")).encode("Hi!?"));
    }

    @Test
    void tokenizerConfigAddsBosAndEosWhenThereIsNoPostProcessor() throws IOException {
        TokenizerJsonBuilder b = mistralLike("always");
        b.root.putNull("post_processor");
        Path d = dir.resolve("cfg");
        b.write(d);
        assertArrayEquals(new int[]{267}, Tokenizer.load(d).encode("Hi"));
        Files.writeString(d.resolve("tokenizer_config.json"),
                "{\"add_bos_token\": true, \"add_eos_token\": true, \"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"</s>\"}");
        Tokenizer tok = Tokenizer.load(d);
        assertArrayEquals(new int[]{1, 267, 2}, tok.encode("Hi"));
        assertArrayEquals(new int[]{267}, tok.encode("Hi", false));
        // the tokenizer.json post-processor (BOS only) wins over the config
        mistralLike("always").write(d);
        assertArrayEquals(new int[]{1, 267}, Tokenizer.load(d).encode("Hi"));
    }

    @Test
    void decoderPieces() {
        var strip = new Decoder.Strip(' ', 1, 1);
        assertEquals(List.of(" a ", "b", ""), strip.decodeChain(List.of("  a  ", " b ", "  ")));
        var bf = new Decoder.ByteFallback();
        // C3 A9 is é; a lone C3 is invalid: one U+FFFD per byte of the invalid run, valid bytes included
        assertEquals(List.of("x", "é", "y"), bf.decodeChain(List.of("x", "<0xC3>", "<0xA9>", "y")));
        assertEquals(List.of("\uFFFD", "\uFFFD", "y"), bf.decodeChain(List.of("<0xC3>", "<0x41>", "y")));
        assertEquals(List.of("<0xZZ>", "<0x4>"), bf.decodeChain(List.of("<0xZZ>", "<0x4>")));
        var meta = new Decoder.Metaspace('▁', true);
        assertEquals(List.of("Hello", " world"), meta.decodeChain(List.of("▁Hello", "▁world")));
        assertEquals(List.of(" Hello"), new Decoder.Metaspace('▁', false).decodeChain(List.of("▁Hello")));
    }

    @Test
    void byteFallbackPiecesAreFoundByTheirHexName() throws IOException {
        Tokenizer tok = mistralLike("always").load(dir);
        // é is C3 A9 -> <0xC3> <0xA9>, ids 3 + byte
        assertArrayEquals(new int[]{259, 3 + 0xC3, 3 + 0xA9}, tok.encode("é", false));
        assertEquals("é", tok.decode(new int[]{259, 3 + 0xC3, 3 + 0xA9}));
    }
}
