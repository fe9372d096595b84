package tagllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tagllm.testutil.Shared;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Prompt ids and greedy-continuation text of ../shared/fixtures/*.golden.json. */
class GoldenPromptsTest {
    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-llama-gqa", "tiny-llama-tied"})
    void promptIdsAndGreedyText(String model) throws IOException {
        Tokenizer tok = Tokenizer.load(Shared.model(model));
        JsonNode golden = new ObjectMapper().readTree(Shared.fixture(model + ".golden.json").toFile());
        JsonNode prompts = golden.get("prompts");
        assertEquals(3, prompts.size());
        for (JsonNode p : prompts) {
            String text = p.get("text").asText();
            assertArrayEquals(ints(p.get("ids")), tok.encode(text), model + ": ids of \"" + text + "\"");
            int[] greedy = ints(p.get("greedy").get("ids"));
            String expected = p.get("greedy").get("text").asText();
            assertEquals(expected, tok.decode(greedy), model + ": greedy text after \"" + text + "\"");

            // streaming the same ids gives the same text piece by piece, the random models' invalid byte runs
            // included (decode() turns them into one U+FFFD per byte, valid ASCII bytes included)
            StreamDecoder stream = tok.streamDecoder(false);
            StringBuilder streamed = new StringBuilder();
            for (int id : greedy) streamed.append(stream.push(id));
            streamed.append(stream.flush());
            assertEquals(expected, streamed.toString(), model + ": streamed greedy text after \"" + text + "\"");
        }
    }
}
