package tagllm.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * spark score --compute bf16 where the native kernels are not loaded: refused on the driver before any job, as
 * predict refuses it (exit 2, the same words). The kernels are switched off as the core's tests do, with
 * -Dtagllm.native=false, in a JVM of its own (the library is loaded once per JVM). The old command started the job and
 * failed inside it (exit 1, a task's trace).
 */
class ComputeBf16RefusedTest {
    @TempDir
    Path dir;

    record Run(int exit, String output) {}

    @Test
    void bf16WithoutTheKernelsIsAUsageErrorAsInPredict() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        String model = Fixtures.model();
        Path in = Files.writeString(dir.resolve("in.csv"), "smiles\n" + String.join("\n", Fixtures.smiles(2)) + "\n");
        Path out = dir.resolve("out.parquet"), pred = dir.resolve("pred.csv");
        String refused = "--compute bf16 is not available here: disabled by -Dtagllm.native=false";

        Run p = withoutKernels("predict", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", in.toString(),
                "--output", pred.toString(), "--compute", "bf16");
        assertEquals(2, p.exit(), p.output());
        assertTrue(p.output().contains(refused), p.output());

        Run s = withoutKernels("spark", "score", "--master", "local[1]", "--model", model, "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", out.toString(), "--compute", "bf16");
        assertEquals(2, s.exit(), s.output());
        assertEquals(firstLine(p.output()), firstLine(s.output()), "the same message as predict's");
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve(".out.parquet.lock")), "refused before the output's lock is taken");
    }

    @Test
    void aMasterWhoseExecutorsRunElsewhereIsNotCheckedHere() {
        assertTrue(SparkScoreCommand.executorsRunHere("local[2]"));
        assertTrue(SparkScoreCommand.executorsRunHere("local-cluster[2,1,1024]"));
        assertFalse(SparkScoreCommand.executorsRunHere("spark://host:7077"));
        assertFalse(SparkScoreCommand.executorsRunHere("yarn"));
    }

    private static String firstLine(String s) {
        return s.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
    }

    /** tagllm ARGS in a JVM of this one's options and class path, with the native kernels switched off. */
    private static Run withoutKernels(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--") || a.startsWith("-XX:") || a.startsWith("-Dio.netty")) cmd.add(a);
        }
        cmd.addAll(List.of("-Dtagllm.native=false", "-cp", System.getProperty("java.class.path"), tagllm.cli.Main.class.getName()));
        cmd.addAll(List.of(args));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String output = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(proc.waitFor(3, TimeUnit.MINUTES), "tagllm ended");
            return new Run(proc.exitValue(), output);
        } finally {
            proc.destroyForcibly();
        }
    }
}
