package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * chem qed/canonical with SMILES on the command line print a table on standard output: an --output file given with them
 * was ignored (exit 0, the file never written), so a user who asked for the file got nothing and no word of it.
 */
class ChemArgumentsOutputTest {
    @Test
    void anOutputFileWithCommandLineValuesIsAUsageError(@TempDir Path dir) {
        for (String command : new String[] {"qed", "canonical"}) {
            Path out = dir.resolve(command + ".csv");
            CliRun r = CliRun.of("chem", command, "--output", out.toString(), "CCO", "c1ccccc1");
            assertEquals(2, r.exit(), command + ": " + r.err());
            assertTrue(r.err().contains("--output") && r.err().contains("standard output"), r.err());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void outputDashIsStandardOutputAndStillPrintsTheTable() {
        CliRun r = CliRun.of("chem", "qed", "--output", "-", "CCO");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("qed\tsmiles\terror\n"), r.out());
    }
}
