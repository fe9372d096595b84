package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** data build's option values checked as a wrong call (exit 2, the option named) before any file is touched. */
class DataBuildOptionsTest {
    /** --max-length below 1 keeps no input at all; it stopped with exit 1 and a message that did not name the option. */
    @Test
    void maxLengthBelowOneIsAUsageError(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("in.csv"), "smiles\nCCO\n");
        Path out = dir.resolve("out.csv");
        for (String[] build : new String[][]{{"qed", "0"}, {"descriptor", "-3"}}) {
            CliRun r = CliRun.of("data", "build", build[0], "--input", in.toString(), "--output", out.toString(), "--column", "smiles",
                    "--max-length", build[1]);
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().startsWith("--max-length must be at least 1 (inputs longer than it are skipped, so below 1 keeps none), got "
                    + build[1]), r.err());
            assertFalse(Files.exists(out));
        }
    }
}
