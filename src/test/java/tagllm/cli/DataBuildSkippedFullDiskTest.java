package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * data build --skipped on a full disk: the error names the --skipped file and the cause, and no training CSV is left.
 * It said only "error: java.io.IOException: No space left on device" (or, mid-input, named the training CSV).
 */
class DataBuildSkippedFullDiskTest {
    @Test
    void aFullSkippedFileIsNamedAndNothingIsWritten(@TempDir Path dir) throws Exception {
        // Linux's /dev/full: every write fails with ENOSPC, as on a full disk
        Path full = Path.of("/dev/full");
        assumeTrue(Files.exists(full) && Files.isWritable(full), "no writable /dev/full here");
        // many rows left out (too long), more than one write buffer of --skipped lines, and more than a chunk of rows
        StringBuilder b = new StringBuilder("smiles\nCCO\n");
        for (int i = 0; i < 10_000; i++) b.append("C".repeat(25)).append(i).append('\n');
        Path in = Files.writeString(dir.resolve("mols.csv"), b);
        Path out = dir.resolve("qed.csv");
        CliRun r = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", out.toString(), "--max-length", "20",
                "--skipped", full.toString(), "-q");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("cannot write " + full + ": No space left on device"), r.err());
        assertFalse(r.err().contains(out.toString()), r.err());
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertEquals(java.util.List.of(in), files.toList()); // no temporary copy left either
        }
    }

    /**
     * A few rows left out, less than one write buffer of --skipped lines: they reach the disk only when the --skipped
     * file is finished, which was after the training CSV had been renamed into place, so the CSV was written (or an
     * earlier one replaced) beside a --skipped file that failed: exit 1 with a new output and no list of what it left out.
     */
    @Test
    void aFewSkippedRowsThatDoNotFitLeaveNoTrainingCsv(@TempDir Path dir) throws Exception {
        Path full = Path.of("/dev/full");
        assumeTrue(Files.exists(full) && Files.isWritable(full), "no writable /dev/full here");
        Path in = Files.writeString(dir.resolve("mols.csv"), "smiles\nCCO\n" + "C".repeat(30) + "\nc1ccccc1\n");
        Path out = dir.resolve("qed.csv");
        Files.writeString(out, "earlier\n");
        CliRun r = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", out.toString(), "--max-length", "20",
                "--skipped", full.toString(), "--force", "-q");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("cannot write " + full + ": No space left on device"), r.err());
        assertEquals("earlier\n", Files.readString(out)); // the earlier output stays, as its --skipped list could not be written
        try (var files = Files.list(dir)) {
            assertEquals(java.util.Set.of(in, out), java.util.Set.copyOf(files.toList())); // no temporary copy left
        }
    }
}
