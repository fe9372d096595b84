package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.OverflowingModel;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A test row too long for the task's max_length left the suite's scores without a word: training never reads the test
 * split, so nothing had reported it, and results.json's test_rows was simply one smaller than the split. The suite
 * now says which rows it skipped, with file, line and reason, on stderr and in results.json.
 */
class SuiteSkippedRowsTest {
    @Test
    void aTestRowTooLongIsToldWithItsLine(@TempDir Path dir) throws Exception {
        StringBuilder csv = TinyExperiment.qedTrainingRows();
        csv.append("CO,0.2,valid\nCN,0.3,valid\nNCCN,0.5,test\n");
        csv.append("C".repeat(120)).append(",0.7,test\n"); // line 13: far past max_length 100
        csv.append("OCCCO,0.6,test\n");
        Files.writeString(dir.resolve("d.csv"), csv);
        Path exp = TinyExperiment.write(dir, """
                tasks:
                  qed: {preset: QED, max_length: 100, head: {bias: true, init: ridge}, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [qed], batch_size: 2, max_steps: 1}
                """);
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        String where = dir.resolve("d.csv") + ":13: too long";
        assertTrue(r.err().contains("seed 0: task qed (test): 1 row skipped:\n  " + where), r.err());
        JsonNode task = new ObjectMapper().readTree(out.resolve("results.json").toFile()).get(0);
        assertEquals(2, task.path("test_rows").asInt(), task.toString());
        JsonNode skipped = task.path("skipped_rows");
        assertEquals(1, skipped.path("test").path("rows").asInt(), task.toString());
        assertTrue(skipped.path("test").path("first").get(0).asText().startsWith(where), task.toString());
        assertFalse(skipped.has("train") || skipped.has("valid"), "no train or valid row was skipped: " + skipped);
    }

    /**
     * suite --force over an earlier suite that then stops part-way left the earlier run's results.md beside the new
     * run's results.json, a table of another run that nothing marked as stale. The run here stops on what no up-front
     * check can see: a model whose hidden states overflow (OverflowingModel), so the stage's loss is NaN at its first
     * step, once the seed has begun to train into its folder.
     */
    @Test
    void aForcedRunThatStopsLeavesNoEarlierTables(@TempDir Path dir) throws Exception {
        Path model = OverflowingModel.write(dir.resolve("model"));
        StringBuilder csv = TinyExperiment.qedTrainingRows().append("CO,0.2,valid\nCN,0.3,valid\nNCCN,0.5,test\nOCCCO,0.6,test\n");
        Files.writeString(dir.resolve("d.csv"), csv);
        Path exp = Files.writeString(dir.resolve("exp.yaml"), "model: " + model + "\ntag_length: 2\n" + """
                tasks:
                  qed: {preset: QED, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [qed], batch_size: 2, max_steps: 1}
                """);
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("results.md"), "| task | an earlier suite's table |\n");
        Files.writeString(out.resolve("results.json"), "[]");
        CliRun r = CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "--force", "-o", out.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("error: stage s: the loss is NaN at step 1, before any update"), r.err());
        assertTrue(Files.isDirectory(out.resolve("seed-0")), "the run stopped before it began: " + r.err());
        assertFalse(Files.exists(out.resolve("results.md")), "the earlier table was left as if it were this run's");
        assertFalse(Files.exists(out.resolve("results.json")));
    }
}
