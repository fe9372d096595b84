package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * eval of BA on a file whose input and label columns are named otherwise skipped every row ("missing column
 * 'affinity'") and ended with "no usable rows" alone: neither --label nor the placeholder --column takes ({protein},
 * read from protein_seq) was named. The final error now names each column no row has and the option that maps it.
 */
class EvalTwoInputColumnsTest {
    @Test
    void noUsableRowsNamesTheColumnsNoRowHasAndTheirOptions(@TempDir Path dir) throws Exception {
        Path tags = PredictTwoInputColumnsTest.baTags(dir);
        Path in = Files.writeString(dir.resolve("renamed.csv"), "target,drug,pkd\nMKTAYI,CCO,5.0\nMKTA,CCN,6.5\nMKTAY,CCC,7.0\n");
        String model = Shared.model("stories260K").toString();
        CliRun r = CliRun.of("eval", "--model", model, "--tags", tags.toString(), "--task", "ba", "--input", in.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("no usable rows (all rows) for task ba; no row has the column"
                + " 'protein_seq' (placeholder {protein}): --column protein=COLUMN reads it from another column;"
                + " 'smiles': --column smiles=COLUMN reads it from another column;"
                + " 'affinity' (the label): --label COLUMN names the column of the true values"), r.err());
        // written as it says, every row is scored
        CliRun mapped = CliRun.of("eval", "--model", model, "--tags", tags.toString(), "--task", "ba", "--input", in.toString(),
                "--column", "protein=target", "--column", "smiles=drug", "--label", "pkd");
        assertEquals(0, mapped.exit(), mapped.err());
        assertTrue(mapped.err().contains("3 rows (all rows), 3 scored, 0 left out"), mapped.err());
    }
}
