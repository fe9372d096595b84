package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** `tagllm demo` with no --model and no --data: the embedded stories260K and data samples, nothing from ../shared. */
class DemoOfflineTest {
    @Test
    void quickDemoRunsOnTheEmbeddedModelAndDataAndKeepsItsResults(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo");
        CliRun r = CliRun.of("demo", "--quick", "--quiet", "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("model: stories260K, embedded") && r.err().contains("data: the embedded samples"), r.err());
        for (String task : new String[]{"| qed |", "| descriptor |", "| ba |"}) assertTrue(r.out().contains(task), r.out());
        String yaml = Files.readString(out.resolve("demo.yaml"));
        assertFalse(yaml.contains("shared"), "the experiment names only embedded files:\n" + yaml);
        assertTrue(Files.exists(out.resolve("final.tags.safetensors")));

        // a second run would replace the first one's results: refused without --force, before anything is loaded
        String before = Files.readString(out.resolve("results.json"));
        CliRun again = CliRun.of("demo", "--quick", "--quiet", "-o", out.toString());
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("already holds a run") && again.err().contains("--force"), again.err());
        assertEquals(before, Files.readString(out.resolve("results.json")));
    }
}
