package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.TinyQedExperiment;
import tagllm.train.RunFolderLock;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two compares training into one folder (a second --resume started while the first still runs) each trained the
 * unfinished runs, truncating each other's metrics logs. compare now holds the folder's lock while it trains: the
 * second is refused naming the folder. --report-only trains nothing and may still read a running compare's folder.
 */
class CompareFolderLockTest {
    @Test
    void aSecondCompareOnAFolderInUseIsRefused(@TempDir Path dir) throws Exception {
        Path yaml = TinyQedExperiment.write(dir);
        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        // another compare holds the folder (here: this test, as that compare's process would)
        try (RunFolderLock held = RunFolderLock.take(out)) {
            CliRun second = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "2", "-o", out.toString(), "-q", "--resume");
            assertEquals(1, second.exit(), second.err());
            assertTrue(second.err().contains("output folder " + out + " is being written by another run"), second.err());
            assertFalse(Files.exists(out.resolve("runs/probe-seed1")), "refused before it trained anything");
            CliRun peek = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q", "--report-only");
            assertEquals(0, peek.exit(), peek.err());
        }
        CliRun after = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "2", "-o", out.toString(), "-q", "--resume");
        assertEquals(0, after.exit(), after.err());
    }
}
