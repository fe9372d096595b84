package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code data build --skipped -} writes the rows left out to standard output, as {@code -} is for every file tagllm
 * writes; it was taken as a file named "-" in the working directory. Run in a JVM of its own, in a directory of its
 * own, with a pipe for stdout (the test JVM's own streams belong to the test runner).
 */
class DataBuildSkippedToStdoutTest {
    @TempDir
    Path dir;

    private record Ran(int exit, String out, String err) {}

    private Ran run(String... args) throws IOException, InterruptedException {
        return run(null, args);
    }

    /** stdout to {@code stdout} when given (a shell's {@code > file}), else a pipe read back as {@code out}. */
    private Ran run(Path stdout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dtagllm.relaunched=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Path err = dir.resolve("stderr.txt");
        ProcessBuilder b = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(err.toFile());
        if (stdout != null) b.redirectOutput(stdout.toFile());
        Process p = b.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        return new Ran(exit, out, Files.readString(err));
    }

    @Test
    void aDashWritesTheRowsLeftOutToStandardOutputAndNothingElse() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/stdout")), "no /dev/stdout (not Linux or macOS)");
        // kept: lines 2 and 4; left out: 3 repeats 2, 5 an invalid SMILES
        Path in = Files.writeString(dir.resolve("mols.csv"), "smiles\nCCO\nCCO\nc1ccccc1\nC1CC\n");
        Path csv = dir.resolve("qed.csv");
        Ran r = run("data", "build", "qed", "--input", in.toString(), "--output", csv.toString(), "--skipped", "-");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertEquals("{\"file\":\"" + in + "\",\"line\":3,\"reason\":\"duplicate of line 2 (the paper de-duplicates; --keep-duplicates keeps repeats)\"}",
                lines.get(0));
        assertTrue(lines.get(1).startsWith("{\"file\":\"" + in + "\",\"line\":5,\"reason\":\"invalid SMILES 'C1CC'"), lines.get(1));
        assertTrue(r.err().contains("2 rows left out:"), r.err()); // stderr keeps its listing
        assertEquals(3, Files.readAllLines(csv).size(), "header and two rows");
        assertFalse(Files.exists(dir.resolve("-")), "no file named -");
    }

    @Test
    void bothToStandardOutputIsAUsageError() throws Exception {
        Path in = Files.writeString(dir.resolve("mols.csv"), "smiles\nCCO\n");
        CliRun r = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", "-", "--skipped", "-", "-q");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--skipped and --output both write to standard output"), r.err());
    }

    /** {@code --skipped - > qed.csv} with {@code --output qed.csv}: both would go to one file, refused as the same file is. */
    @Test
    void standardOutputSentToTheOutputFileIsAUsageError() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/stdout")), "no /dev/stdout (not Linux or macOS)");
        Path in = Files.writeString(dir.resolve("mols.csv"), "smiles\nCCO\nCCO\n");
        Path csv = dir.resolve("qed.csv");
        Ran r = run(csv, "data", "build", "qed", "--input", in.toString(), "--output", csv.toString(), "--skipped", "-", "--force", "-q");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--skipped and --output both write to standard output"), r.err());
    }
}
