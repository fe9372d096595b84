package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A method whose loss diverges no longer stops compare: the run is recorded as failed, the methods after it run, the
 * report names it, and the command exits 1 at the end. Made to diverge here: plain SGD at lr 0.2 without gradient
 * clipping sends LoRA's loss to NaN at step 3, while Tag-LLM's 4 steps stay finite.
 */
class CompareDivergedRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aDivergingRunIsRecordedAndTheOthersGoOn(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("exp.yaml");
        Files.writeString(yaml, """
                model: %s
                seed: 5
                recipe: robust
                tag_length: 2
                tasks:
                  smiles_text: {preset: SMILES, max_length: 64, data: {path: %s, max_train: 16, max_eval: 8}}
                  qed: {preset: QED, max_length: 160, data: {path: %s, max_train: 24, max_eval: 16}}
                stages:
                  - {name: s1, stage: 1, tasks: [smiles_text], max_steps: 2}
                  - {name: s2, stage: 2, tasks: [qed], max_steps: 4, eval_every: 2, enrich: false, optimizer: sgd, lr: 0.2,
                     max_grad_norm: 0, schedule: constant, warmup_ratio: 0}
                """.formatted(Shared.model("stories260K"), Shared.data("smiles/zinc20k.csv"), Shared.data("smiles/zinc20k.csv")));
        Path out = dir.resolve("cmp");
        // LoRA first: the method after it (Tag-LLM) and the baseline still run
        CliRun first = CliRun.of("compare", yaml.toString(), "--methods", "lora,tagllm", "--seeds", "1", "-o", out.toString(), "-q");
        assertEquals(1, first.exit(), first.err());
        assertTrue(first.err().contains("run lora-seed5: task qed diverged at step 3 of stage lora-qed: loss NaN; recorded as failed"), first.err());
        assertTrue(first.err().contains("error: 1 task failed in 1 of 3 runs (no metrics): lora-seed5 on task qed (diverged at step 3 of stage lora-qed: loss NaN)"),
                first.err());
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        JsonNode v = report.path("tasks").path("qed").path("variants");
        List<String> names = new ArrayList<>();
        v.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("lora", "tagllm", "baseline"), names);
        assertEquals(0, v.path("lora").path("seeds").size());
        assertEquals("diverged at step 3 of stage lora-qed: loss NaN", v.path("lora").path("failed_seeds").get(0).path("failure").asText());
        assertTrue(v.path("lora").path("mean").path("mse").isNull());
        assertEquals(1, v.path("tagllm").path("seeds").size());
        assertTrue(v.path("tagllm").path("mean").path("mse").isNumber());
        assertTrue(v.path("baseline").path("vs_tagllm").path("mse").path("diff").isNumber());
        assertEquals("lora-seed5", report.path("about").path("failed_runs").get(0).path("run").asText());
        assertEquals("qed", report.path("about").path("failed_runs").get(0).path("task").asText(), "LoRA trains each task alone: the task failed");
        assertTrue(first.out().contains("| lora | – | – (0 of 1 seed) | – |"), first.out());
        assertTrue(Files.readString(out.resolve("report.html")).contains("1 task failed in 1 of 3 runs (no metrics"));

        // resumed: the failed run is deterministic, so it is kept as failed rather than trained again
        Path result = out.resolve("runs/lora-seed5/result.json");
        assertEquals("diverged at step 3 of stage lora-qed: loss NaN", JSON.readTree(result.toFile()).path("task_failures").path("qed").asText());
        long before = Files.getLastModifiedTime(result).toMillis();
        CliRun resumed = CliRun.of("compare", yaml.toString(), "--methods", "lora,tagllm", "--seeds", "1", "-o", out.toString(), "-q", "--resume");
        assertEquals(1, resumed.exit(), resumed.err());
        assertTrue(resumed.err().contains("run lora-seed5: recorded as failed (task qed: diverged at step 3 of stage lora-qed: loss NaN), not trained again"),
                resumed.err());
        assertTrue(resumed.err().contains("run tagllm-seed5: already finished"), resumed.err());
        assertEquals(before, Files.getLastModifiedTime(result).toMillis());

        CliRun retried = CliRun.of("compare", yaml.toString(), "--methods", "lora,tagllm", "--seeds", "1", "-o", out.toString(), "-q", "--resume",
                "--retry-failed");
        assertEquals(1, retried.exit(), retried.err());
        assertTrue(retried.err().contains("run lora-seed5: recorded as failed (task qed: diverged at step 3 of stage lora-qed: loss NaN), trained again"),
                retried.err());
        assertTrue(retried.err().contains("run lora-seed5: task qed diverged at step 3 of stage lora-qed: loss NaN; recorded as failed"), retried.err());

        CliRun noResume = CliRun.of("compare", yaml.toString(), "--retry-failed", "-o", dir.resolve("other").toString());
        assertEquals(2, noResume.exit(), noResume.err());
        assertTrue(noResume.err().contains("--retry-failed retrains the failed runs of an earlier compare: add --resume"), noResume.err());
    }
}
