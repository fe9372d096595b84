package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.TinyQedExperiment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * report.json's about.wall_seconds (the runs' time, from their result.json files) and about.this_call_seconds (this
 * compare's), checked against what the test reads and measures itself, and their _s names of builds up to 82e45ea.
 */
class CompareReportWallTimesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aboutTimesAreTheRunsAndTheCalls(@TempDir Path dir) throws Exception {
        Path yaml = TinyQedExperiment.write(dir);
        Path out = dir.resolve("cmp");
        long t0 = System.nanoTime();
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q");
        double measured = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.exit(), r.err());
        double runs = runsSeconds(out);
        JsonNode about = about(out);
        assertTrue(runs > 0 && runs <= measured, runs + " s of runs in a call of " + measured + " s");
        assertEquals(runs, about.path("wall_seconds").asDouble(-1), 1e-9 * runs, about.toString());
        double thisCall = about.path("this_call_seconds").asDouble(-1);
        // the call trained every run: its own time covers theirs, and the test's covers it
        assertTrue(thisCall >= runs && thisCall <= measured, thisCall + " s for runs of " + runs + " s in a call of " + measured + " s");
        twins(about);

        // --report-only trains nothing: the runs' time is theirs still, this call's only its own
        t0 = System.nanoTime();
        r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q", "--report-only");
        measured = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.exit(), r.err());
        about = about(out);
        assertEquals(runs, about.path("wall_seconds").asDouble(-1), 1e-9 * runs, about.toString());
        thisCall = about.path("this_call_seconds").asDouble(-1);
        assertTrue(thisCall >= 0 && thisCall <= measured, thisCall + " s in a call of " + measured + " s");
        twins(about);
    }

    private static JsonNode about(Path out) throws Exception {
        return JSON.readTree(out.resolve("report.json").toFile()).path("about");
    }

    /** The wall times every run's result.json recorded, summed. */
    private static double runsSeconds(Path out) throws Exception {
        List<Path> results;
        try (Stream<Path> s = Files.list(out.resolve("runs"))) {
            results = s.map(d -> d.resolve("result.json")).filter(Files::isRegularFile).toList();
        }
        assertFalse(results.isEmpty());
        double sum = 0;
        for (Path f : results) sum += JSON.readTree(f.toFile()).path("wall_seconds").asDouble(Double.NaN);
        return sum;
    }

    private static void twins(JsonNode about) {
        assertTrue(about.path("wall_seconds").isNumber() && about.path("this_call_seconds").isNumber(), about.toString());
        assertEquals(about.path("wall_seconds"), about.path("wall_s"), about.toString());
        assertEquals(about.path("this_call_seconds"), about.path("this_call_s"), about.toString());
    }
}
