package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * "-" is standard input for a file a command reads and standard output for one it writes. Run as a user runs it, in
 * a JVM of its own with a pipe for stdin and stdout (the test JVM's own streams belong to the test runner).
 */
class StandardStreamsTest {
    @TempDir
    Path dir;

    private static String run(String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dtagllm.relaunched=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", args) + " -> " + out);
        return out;
    }

    @Test
    void aDashReadsStandardInputAndWritesStandardOutput() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/stdin")), "no /dev/stdin (not Linux or macOS)");
        String scored = run("gold,prediction\n1,1.5\n2,2\n3,2.5\n", "score", "regression", "-", "--format", "csv");
        assertTrue(scored.startsWith("n = 3\nMSE = 0.166667\n"), scored); // (0.25 + 0 + 0.25) / 3
        String labelled = run("smiles\nCCO\n", "chem", "qed", "--input", "-", "--format", "csv", "--output", "-", "--quiet");
        assertEquals("smiles,qed,error", labelled.lines().findFirst().orElseThrow(), labelled);
        assertTrue(labelled.lines().skip(1).findFirst().orElseThrow().startsWith("CCO,0.4068"), labelled); // RDKit: QED(CCO) = 0.4068
    }
}
