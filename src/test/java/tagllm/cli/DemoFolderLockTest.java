package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.train.RunFolderLock;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * `demo --force` into a folder where a compare is still running wrote its own demo.yaml over the experiment that
 * compare runs, and only then was refused by compare's folder lock. It is now refused before it writes anything.
 */
class DemoFolderLockTest {
    @Test
    void aDemoIntoAFolderInUseLeavesItsExperimentAlone(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo");
        Files.createDirectories(out);
        String running = "# the experiment a running compare reads\n";
        Files.writeString(out.resolve("demo.yaml"), running);
        // the running compare's lock (here held by this test, as that compare's process would)
        try (RunFolderLock held = RunFolderLock.take(out)) {
            CliRun r = CliRun.of("demo", "--quick", "--quiet", "--force", "-o", out.toString());
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains("output folder " + out.toAbsolutePath().normalize() + " is being written by another run"), r.err());
            assertEquals(running, Files.readString(out.resolve("demo.yaml")), "demo.yaml untouched");
        }
    }
}
