package tagllm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A JSON Lines row that is not valid JSON: its reason says what is wrong, without Jackson's source excerpt or settings. */
class JsonlSyntaxErrorTest {
    @TempDir
    Path dir;

    @Test
    void brokenLinesAreRejectedWithPlainReasons() throws Exception {
        Path f = dir.resolve("in.jsonl");
        Files.writeString(f, "{\"smiles\": \"CCO\"\n{\"smiles\": NaN}\n{\"smiles\": \"C\"} {\"x\": 1}\n{\"smiles\": \"CC\"}\n");
        RowIssues issues = RowIssues.skipping().listingAll();
        Dataset.scan(f, Format.JSONL, issues, row -> { });
        List<String> m = issues.messages();
        assertEquals(3, m.size(), m::toString);
        for (String s : m) {
            for (String internal : new String[]{"[Source", "REDACTED", "StreamReadFeature", "JsonReadFeature", "`", "start marker"}) {
                assertFalse(s.contains(internal), () -> "'" + internal + "' in: " + s);
            }
        }
        assertEquals(f + ":1: invalid JSON: Unexpected end-of-input: expected close marker for Object (column 17)", m.get(0));
        assertTrue(m.get(1).startsWith(f + ":2: invalid JSON: Non-standard token 'NaN' (not JSON)"), m.get(1));
        assertTrue(m.get(2).startsWith(f + ":3: invalid JSON: more data after the JSON value"), m.get(2));
    }
}
