package tagllm.util;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

class RowProgressTest {
    @Test
    void aTerminalGetsOneRedrawnLineWithRateAndEta() {
        StringWriter w = new StringWriter();
        RowProgress p = new RowProgress(new PrintWriter(w), true, "predict qed", "rows", 200);
        p.to(50);   // drawn: the first update
        p.to(60);   // within a quarter second of the last draw: skipped
        String first = w.toString();
        assertTrue(first.startsWith("\rpredict qed [======>") && first.contains(" 50/200 rows ") && first.contains(" rows/s ETA "), first);
        assertFalse(first.contains("60/200"), first);
        p.to(200);  // the last row is always drawn
        p.finish();
        String all = w.toString();
        assertTrue(all.contains("200/200 rows") && all.contains("total") && all.endsWith("\n"), all);
        assertEquals(1, all.chars().filter(c -> c == '\n').count(), "one line, redrawn with \\r");
    }

    /** The bar's total is the file's records: a table's lines less its header, JSON Lines' lines (no header), FASTA's '>'. */
    @Test
    void theTotalCountsRecordsAsEachFormatWritesThem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var csv = java.nio.file.Files.writeString(dir.resolve("a.csv"), "smiles\nCCO\nCCN\nCCC\n");
        var jsonl = java.nio.file.Files.writeString(dir.resolve("a.jsonl"), "{\"smiles\": \"CCO\"}\n{\"smiles\": \"CCN\"}\n\n{\"smiles\": \"CCC\"}\n");
        var fasta = java.nio.file.Files.writeString(dir.resolve("a.fasta"), ">p1\nMKV\nLLA\n>p2\nMKT\n");
        assertEquals(3, RowProgress.records(csv));
        assertEquals(3, RowProgress.records(jsonl), "no header line to leave out, and a blank line is no record");
        var plain = java.nio.file.Files.writeString(dir.resolve("b.jsonl"), "{\"smiles\": \"CCO\"}\n{\"smiles\": \"CCN\"}\n");
        assertEquals(2, RowProgress.records(plain), "the first line is a record, not a header");
        assertEquals(2, RowProgress.records(fasta));
    }

    @Test
    void silentWhenQuiet() {
        StringWriter w = new StringWriter();
        RowProgress p = new RowProgress(new PrintWriter(w), RowProgress.Mode.OFF, "eval", "rows", 10, () -> now[0]);
        at(100);
        for (int i = 1; i <= 10; i++) p.advance(1);
        p.finish();
        assertEquals("", w.toString());
    }

    /** A fake clock for the tests below: {@code at(s)} sets it to s seconds after the start (0). */
    private final long[] now = {0};

    private void at(double seconds) { now[0] = Math.round(seconds * 1e9); }

    private RowProgress inALog(StringWriter w, long total) {
        return new RowProgress(new PrintWriter(w), RowProgress.Mode.LOG, "predict qed", "rows", total, () -> now[0]);
    }

    @Test
    void aLogGetsNothingFromARunShorterThanTenSeconds() {
        StringWriter w = new StringWriter();
        RowProgress p = inALog(w, 100);
        at(5);
        p.to(50);
        at(9.9);
        p.to(100);
        p.finish();
        assertEquals("", w.toString());
    }

    /** Rates and ETAs by hand: 14,100 rows in 10 s is 1,410 rows/s, and 38,900 left at that rate take 27.6 s. */
    @Test
    void aLogGetsAPlainLineAfterTenSecondsThenAtMostOneEveryThirtyAndTheEnd() {
        StringWriter w = new StringWriter();
        RowProgress p = inALog(w, 53_000);
        at(5);
        p.to(1_000);   // before 10 s: nothing
        at(10);
        p.to(14_100);  // the first line
        at(20);
        p.to(28_000);  // 10 s after the last line: nothing
        at(40);
        p.to(48_000);  // 30 s after it: 1,200 rows/s, 5,000 left take 4.17 s
        at(45);
        p.to(53_000);  // 5 s after it: nothing, the end says it
        p.finish();    // 53,000 in 45 s: 1,177.8 rows/s
        assertEquals("""
                predict qed: 14,100/53,000 rows (26.6%), 1,410 rows/s, ETA 28 s
                predict qed: 48,000/53,000 rows (90.6%), 1,200 rows/s, ETA 4 s
                predict qed: 53,000/53,000 rows (100.0%), 1,178 rows/s, 45 s in all
                """, w.toString().replace(System.lineSeparator(), "\n"));
        assertFalse(w.toString().contains("\r"));
    }

    /** A ten-minute run updated ten times a second: lines at 10 s, 40 s, ..., 580 s (20) and the end's. */
    @Test
    void aTenMinuteRunLogsTwentyLinesAndTheEnd() {
        StringWriter w = new StringWriter();
        RowProgress p = inALog(w, 6_000);
        for (int i = 1; i <= 6_000; i++) {
            at(i / 10.0);
            p.to(i);
        }
        p.finish();
        var lines = w.toString().lines().toList();
        assertEquals(21, lines.size(), w.toString());
        assertEquals("predict qed: 100/6,000 rows (1.7%), 10 rows/s, ETA 9 min 50 s", lines.get(0));
        assertEquals("predict qed: 5,800/6,000 rows (96.7%), 10 rows/s, ETA 20 s", lines.get(19));
        assertEquals("predict qed: 6,000/6,000 rows (100.0%), 10 rows/s, 10 min 00 s in all", lines.get(20));
    }

    /** A pipe's rows are not counted ahead: the log says how many so far, without percentage or ETA. */
    @Test
    void aLogWithoutATotalCountsRowsSoFar() {
        StringWriter w = new StringWriter();
        RowProgress p = inALog(w, 0);
        at(12);
        p.to(600);
        at(3700);
        p.to(7_400);
        at(3725);
        p.to(7_450);   // 25 s after the last line: the end says it
        p.finish();
        assertEquals("""
                predict qed: 600 rows, 50 rows/s, 12 s so far
                predict qed: 7,400 rows, 2 rows/s, 1 h 01 min so far
                predict qed: 7,450 rows, 2 rows/s, 1 h 02 min in all
                """, w.toString().replace(System.lineSeparator(), "\n"));
    }

    /** The terminal's bar as before, on the same clock: redrawn with \r at most four times a second, one line in all. */
    @Test
    void aTerminalStillGetsTheRedrawnBar() {
        StringWriter w = new StringWriter();
        RowProgress p = new RowProgress(new PrintWriter(w), RowProgress.Mode.BAR, "predict qed", "rows", 200, () -> now[0]);
        at(1);
        p.to(50);     // 50 rows/s, 150 left: 3 s
        at(1.1);
        p.to(60);     // within a quarter second: skipped
        at(12);
        p.to(120);    // 10 rows/s, 80 left: 8 s
        at(20);
        p.to(200);
        p.finish();
        assertEquals("\rpredict qed [======>                 ] 50/200 rows 50.0 rows/s ETA 00:03"
                + "\rpredict qed [==============>         ] 120/200 rows 10.0 rows/s ETA 00:08"
                + "\rpredict qed [========================] 200/200 rows 10.0 rows/s 00:20 total"
                + "\rpredict qed [========================] 200/200 rows 10.0 rows/s 00:20 total\n", w.toString());
    }

    @Test
    void clock() {
        assertEquals("00:59", RowProgress.clock(59.4));
        assertEquals("01:01", RowProgress.clock(61));
        assertEquals("1:00:00", RowProgress.clock(3600));
    }

    /** A log's progress reads a file a second time for its total only up to 64 MiB: a sparse file one byte over is not. */
    @Test
    void aLogCountsTheRowsOfASmallFileOnlyFirst(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path small = java.nio.file.Files.writeString(dir.resolve("small.csv"), "smiles\nCCO\nCC\n");
        assertTrue(RowProgress.countedForLog(small));
        java.nio.file.Path big = dir.resolve("big.csv");
        try (var file = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(RowProgress.LOG_COUNT_LIMIT_BYTES + 1);
        }
        assertFalse(RowProgress.countedForLog(big));
        assertFalse(RowProgress.countedForLog(dir.resolve("missing.csv")));
    }
}
