package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.TinyQedExperiment;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --report-only over a folder whose runs used 2 seeds, asked for 3, rewrote report.json for 3 seeds (one of each
 * method missing) without a word: the same runs, a report that means something else. Now a rewrite whose seeds,
 * methods, ablations or tasks differ from report.json's is a usage error naming the difference, unless --force; the
 * same options re-render it as before.
 */
class CompareReportOnlyScopeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anotherScopeNeedsForce(@TempDir Path dir) throws Exception {
        Path yaml = TinyQedExperiment.write(dir);
        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "2", "-o", out.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        byte[] report = Files.readAllBytes(out.resolve("report.json"));

        CliRun seeds = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "3", "-o", out.toString(), "--report-only", "-q");
        assertEquals(2, seeds.exit(), seeds.err());
        assertTrue(seeds.err().contains("--report-only would rewrite " + out.resolve("report.json") + " for another comparison: seeds [0, 1] in "
                + "report.json, now [0, 1, 2]"), seeds.err());
        assertArrayEquals(report, Files.readAllBytes(out.resolve("report.json")), "refused: the report is as it was");

        CliRun methods = CliRun.of("compare", yaml.toString(), "--methods", "probe,lora", "--seeds", "2", "-o", out.toString(), "--report-only", "-q");
        assertEquals(2, methods.exit(), methods.err());
        assertTrue(methods.err().contains("methods [probe] in report.json, now [probe, lora]"), methods.err());

        CliRun same = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "2", "-o", out.toString(), "--report-only", "-q");
        assertEquals(0, same.exit(), same.err());

        CliRun forced = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "3", "-o", out.toString(), "--report-only",
                "--force", "-q");
        assertEquals(0, forced.exit(), forced.err());
        JsonNode now = JSON.readTree(out.resolve("report.json").toFile());
        assertEquals("[0,1,2]", now.path("about").path("seeds").toString());
        assertTrue(Files.isRegularFile(out.resolve("runs/probe-seed0/result.json")), "--force with --report-only keeps the runs");
        assertTrue(Files.isRegularFile(out.resolve("runs/probe-seed1/result.json")));

        // a report.json that does not parse has no scope to keep: --report-only writes it again
        Files.writeString(out.resolve("report.json"), "{\"about\": {\"seeds\": [0,");
        CliRun cut = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "2", "-o", out.toString(), "--report-only", "-q");
        assertEquals(0, cut.exit(), cut.err());
        assertEquals("[0,1]", JSON.readTree(out.resolve("report.json").toFile()).path("about").path("seeds").toString());
    }
}
