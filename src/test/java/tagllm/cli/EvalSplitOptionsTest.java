package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * eval's split options that the split given does not read are usage errors (exit 2), as the experiment file refuses the
 * same keys: they would be accepted and change nothing. Checked before the model loads, so no model is needed here.
 */
class EvalSplitOptionsTest {
    private static CliRun eval(Path dir, String... more) {
        List<String> args = new ArrayList<>(List.of("eval", "--model", dir.resolve("no-model").toString(), "--tags",
                dir.resolve("no.tags.safetensors").toString(), "--task", "t", "--input", dir.resolve("d.csv").toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** largest_first places scaffold groups by size alone: --split-seed beside it was accepted and changed nothing. */
    @Test
    void splitSeedBesideLargestFirstIsAUsageError(@TempDir Path dir) {
        CliRun r = eval(dir, "--split-by", "scaffold", "--scaffold-order", "largest_first", "--split-seed", "0");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("--split-seed: --scaffold-order largest_first places scaffold groups by size alone and takes no seed;"
                + " leave out --split-seed, or give --scaffold-order balanced, whose shuffle it seeds"), r.err());
        assertTrue(r.err().contains("Usage:"), r.err());
    }

    /** A split option the split given does not read was accepted and changed nothing (as split: keys of another kind are refused). */
    @Test
    void splitOptionsAnotherSplitReadsAreUsageErrors(@TempDir Path dir) {
        CliRun seed = eval(dir, "--split-seed", "3");
        assertEquals(2, seed.exit(), seed.err());
        assertTrue(seed.err().startsWith("--split-seed: only a scaffold or random split takes it (--split-by scaffold|random); a split"
                + " column names each row's split"), seed.err());
        CliRun smiles = eval(dir, "--split-by", "random", "--smiles-column", "mol");
        assertEquals(2, smiles.exit(), smiles.err());
        assertTrue(smiles.err().startsWith("--smiles-column: only a scaffold split takes it (--split-by scaffold)"), smiles.err());
        for (String by : List.of("random", "scaffold")) {
            CliRun column = eval(dir, "--split-by", by, "--split-column", "fold");
            assertEquals(2, column.exit(), column.err());
            assertTrue(column.err().startsWith("--split-column: --split-by " + by + " splits the rows itself and reads no split column;"
                    + " leave out --split-column, or give --split-by column"), column.err());
        }
    }
}
