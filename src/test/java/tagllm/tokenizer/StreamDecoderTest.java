package tagllm.tokenizer;

import org.junit.jupiter.api.Test;
import tagllm.model.Generator;
import tagllm.model.Model;
import tagllm.model.Sampler;
import tagllm.model.Transformer;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What {@code tagllm generate} prints, piece by piece, concatenates to exactly the decode of all ids, also when
 * sampling at a high temperature emits byte-fallback runs that end invalid (decoded as one U+FFFD per byte, which
 * replaces text of the same run that was valid while it grew).
 */
class StreamDecoderTest {
    private static String streamed(Tokenizer tok, int[] ids) {
        StreamDecoder s = tok.streamDecoder(true);
        StringBuilder out = new StringBuilder();
        for (int id : ids) out.append(s.push(id));
        return out.append(s.flush()).toString();
    }

    @Test
    void aByteRunIsHeldBackUntilItEnds() throws IOException {
        Tokenizer tok = Tokenizer.load(Shared.model("stories260K"));
        int the = tok.tokenId("▁the"), dot = tok.tokenId("<0x2E>"), z = tok.tokenId("<0x7A>"), lead = tok.tokenId("<0xE2>");
        // ".z" is valid until the lone lead byte makes the whole run invalid
        int[] ids = {the, dot, z, lead, the, tok.eosId(), dot};
        assertEquals("the\uFFFD\uFFFD\uFFFD the.", tok.decode(ids, true));
        assertEquals(tok.decode(ids, true), streamed(tok, ids));
        StreamDecoder s = tok.streamDecoder(true);
        assertEquals("the", s.push(the));
        assertEquals("", s.push(dot) + s.push(z) + s.push(lead), "nothing of an open run");
        assertEquals("\uFFFD\uFFFD\uFFFD the", s.push(the));
    }

    @Test
    void printedTextIsTheDecodeOfAllIdsForEverySeed() throws IOException {
        Model m = Model.load(Shared.model("stories260K"));
        Tokenizer tok = m.tokenizer();
        Generator generator = new Generator(new Transformer(m.weights()));
        int[] prompt = tok.encode("Once upon a time");
        int withReplacement = 0;
        for (long seed = 0; seed < 40; seed++) {
            // as tagllm generate does: primed with the prompt, then one piece per new id, then what is held back
            StreamDecoder stream = tok.streamDecoder(true);
            StringBuilder printed = new StringBuilder();
            for (int id : prompt) printed.append(stream.push(id));
            int[] generated = generator.generate(prompt, 48, new Sampler(100, 0, 1, seed), id -> printed.append(stream.push(id)),
                    m.generation().eosTokenIds());
            printed.append(stream.flush());
            String whole = tok.decode(IntStream.concat(IntStream.of(prompt), IntStream.of(generated)).toArray(), true);
            assertEquals(whole, printed.toString(), "seed " + seed);
            if (whole.indexOf('\uFFFD') >= 0) withReplacement++;
        }
        assertTrue(withReplacement > 0, "some texts hold invalid byte runs, the case this is about");
    }

    /**
     * A prompt whose characters are all byte-fallback pieces ("日本語" is nine {@code <0xNN>}) ends in an open byte run;
     * primed with it, the first new piece must not bring the prompt's text out with it.
     */
    @Test
    void primingTakesAPromptEndingInByteRunsAsShown() throws IOException {
        Tokenizer tok = Tokenizer.load(Shared.model("stories260K"));
        int[] prompt = tok.encode("日本語");
        assertTrue(tok.isBytePiece(prompt[prompt.length - 1]), "the case: the prompt ends in byte pieces");
        StreamDecoder s = tok.streamDecoder(true);
        s.primeWith(prompt);
        assertEquals(" the", s.push(tok.tokenId("▁the")));
        assertEquals(".", s.push(tok.tokenId("<0x2E>")) + s.flush());
    }
}
