package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * compare's options of one method (LoRA's rank, alpha and dropout; prompt tuning's init) beside --methods without that
 * method were accepted and changed nothing. Usage errors now, found before the experiment is read (none exists here).
 */
class CompareMethodOptionsTest {
    @Test
    void anOptionOfAMethodNotRunIsAUsageError(@TempDir Path dir) {
        String[][] cases = {{"--lora-rank", "4", "lora"}, {"--lora-alpha", "8", "lora"}, {"--lora-dropout", "0", "lora"},
                {"--prompt-init", "random", "prompt-tuning"}};
        for (String[] c : cases) {
            CliRun r = CliRun.of("compare", dir.resolve("exp.yaml").toString(), "-o", dir.resolve("out").toString(), "--methods", "tagllm,probe",
                    c[0], c[1]);
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().startsWith(c[0] + ": only the " + c[2] + " method reads it, and --methods tagllm,probe does not run it;"
                    + " leave it out, or add " + c[2] + " to --methods"), r.err());
            assertFalse(Files.exists(dir.resolve("out")));
        }
    }
}
