package tagllm.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.TinyQedExperiment;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Writing the report can fail after every run finished (a full disk after hours of training). The error named the
 * file and stopped there; the runs are kept, and --report-only writes the report from them without training again:
 * the error now says so, and that call does.
 */
class ReportWriteFailureTest {
    @Test
    void aReportThatCannotBeWrittenSaysHowToWriteItAgain(@TempDir Path dir) throws Exception {
        Path yaml = TinyQedExperiment.write(dir);
        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "-o", out.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        // report.html cannot be replaced: a folder with a file in it stands in its place
        Path html = out.resolve("report.html");
        Files.delete(html);
        Files.createDirectories(html.resolve("in-the-way"));
        r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "-o", out.toString(), "--resume", "-q");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains(html.toString()), r.err());
        assertTrue(r.err().contains("the finished runs are kept in " + out.toAbsolutePath().normalize().resolve("runs")
                + ": the same command with --report-only writes the report again, running nothing"), r.err());

        Files.delete(html.resolve("in-the-way"));
        Files.delete(html);
        r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "-o", out.toString(), "--report-only", "-q");
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.readString(html).contains("<html"), "the page is back");
    }
}
