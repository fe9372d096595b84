package tagllm.task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A split is named as a split column names it: valid is also val, dev or validation, in any case. */
class DatasetRowsTest {
    @Test
    void theSplitColumnsNamesNameTheSplits(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("d.csv"), "smiles,qed,split\nCCO,0.4,train\nCCN,0.3,dev\nCCC,0.2,test\nCCCl,0.1,val\n");
        DataSpec spec = new DataSpec(f, null, "split", "train", "valid", "test", null, 42, 0, 0);
        DatasetRows rows = new DatasetRows(true);
        List<String> valid = rows.load(spec, "valid").stream().map(r -> r.get("smiles")).toList();
        assertEquals(List.of("CCN", "CCCl"), valid);
        for (String alias : List.of("val", "dev", "validation", " Valid ")) {
            assertEquals(valid, rows.load(spec, alias).stream().map(r -> r.get("smiles")).toList(), alias);
        }
        assertEquals(List.of("CCC"), rows.load(spec, "TEST").stream().map(r -> r.get("smiles")).toList());
        var e = assertThrows(IllegalArgumentException.class, () -> rows.load(spec, "holdout"));
        assertTrue(e.getMessage().contains("unknown split 'holdout'") && e.getMessage().contains("also val, dev, validation"), e.getMessage());
    }

    /** strict: the split column's check is a pass after the reader's, yet its bad row at line 3 comes before the reader's at line 5. */
    @Test
    void strictReportsTheFirstBadRowOfTheReadAndTheSplitInFileOrder(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("d.csv"), "smiles,qed,split\nCCO,0.4,test\nCCN,0.3,tset\nCCC,0.2,test\nCCCl,0.1\nCCBr,0.1,test\n");
        DataSpec spec = new DataSpec(f, null, "split", "train", "valid", "test", null, 42, 0, 0);
        var e = assertThrows(tagllm.data.DatasetException.class, () -> new DatasetRows(true).load(spec, "test"));
        assertTrue(e.getMessage().startsWith(f + ":3: "), e.getMessage());
        // a caller checking further gets the rows before it, the problem held in its checks
        tagllm.data.RowIssues checks = tagllm.data.RowIssues.firstInFileOrder();
        List<String> before = new DatasetRows(true).load(spec, "test", checks).stream().map(r -> r.get("smiles")).toList();
        assertEquals(List.of("CCO"), before);
        assertEquals(3, checks.first().orElseThrow().origin().line());
        // not strict: every good row of the split, the bad ones noted
        DatasetRows skipping = new DatasetRows(false);
        assertEquals(List.of("CCO", "CCC", "CCBr"), skipping.load(spec, "test").stream().map(r -> r.get("smiles")).toList());
        assertEquals(List.of(3L, 5L), skipping.skipped(spec).stream().map(x -> x.origin().line()).toList());
    }

    /**
     * strict stops reading at the reader's first bad row: a NUL byte megabytes after it (a file error had it been
     * read, thrown at once) is never reached, and the bad row is the one named. The whole file was read first, so a
     * multi-GB file took minutes to fail, and here the NUL's line was named instead of the bad row's.
     */
    @Test
    void strictStopsReadingAtTheFirstBadRow(@TempDir Path dir) throws Exception {
        String text = "smiles,qed,split\nCCO,0.4,test\nCCN,0.3\n" + "CCC,0.2,test\n".repeat(300_000) + "C\0C,0.1,test\n";
        Path f = Files.writeString(dir.resolve("d.csv"), text);
        DataSpec spec = new DataSpec(f, null, "split", "train", "valid", "test", null, 42, 0, 0);
        var e = assertThrows(tagllm.data.DatasetException.class, () -> new DatasetRows(true).load(spec, "test"));
        assertEquals(f + ":3: expected 3 fields as in the header, got 2", e.getMessage());
        tagllm.data.RowIssues checks = tagllm.data.RowIssues.firstInFileOrder();
        assertEquals(List.of("CCO"), new DatasetRows(true).load(spec, "test", checks).stream().map(r -> r.get("smiles")).toList());
        assertEquals(3, checks.first().orElseThrow().origin().line());
        // the first row bad: no row read, no header known, and no note that the file lacks a split column
        Path g = Files.writeString(dir.resolve("g.csv"), "smiles,qed,split\nCCN,0.3\n" + "CCC,0.2,test\n".repeat(300_000) + "\0\n");
        DataSpec gs = new DataSpec(g, null, "split", "train", "valid", "test", null, 42, 0, 0);
        DatasetRows rows = new DatasetRows(true);
        var e2 = assertThrows(tagllm.data.DatasetException.class, () -> rows.load(gs, "test"));
        assertEquals(g + ":2: expected 3 fields as in the header, got 2", e2.getMessage());
        assertNull(rows.note(gs));
        // not strict: every row is read, so the NUL is met
        var e3 = assertThrows(tagllm.data.DatasetException.class, () -> new DatasetRows(false).load(spec, "test"));
        assertTrue(e3.getMessage().startsWith(f + ":300004: a NUL character"), e3.getMessage());
    }
}
