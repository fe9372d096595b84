package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Streamed pieces concatenate to exactly the text answered without streaming, also when sampling at a high
 * temperature emits byte-fallback pieces that form invalid UTF-8 (decoded as U+FFFD, which may replace text of
 * the same byte run already decoded as characters).
 */
class StreamedPiecesTest {
    @Test
    void piecesConcatenateToTheUnstreamedTextForEverySeed(@TempDir Path dir) throws Exception {
        try (PredictorService service = ServeFixture.service(List.of(ServeFixture.qedTags(dir), ServeFixture.translateTags(dir)))) {
            TaskInfo task = service.task("Translate:en-fr");
            List<Map<String, String>> inputs = List.of(Map.of("src", "Hello"), Map.of("src", "The sun"));
            int withReplacement = 0;
            for (long seed = 0; seed < 40; seed++) {
                TagService.Decoding d = new TagService.Decoding(15, 100, 0, 1, seed);
                List<String> whole = service.generate(task, inputs, d, null).texts();
                List<StringBuilder> pieces = List.of(new StringBuilder(), new StringBuilder());
                List<String> done = service.generate(task, inputs, d, (i, text) -> pieces.get(i).append(text)).texts();
                assertEquals(whole, done, "seed " + seed);
                for (int i = 0; i < inputs.size(); i++) {
                    assertEquals(whole.get(i), pieces.get(i).toString(), "seed " + seed + ", input " + i);
                    if (whole.get(i).indexOf('\uFFFD') >= 0) withReplacement++;
                }
            }
            assertTrue(withReplacement > 0, "some texts hold invalid byte runs, the case this is about");
        }
    }
}
