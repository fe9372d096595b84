package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The probe chooses λ on the valid rows, or, where a task has none, on the last fifth of its training rows:
 * report.json (each probe seed's "lambda_chosen_on") and report.html say which.
 */
class CompareProbeLambdaRowsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode probeSeed(Path dir, String validRows) throws Exception {
        StringBuilder csv = TinyExperiment.qedTrainingRows().append(validRows).append("NCCN,0.5,test\nOCCCO,0.6,test\n");
        Files.writeString(dir.resolve("d.csv"), csv);
        Path exp = TinyExperiment.write(dir, "tasks:\n  qed: {preset: QED, data: d.csv}\n"
                + "stages:\n  - {name: s, stage: 2, tasks: [qed], batch_size: 2, max_steps: 1}\n");
        CliRun r = CliRun.of("compare", exp.toString(), "--methods", "probe", "--seeds", "1", "-o", dir.resolve("out").toString());
        assertEquals(0, r.exit(), r.err());
        return JSON.readTree(dir.resolve("out/report.json").toFile()).path("tasks").path("qed").path("variants").path("probe").path("seeds").get(0);
    }

    @Test
    void withoutValidRowsTheReportSaysTheTrainingRowsChoseLambda(@TempDir Path dir) throws Exception {
        JsonNode seed = probeSeed(dir, ""); // the file has train and test rows only
        assertEquals("last fifth of train (no valid rows)", seed.path("lambda_chosen_on").asText(), seed.toString());
        String html = Files.readString(dir.resolve("out/report.html"));
        assertTrue(html.contains("probe's λ chosen on: last fifth of train (no valid rows)"), "report.html says it");
    }

    @Test
    void withValidRowsTheValidRowsChoseLambda(@TempDir Path dir) throws Exception {
        JsonNode seed = probeSeed(dir, "CO,0.2,valid\nCN,0.3,valid\n");
        assertEquals("valid", seed.path("lambda_chosen_on").asText(), seed.toString());
        assertTrue(Files.readString(dir.resolve("out/report.html")).contains("probe's λ chosen on: valid"));
    }
}
