package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `tagllm eval --json` on stories260K in a child JVM of a small heap (SerialGC, so the heap is the limit and not a
 * collector's spare room): the heap tests' way of showing eval does not hold what it should not.
 */
final class EvalInSmallHeap {
    private EvalInSmallHeap() {}

    /** Runs eval of task on input with tags; asserts exit 0 and returns the JSON it printed. */
    static JsonNode run(Path dir, String heap, Path tags, String task, Path input) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), heap,
                "-XX:+UseSerialGC", "--add-modules", "jdk.incubator.vector", "-D" + Relaunch.MARKER + "=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "eval", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(), "--task", task,
                "--input", input.toString(), "--json", "-q");
        Path out = dir.resolve("out.txt"), err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "eval did not finish");
        String stdout = Files.readString(out), stderr = Files.readString(err);
        assertEquals(0, p.exitValue(), "stderr: " + stderr + "\nstdout: " + stdout);
        return new ObjectMapper().readTree(stdout);
    }
}
