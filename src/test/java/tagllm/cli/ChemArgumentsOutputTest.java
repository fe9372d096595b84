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

    /**
     * --strict, --force, --threads, --format and --column are read only when labelling an --input file: beside values
     * given on the command line they were accepted and changed nothing (--strict did not stop at a failed value).
     */
    @Test
    void fileOnlyOptionsWithCommandLineValuesAreUsageErrors() {
        String[][] fileOnly = {{"--strict"}, {"--force"}, {"--threads", "2"}, {"--format", "csv"}, {"--column", "mol"}};
        for (String command : new String[] {"qed", "canonical", "descriptors"}) {
            for (String[] option : fileOnly) {
                java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("chem", command));
                args.addAll(java.util.List.of(option));
                args.add(command.equals("descriptors") ? "MKV" : "CCO");
                CliRun r = CliRun.of(args.toArray(String[]::new));
                assertEquals(2, r.exit(), command + " " + option[0] + ": " + r.err());
                assertTrue(r.err().startsWith(option[0] + ": only an --input file is read with it; values given on the command line"
                        + " are each printed, with their error (exit 1 when any failed); leave out " + option[0]), r.err());
                assertEquals("", r.out());
            }
        }
    }
}
