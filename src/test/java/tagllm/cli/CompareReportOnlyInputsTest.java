package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.TinyQedExperiment;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --report-only writes nothing but the report, yet it rewrote DIR/inputs.json with today's experiment, model and
 * data. Where the runs' own inputs were not recorded (a compare of a version before inputs.json, or one whose
 * inputs.json lacks a key), that wrote inputs the runs may not have been made with, and a later --resume then took
 * those runs for runs of today's inputs. Now inputs.json is left as it was.
 */
class CompareReportOnlyInputsTest {
    @Test
    void inputsJsonIsLeftAsItWas(@TempDir Path dir) throws Exception {
        Path yaml = TinyQedExperiment.write(dir);
        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        Path inputs = out.resolve("inputs.json");
        // an older compare's record: no experiment hash
        String older = Files.readString(inputs).replaceFirst("\\s*\"experiment_sha256\" : \"[0-9a-f]+\",", "");
        assertFalse(older.contains("experiment_sha256"), older);
        Files.writeString(inputs, older);
        CliRun report = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q", "--report-only");
        assertEquals(0, report.exit(), report.err());
        assertEquals(older, Files.readString(inputs), "--report-only writes nothing but the report");

        Files.delete(inputs);
        report = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q", "--report-only");
        assertEquals(0, report.exit(), report.err());
        assertFalse(Files.exists(inputs), "--report-only writes nothing but the report");
    }
}
