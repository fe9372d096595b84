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
    void silentOffATerminal() {
        StringWriter w = new StringWriter();
        RowProgress p = new RowProgress(new PrintWriter(w), false, "eval", "rows", 10);
        for (int i = 1; i <= 10; i++) p.advance(1);
        p.finish();
        assertEquals("", w.toString());
    }

    @Test
    void clock() {
        assertEquals("00:59", RowProgress.clock(59.4));
        assertEquals("01:01", RowProgress.clock(61));
        assertEquals("1:00:00", RowProgress.clock(3600));
    }
}
