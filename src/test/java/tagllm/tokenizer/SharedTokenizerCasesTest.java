package tagllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The 25 reference cases of ../shared/fixtures/tok512.tokenizer-cases.json, for each shared model's tokenizer.json. */
class SharedTokenizerCasesTest {
    private static JsonNode cases() throws IOException {
        return new ObjectMapper().readTree(Shared.fixture("tok512.tokenizer-cases.json").toFile()).get("cases");
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-llama-gqa", "tiny-llama-tied"})
    void idsTokensAndDecodedTextMatchTheReference(String model) throws IOException {
        Tokenizer tok = Tokenizer.load(Shared.model(model));
        JsonNode cases = cases();
        assertEquals(25, cases.size());
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] expected = ints(c.get("ids"));
            int[] got = tok.encode(text);
            assertArrayEquals(expected, got, () -> model + ": ids of " + quoted(text) + " were " + Arrays.toString(got));
            for (int i = 0; i < expected.length; i++) {
                assertEquals(c.get("tokens").get(i).asText(), tok.token(got[i]), model + ": piece " + i + " of " + quoted(text));
                assertEquals(got[i], tok.tokenId(c.get("tokens").get(i).asText()));
            }
            if (c.has("decoded")) {
                int[] withoutBos = Arrays.copyOfRange(got, 1, got.length);
                assertEquals(c.get("decoded").asText(), tok.decode(withoutBos), model + ": decode of " + quoted(text));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-llama-gqa"})
    void vocabularyAndSpecialTokens(String model) throws IOException {
        Tokenizer tok = Tokenizer.load(Shared.model(model).resolve("tokenizer.json"));
        assertEquals(512, tok.vocabSize());
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertEquals("<unk>", tok.token(0));
        assertEquals("<0x0A>", tok.token(13));
        assertEquals(-1, tok.tokenId("no such piece"));
        assertEquals(null, tok.token(512));
        assertTrue(tok.isSpecial(1) && !tok.isSpecial(13));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K"})
    void specialTokensAreSkippedOnRequestAndBosOnlyWithSpecialTokens(String model) throws IOException {
        Tokenizer tok = Tokenizer.load(Shared.model(model));
        int[] ids = tok.encode("<s>Once upon</s> a time");
        // pieces <s> <s> ▁Once ▁upon </s> ▁ ▁a ▁time; Strip only removes a space at the very start of the text
        assertEquals("<s><s> Once upon</s>  a time", tok.decode(ids));
        assertEquals("Once upon  a time", tok.decode(ids, true));
        int[] plain = tok.encode("Once upon a time", false);
        assertArrayEquals(new int[]{403, 407, 261, 378}, plain);
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }
}
