package tagllm.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RowIssuesTest {
    private static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        String[] ys = {"1.0", "x", "2.0", "", "3.0", "nan"};
        for (int i = 0; i < ys.length; i++) rows.add(Row.of("d.csv", i + 2, Map.of("y", ys[i])));
        return rows;
    }

    @Test
    void skippingCollectsCountAndFirstMessages() {
        RowIssues issues = RowIssues.skipping(2);
        Dataset ds = new Dataset("d.csv", Format.CSV, List.of("y"), rows());
        List<Double> ys = ds.map(issues, r -> r.getDouble("y"));
        assertEquals(List.of(1.0, 2.0, 3.0), ys);
        assertEquals(3, issues.count());
        assertEquals(List.of("d.csv:3: column 'y': expected a number, got 'x'",
                "d.csv:5: column 'y': expected a number, got ''"), issues.messages());
        assertEquals("3 rows skipped (first 2 shown):\n  d.csv:3: column 'y': expected a number, got 'x'\n"
                + "  d.csv:5: column 'y': expected a number, got ''", issues.summary());
    }

    /** A value with a line break (a quoted CSV field) is shown escaped in the summary, one line per row. */
    @Test
    void theSummaryKeepsEachRowOnOneLine() {
        RowIssues issues = RowIssues.skipping();
        Dataset ds = new Dataset("d.csv", Format.CSV, List.of("y"), List.of(Row.of("d.csv", 2, Map.of("y", "1\r\n2\t\u0007"))));
        assertEquals(List.of(), ds.map(issues, r -> r.getDouble("y")));
        assertEquals("d.csv:2: column 'y': expected a number, got '1\r\n2\t\u0007'", issues.messages().getFirst(), "the message itself is unchanged");
        assertEquals("1 row skipped:\n  d.csv:2: column 'y': expected a number, got '1\\r\\n2\\t\\u0007'", issues.summary());
    }

    /**
     * predict and chem keep every bad row in their output with its reason: their summary says what did not happen
     * to the rows and where they are ("skipped" said they were gone), one row as "1 row".
     */
    @Test
    void aWriterThatKeepsTheRowsSaysSo() {
        RowIssues issues = RowIssues.skipping(1);
        Dataset ds = new Dataset("d.csv", Format.CSV, List.of("y"), List.of(Row.of("d.csv", 2, Map.of("y", "x"))));
        ds.map(issues, r -> r.getDouble("y"));
        assertEquals("1 row not predicted, kept in the output with the reason in the 'error' column:\n"
                + "  d.csv:2: column 'y': expected a number, got 'x'", issues.keptSummary("not predicted", "error"));
        new Dataset("d.csv", Format.CSV, List.of("y"), List.of(Row.of("d.csv", 3, Map.of("y", "z")))).map(issues, r -> r.getDouble("y"));
        assertEquals("2 rows not labelled, kept in the output with the reason in the 'error' column (first 1 shown):\n"
                + "  d.csv:2: column 'y': expected a number, got 'x'", issues.keptSummary("not labelled", "error"));
        assertEquals("no row with an error", RowIssues.skipping().keptSummary("not predicted", "error"));
    }

    @Test
    void strictThrowsTheFirstProblem() {
        RowIssues issues = RowIssues.strict();
        Dataset ds = new Dataset("d.csv", Format.CSV, List.of("y"), rows());
        DatasetException e = assertThrows(DatasetException.class, () -> ds.map(issues, r -> r.getDouble("y")));
        assertEquals("d.csv:3: column 'y': expected a number, got 'x'", e.getMessage());
    }

    @Test
    void callerSideLimitsAreReportedTheSameWay() {
        RowIssues issues = RowIssues.skipping();
        Row r = Row.of("p.csv", 9, Map.of("sequence", "MKV".repeat(200)));
        List<String> kept = new ArrayList<>();
        issues.convert(r, row -> {
            String seq = row.get("sequence");
            if (seq.length() > 512) throw new DatasetException(row.origin(), "sequence has " + seq.length() + " residues, limit 512");
            return seq;
        }).ifPresent(kept::add);
        issues.reject(r, "another reason");
        assertTrue(kept.isEmpty());
        assertEquals(List.of("p.csv:9: sequence has 600 residues, limit 512", "p.csv:9: another reason"), issues.messages());
        assertEquals("no rows skipped", RowIssues.skipping().summary());
        assertThrows(DatasetException.class, () -> RowIssues.strict().reject(r, "too long"));
    }

    @Test
    void keptMessagesAreTheFirstByFileAndLineWhateverTheOrderTheyCameIn() {
        // a reader reports a malformed line while it reads, conversions report later and, in parallel, in any order
        RowIssues issues = RowIssues.skipping(3);
        long[] lines = {9, 4, 12, 2, 7};
        for (long line : lines) issues.record(DatasetException.of("train.csv", line, "bad " + line));
        issues.record(DatasetException.of("valid.csv", 1, "bad valid 1"));
        issues.record(DatasetException.of("train.csv", 3, "bad 3"));
        assertEquals(7, issues.count());
        assertEquals(List.of("train.csv:2: bad 2", "train.csv:3: bad 3", "train.csv:4: bad 4"), issues.messages());
        assertEquals("7 rows skipped (first 3 shown):\n  train.csv:2: bad 2\n  train.csv:3: bad 3\n  train.csv:4: bad 4",
                issues.summary());

        // files keep the order of their first problem; a later file's lines come after every kept line of an earlier one
        RowIssues two = RowIssues.skipping();
        two.record(DatasetException.of("valid.csv", 5, "v5"));
        two.record(DatasetException.of("train.csv", 8, "t8"));
        two.record(DatasetException.of("valid.csv", 2, "v2"));
        assertEquals(List.of("valid.csv:2: v2", "valid.csv:5: v5", "train.csv:8: t8"), two.messages());

        // keeping none still counts
        RowIssues none = RowIssues.skipping(0);
        none.record(DatasetException.of("a.csv", 1, "x"));
        assertEquals(1, none.count());
        assertEquals("1 row skipped", none.summary());
    }

    /**
     * listingAll keeps every skipped row's problem for the run folder's skipped_rows.jsonl; it kept the exceptions
     * themselves, each with its stack trace and the row's values, so a file with many bad rows held them all. It
     * keeps small copies: the same origin, reason and message, no stack trace, no values.
     */
    @Test
    void aListingKeepsEachProblemWithoutItsStackOrValues() {
        RowIssues issues = RowIssues.skipping(5).listingAll();
        DatasetException bad = new DatasetException(new Origin("f.csv", 7), "invalid SMILES 'C('", Map.of("smiles", "C(".repeat(1000)));
        issues.record(bad);
        List<DatasetException> all = issues.all();
        assertEquals(1, all.size());
        DatasetException kept = all.get(0);
        assertEquals(bad.getMessage(), kept.getMessage());
        assertEquals(bad.origin().source(), kept.origin().source());
        assertEquals(7, kept.origin().line());
        assertEquals(bad.reason(), kept.reason());
        assertEquals(0, kept.getStackTrace().length, "no stack trace kept");
        assertTrue(kept.known().isEmpty(), "no row values kept");
        assertTrue(bad.getStackTrace().length > 0, "the problem itself still has its trace");
    }

    /** Checks made in passes (the reader, then the split, then the labels) meet rows out of file order; the first by place is thrown. */
    @Test
    void firstInFileOrderHoldsTheEarliestProblemUntilAskedToThrow() {
        RowIssues issues = RowIssues.firstInFileOrder();
        assertTrue(issues.first().isEmpty());
        issues.throwFirst(); // nothing held: nothing thrown
        issues.record(DatasetException.of("d.csv", 5, "expected 3 fields"));
        issues.record(DatasetException.of("d.csv", 4, "unknown split 'tset'"));
        issues.record(DatasetException.of("d.csv", 6, "later"));
        issues.convert(rows().get(1), r -> r.getDouble("y")); // line 3: 'x' is not a number
        assertEquals(4, issues.count());
        DatasetException e = assertThrows(DatasetException.class, issues::throwFirst);
        assertTrue(e.getMessage().startsWith("d.csv:3: "), e.getMessage());
    }
}
