package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.TinyQedExperiment;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A run's result.json that does not parse (cut short by hand, a partial copy) stopped --resume and --report-only with
 * Jackson's message alone ("Illegal unquoted character ... RunResult["id"]"), naming neither the file nor the run.
 * Now the error names the file and what to do about it.
 */
class CompareUnreadableResultTest {
    @Test
    void theUnreadableFileIsNamed(@TempDir Path dir) throws Exception {
        Path yaml = TinyQedExperiment.write(dir);
        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        Path result = out.resolve("runs/probe-seed0/result.json");
        Files.writeString(result, "{\"id\": \"probe-se\n");
        for (String mode : new String[]{"--resume", "--report-only"}) {
            CliRun again = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q", mode);
            assertEquals(1, again.exit(), again.err());
            assertTrue(again.err().contains(result + ": not a run result compare can read ("), again.err());
            assertTrue(again.err().contains("remove that run's folder to train it again with --resume, or start over with --force"), again.err());
        }
        Files.writeString(result, "{\"id\": \"probe-seed0\"}");
        CliRun partial = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q", "--resume");
        assertEquals(1, partial.exit(), partial.err());
        assertTrue(partial.err().contains(result + ": a run result needs id, method, tasks and curves"), partial.err());
    }
}
