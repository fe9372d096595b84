package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.TinyQedExperiment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The probe has no randomness: every seed is the same fit. --report-only once left out an unfinished probe seed
 * (its check came before the reuse), so a compare whose probe-seed0 had not finished reported the probe with one seed
 * where seed 1's fit gives both; and what was left out was said only on stderr. Now the seed is derived from any
 * finished one, and report.json's about.missing_runs (and the printed tables) name what is genuinely missing.
 */
class ReportOnlyProbeSeedTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anUnfinishedProbeSeedIsTheFinishedSeedsFit(@TempDir Path dir) throws Exception {
        Path yaml = TinyQedExperiment.write(dir);
        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "2", "-o", out.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        JsonNode full = JSON.readTree(out.resolve("report.json").toFile()).path("tasks").path("qed").path("variants").path("probe");
        assertEquals(2, full.path("seeds").size());

        // seed 0 interrupted: its folder holds no result.json
        Files.delete(out.resolve("runs/probe-seed0/result.json"));
        r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "2", "-o", out.toString(), "--report-only", "-q");
        assertEquals(0, r.exit(), r.err());
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        JsonNode probe = report.path("tasks").path("qed").path("variants").path("probe");
        assertEquals(2, probe.path("seeds").size(), "seed 0 is seed 1's fit: " + probe);
        assertEquals(full.path("mean").path("mse").asDouble(), probe.path("mean").path("mse").asDouble(), 0.0);
        List<Long> seeds = new ArrayList<>();
        for (JsonNode run : report.path("runs")) if (run.path("method").asText().equals("probe")) seeds.add(run.path("seed").asLong());
        assertEquals(List.of(0L, 1L), seeds);
        assertEquals(0, report.path("about").path("missing_runs").size(), report.path("about").toString());
        assertFalse(Files.exists(out.resolve("runs/probe-seed0/result.json")), "--report-only writes nothing but the report");

        // the baseline (a mean, no training) is computed for the report when no seed of it finished, and not written
        byte[] baseline0 = Files.readAllBytes(out.resolve("runs/baseline-seed0/result.json"));
        byte[] baseline1 = Files.readAllBytes(out.resolve("runs/baseline-seed1/result.json"));
        Files.delete(out.resolve("runs/baseline-seed0/result.json"));
        Files.delete(out.resolve("runs/baseline-seed1/result.json"));
        r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "2", "-o", out.toString(), "--report-only", "-q");
        assertEquals(0, r.exit(), r.err());
        assertFalse(JSON.readTree(out.resolve("report.json").toFile()).path("tasks").path("qed").path("variants").path("baseline").isMissingNode());
        assertFalse(Files.exists(out.resolve("runs/baseline-seed0/result.json")), "--report-only writes nothing but the report");
        assertFalse(Files.exists(out.resolve("runs/baseline-seed1/result.json")), "--report-only writes nothing but the report");
        Files.write(out.resolve("runs/baseline-seed0/result.json"), baseline0);
        Files.write(out.resolve("runs/baseline-seed1/result.json"), baseline1);

        // no probe seed finished: nothing to derive it from, and the report says so
        Files.delete(out.resolve("runs/probe-seed1/result.json"));
        r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "2", "-o", out.toString(), "--report-only");
        assertEquals(0, r.exit(), r.err());
        report = JSON.readTree(out.resolve("report.json").toFile());
        assertTrue(report.path("tasks").path("qed").path("variants").path("probe").isMissingNode(), report.path("tasks").toString());
        assertEquals(List.of("probe-seed0", "probe-seed1"), JSON.convertValue(report.path("about").path("missing_runs"),
                JSON.getTypeFactory().constructCollectionType(List.class, String.class)));
        assertTrue(r.out().contains("not finished, left out of these tables: probe-seed0, probe-seed1"), r.out());
        assertTrue(Files.readString(out.resolve("report.html")).contains("<b>Not finished, left out of these tables:</b> probe-seed0, probe-seed1"),
                "report.html names the missing runs too");
    }
}
