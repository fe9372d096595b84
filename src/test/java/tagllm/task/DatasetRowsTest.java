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
}
