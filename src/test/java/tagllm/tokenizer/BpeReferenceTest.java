package tagllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The heap-based merging against the textbook definition of BPE, written out naively here: start from
 * characters (or their byte pieces), repeatedly merge the adjacent pair whose rule comes first in the
 * merges list (the leftmost if it occurs several times), until no rule applies. Checked on random text
 * and on long real protein sequences, where the heap and the linked list matter.
 */
class BpeReferenceTest {
    private static Tokenizer tok;
    private static Map<String, Integer> vocab;
    private static Map<String, Integer> rank;

    @BeforeAll
    static void load() throws IOException {
        var json = Shared.model("tiny-llama-gqa").resolve("tokenizer.json");
        tok = Tokenizer.load(json);
        JsonNode model = new ObjectMapper().readTree(json.toFile()).get("model");
        vocab = new HashMap<>();
        model.get("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        rank = new HashMap<>();
        JsonNode merges = model.get("merges");
        for (int i = 0; i < merges.size(); i++) rank.putIfAbsent(merges.get(i).get(0).asText() + " " + merges.get(i).get(1).asText(), i);
    }

    /** tok512's tokenizer.json by the book: "▁" + text with spaces as "▁", characters, byte fallback, merges. */
    private static int[] reference(String text) {
        String normalized = text.isEmpty() ? "" : "▁" + text.replace(" ", "▁");
        List<String> symbols = new ArrayList<>();
        normalized.codePoints().forEach(cp -> {
            String c = new String(Character.toChars(cp));
            if (vocab.containsKey(c)) symbols.add(c);
            else for (byte b : c.getBytes(StandardCharsets.UTF_8)) symbols.add(String.format("<0x%02X>", b & 0xFF));
        });
        while (true) {
            int best = -1, bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer r = rank.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) break;
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        return symbols.stream().mapToInt(vocab::get).toArray();
    }

    @Test
    void randomTextFromFrequentCharacters() {
        Random rnd = new Random(42);
        String alphabet = "etaoinshrdlu      .,'\"thethe";
        for (int n = 0; n < 500; n++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(120);
            for (int i = 0; i < len; i++) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            String s = sb.toString();
            assertArrayEquals(reference(s), tok.encode(s, false), () -> "\"" + s + "\"");
        }
    }

    @Test
    void longProteinSequencesAndEnglishLines() throws IOException {
        List<String> inputs = new ArrayList<>();
        for (String line : Files.readAllLines(Shared.data("protein/dta_targets.csv")).subList(1, 40)) {
            for (String field : line.split(",")) if (field.length() > 500 && field.chars().allMatch(Character::isUpperCase)) inputs.add(field);
        }
        org.junit.jupiter.api.Assertions.assertTrue(inputs.size() > 20, "long protein sequences found");
        inputs.addAll(Files.readAllLines(Shared.data("language/en.txt")).subList(0, 200));
        inputs.addAll(Files.readAllLines(Shared.data("language/ru.txt")).subList(0, 50));
        for (String s : inputs) assertArrayEquals(reference(s), tok.encode(s, false), () -> "\"" + s + "\"");
    }
}
