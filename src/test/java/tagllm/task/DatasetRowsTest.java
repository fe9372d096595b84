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
}
