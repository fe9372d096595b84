package tagllm.data;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A record over the length limit (16 Mi characters; lowered to 20 here through the package-private hook, so the test
 * needs no tens of megabytes) is that row's error, with its file and line, and the rows after it are read: it used to
 * stop the whole file ("line longer than 16777216 characters: not a text data file?").
 */
class RecordLimitTest {
    @TempDir
    Path dir;

    @BeforeEach
    void lowerTheLimit() {
        TextInput.lineLimit = 20;
    }

    @AfterEach
    void restoreTheLimit() {
        TextInput.lineLimit = TextInput.MAX_LINE_CHARS;
    }

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    private record Read(List<Row> rows, RowIssues issues) {
        List<Long> lines() {
            return rows.stream().map(Row::line).toList();
        }
    }

    private static Read read(Path p) {
        RowIssues issues = RowIssues.skipping();
        List<Row> rows = new ArrayList<>();
        Dataset.scan(p, null, issues, rows::add);
        return new Read(rows, issues);
    }

    @Test
    void aFastaRecordOverTheLimitIsThatRecordsError() throws IOException {
        String big = "A".repeat(25);
        // one over-long line; a sequence over the limit only when joined; an over-long header; then a good record
        Path p = write("p.fasta", ">ok1 first\nMKV\n>big one\n" + big + "\n>joined\nAAAAAAAAAAAA\nAAAAAAAAAAAA\n>"
                + "h".repeat(30) + "\nMK\n>ok2 second\nMKT\nAYI\n");
        Read r = read(p);
        assertEquals(List.of("ok1", "ok2"), r.rows().stream().map(x -> x.get("id")).toList());
        assertEquals("MKTAYI", r.rows().get(1).get("sequence"));
        assertEquals(List.of(1L, 10L), r.lines());
        assertEquals(3, r.issues().count());
        assertEquals(List.of(
                p + ":3: FASTA record 'big' is longer than 20 characters (its header or sequence)",
                p + ":5: FASTA record 'joined' is longer than 20 characters (its header or sequence)",
                p + ":8: FASTA record '" + "h".repeat(19) + "' is longer than 20 characters (its header or sequence)"),
                r.issues().messages());
    }

    @Test
    void aCsvRecordOverTheLimitIsThatRowsErrorQuotedOrNot() throws IOException {
        // line 3 unquoted and long; line 4 a quoted field with line breaks running over the limit (lines 4-6); line 7
        // a quoted field that passes the limit right after a doubled quote; the rows after keep their own lines
        Path p = write("m.csv", "smiles,name\nCCO,a\n" + "C".repeat(25) + ",b\n"
                + "\"" + "C".repeat(10) + "\n" + "C".repeat(10) + "\n" + "C,\"\"x\",c\n"
                + "N,\"" + "x".repeat(14) + "\"\"" + "y".repeat(10) + ",\"\"\"\n"
                + "c1ccccc1,d\r\n\"q,\"\"u\"\"\",e\n");
        Read r = read(p);
        assertEquals(List.of("CCO", "c1ccccc1", "q,\"u\""), r.rows().stream().map(x -> x.get("smiles")).toList());
        assertEquals(List.of("a", "d", "e"), r.rows().stream().map(x -> x.get("name")).toList());
        assertEquals(List.of(2L, 8L, 9L), r.lines());
        assertEquals(List.of(p + ":3: CSV record longer than 20 characters",
                p + ":4: CSV record longer than 20 characters",
                p + ":7: CSV record longer than 20 characters"), r.issues().messages());
    }

    @Test
    void aTsvLineOverTheLimitIsThatRowsError() throws IOException {
        Path p = write("m.tsv", "smiles\tname\nCCO\ta\n" + "\"C".repeat(20) + "\tb\nc1ccccc1\tc\n");
        Read r = read(p);
        assertEquals(List.of("CCO", "c1ccccc1"), r.rows().stream().map(x -> x.get("smiles")).toList());
        assertEquals(List.of(2L, 4L), r.lines());
        assertEquals(List.of(p + ":3: TSV record longer than 20 characters"), r.issues().messages());
    }

    /** A quote that never closes makes the rest of the file one record: a file error, naming the line and the limit. */
    @Test
    void anOverLongQuotedFieldThatNeverClosesIsAFileErrorSayingWhereAndWhy() throws IOException {
        Path p = write("u.csv", "smiles,name\nCCO,a\n\"" + "C".repeat(25) + "\nc1ccccc1,c\n");
        DatasetException e = assertThrows(DatasetException.class, () -> read(p));
        assertEquals(p + ":3: a record longer than 20 characters whose quoted field never closes (a \" opened in it"
                + " runs to the end of the file)", e.getMessage());
    }

    @Test
    void anOverLongHeaderIsAFileError() throws IOException {
        Path p = write("h.csv", "a".repeat(25) + "\nCCO\n");
        DatasetException e = assertThrows(DatasetException.class, () -> read(p));
        assertEquals(p + ":1: CSV record longer than 20 characters where the header line was expected", e.getMessage());
    }

    @Test
    void aJsonLineOverTheLimitIsThatRowsError() throws IOException {
        // line 3 over the limit (a value that would parse), line 4 over it as spaces only (not a blank line), line 5
        // exactly at the limit (kept), CRLF line ends after
        String atLimit = "{\"smiles\":\"" + "C".repeat(7) + "\"}";
        assertEquals(20, atLimit.length());
        Path p = write("m.jsonl", "{\"smiles\":\"CCO\"}\n\n{\"smiles\":\"" + "C".repeat(25) + "\"}\n" + " ".repeat(21) + "\n"
                + atLimit + "\r\n{\"smiles\":\"N\"}\r\n");
        Read r = read(p);
        assertEquals(List.of("CCO", "C".repeat(7), "N"), r.rows().stream().map(x -> x.get("smiles")).toList());
        assertEquals(List.of(1L, 5L, 6L), r.lines());
        assertEquals(List.of(p + ":3: JSON line longer than 20 characters",
                p + ":4: JSON line longer than 20 characters"), r.issues().messages());
    }

    @Test
    void aTextLineOverTheLimitIsThatRowsError() throws IOException {
        Path p = write("m.txt", "first line\n" + "x".repeat(21) + "\r" + "y".repeat(20) + "\n\nlast\n");
        Read r = read(p);
        assertEquals(List.of("first line", "y".repeat(20), "last"), r.rows().stream().map(x -> x.get("text")).toList());
        assertEquals(List.of(1L, 3L, 5L), r.lines());
        assertEquals(List.of(p + ":2: text line longer than 20 characters"), r.issues().messages());
    }

    /** A JSON array on one over-long line is still told apart from JSON Lines by its first character. */
    @Test
    void anOverLongJsonArrayIsStillAJsonArray() throws IOException {
        Path p = write("a.jsonl", "[" + "{\"a\":1},".repeat(10) + "{\"a\":1}]\n");
        DatasetException e = assertThrows(DatasetException.class, () -> read(p));
        assertEquals(p + ":1: this is a JSON array; expected JSON Lines (one object per line)", e.getMessage());
    }

    /** With no --strict the line is skipped and reported; with it, the file stops there, as for any row error. */
    @Test
    void anOverLongLineIsFatalOnlyWhenStrict() throws IOException {
        Path p = write("s.txt", "ok\n" + "x".repeat(21) + "\nok\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.scan(p, null, RowIssues.strict(), row -> { }));
        assertEquals(p + ":2: text line longer than 20 characters", e.getMessage());
    }
}
