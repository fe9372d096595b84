package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * `tagllm suite` prints its results table on stdout (its help says so); it printed nothing: the table went into
 * picocli's buffered stdout with print, which an autoflush PrintWriter does not flush, and main's System.exit dropped
 * it. The in-process runner of the other tests writes through unbuffered, so this test gives the command stdout as
 * picocli's default does (a BufferedWriter over System.out) and reads only what reached the stream.
 */
class SuiteStdoutTest {
    @Test
    void theResultsTableReachesStdout(@TempDir Path dir) throws Exception {
        Path exp = TinyExperiment.oneStepQed(dir, true);
        Path out = dir.resolve("out");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8)), true));
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString()), err.toString());
        String table = Files.readString(out.resolve("results.md"));
        assertTrue(table.startsWith("| task | metric | test rows |") && table.contains("| qed | RMSE | 2 |"), table);
        assertEquals(table, stdout.toString(StandardCharsets.UTF_8), "stdout is results.md");
    }

    /** Each seed's training printed the stages' lines only, which name no seed: which seed failed could not be told. */
    @Test
    void eachSeedsTrainingIsNamedOnStderr(@TempDir Path dir) throws Exception {
        Path exp = TinyExperiment.oneStepQed(dir, false);
        Path out = dir.resolve("out");
        tagllm.testutil.CliRun r = tagllm.testutil.CliRun.of("suite", exp.toString(), "--seeds", "4,7", "-q", "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        int first = r.err().indexOf("seed 4 (1 of 2): training into " + out.resolve("seed-4"));
        int second = r.err().indexOf("seed 7 (2 of 2): training into " + out.resolve("seed-7"));
        assertTrue(first >= 0 && second > r.err().indexOf("seed 4: scoring qed"), r.err());
        assertTrue(r.err().indexOf("stage s (stage 2)", second) > second, "seed 7's stage lines follow its name: " + r.err());
    }
}
