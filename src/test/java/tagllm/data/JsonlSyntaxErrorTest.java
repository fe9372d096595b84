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

    /**
     * A number no BigDecimal can hold (an exponent past int's range) escaped the reader as a NumberFormatException and
     * stopped the whole file; an unclosed nested array's reason carried Jackson's source note. Both are that row's error.
     */
    @Test
    void aNumberTooLargeAndAnUnclosedNestedArrayAreTheirRowsErrors() throws Exception {
        Path f = dir.resolve("big.jsonl");
        Files.writeString(f, "{\"smiles\": \"CCO\", \"y\": 1e99999999999}\n{\"smiles\": \"C\", \"y\": [1,2}\n{\"smiles\": \"CC\", \"y\": 2}\n");
        RowIssues issues = RowIssues.skipping().listingAll();
        List<String> kept = new java.util.ArrayList<>();
        Dataset.scan(f, Format.JSONL, issues, row -> kept.add(row.get("smiles")));
        assertEquals(List.of("CC"), kept);
        List<String> m = issues.messages();
        assertEquals(2, m.size(), m::toString);
        assertEquals(f + ":1: invalid JSON: the number 1e99999999999 of field 'y' is out of range", m.get(0));
        assertTrue(m.get(1).startsWith(f + ":2: invalid JSON: "), m.get(1));
        for (String internal : new String[]{"[Source", "REDACTED", "StreamReadFeature", "for Array starting at"}) {
            assertFalse(m.get(1).contains(internal), () -> "'" + internal + "' in: " + m.get(1));
        }
    }
}
