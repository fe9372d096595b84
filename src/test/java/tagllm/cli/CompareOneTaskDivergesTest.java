package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LoRA trains each task on its own (fresh adapters, its own trainer), so one task's diverging loss fails that task
 * only: the run's other tasks keep their outcome. Made to diverge as in CompareDivergedRunTest: qed's last stage is
 * plain SGD at lr 0.2 without clipping (LoRA's loss is NaN at step 3); logp's stage is the robust recipe's AdamW.
 */
class CompareOneTaskDivergesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WHY = "diverged at step 3 of stage lora-qed: loss NaN";

    @Test
    void theOtherTasksOfTheRunKeepTheirResults(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("exp.yaml");
        Files.writeString(yaml, """
                model: %s
                seed: 5
                recipe: robust
                tag_length: 2
                tasks:
                  smiles_text: {preset: SMILES, max_length: 64, data: {path: %s, max_train: 16, max_eval: 8}}
                  logp:
                    type: regression
                    template: "# # Input: The SMILES of the molecule is <SMILES> {smiles}. \\n# # Output: its logP is <LogP> {label}."
                    tags: {SMILES: domain, LogP: function}
                    label: logP
                    max_length: 160
                    data: {path: %s, max_train: 24, max_eval: 16}
                  qed: {preset: QED, max_length: 160, data: {path: %s, max_train: 24, max_eval: 16}}
                stages:
                  - {name: s1, stage: 1, tasks: [smiles_text], max_steps: 2}
                  - {name: s2, stage: 2, tasks: [logp], max_steps: 4, eval_every: 2, enrich: false}
                  - {name: s3, stage: 2, tasks: [qed], max_steps: 4, eval_every: 2, enrich: false, optimizer: sgd, lr: 0.2,
                     max_grad_norm: 0, schedule: constant, warmup_ratio: 0}
                """.formatted(Shared.model("stories260K"), Shared.data("smiles/zinc20k.csv"), Shared.data("smiles/zinc20k.csv"),
                Shared.data("smiles/zinc20k.csv")));
        Path out = dir.resolve("cmp");
        CliRun first = CliRun.of("compare", yaml.toString(), "--methods", "lora", "--seeds", "1", "-o", out.toString(), "-q");
        assertEquals(1, first.exit(), first.err());
        assertTrue(first.err().contains("run lora-seed5: task qed " + WHY + "; recorded as failed for that task, the run's other tasks go on"),
                first.err());
        assertTrue(first.err().contains("error: 1 task failed in 1 of 2 runs (no metrics): lora-seed5 on task qed (" + WHY + ")"),
                first.err());

        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        JsonNode logp = report.path("tasks").path("logp").path("variants").path("lora");
        assertEquals(1, logp.path("seeds").size(), "logp trained to the end: its outcome is kept");
        assertTrue(logp.path("mean").path("mse").isNumber());
        assertEquals(0, logp.path("failed_seeds").size());
        JsonNode qed = report.path("tasks").path("qed").path("variants").path("lora");
        assertEquals(0, qed.path("seeds").size());
        assertEquals(WHY, qed.path("failed_seeds").get(0).path("failure").asText());
        JsonNode failed = report.path("about").path("failed_runs");
        assertEquals(1, failed.size());
        assertEquals("lora-seed5", failed.get(0).path("run").asText());
        assertEquals("qed", failed.get(0).path("task").asText());
        assertEquals(WHY, failed.get(0).path("failure").asText());
        assertTrue(first.out().contains("lora-seed5 on task qed: " + WHY), first.out());
        assertTrue(first.out().contains("1 task failed in 1 of 2 runs (no metrics; report.json: about.failed_runs):"), first.out());
        assertTrue(Files.readString(out.resolve("report.html")).contains("1 task failed in 1 of 2 runs (no metrics, left out of every mean):</b> "
                + "lora-seed5 on task qed (" + WHY + ")"));

        // the run's result.json keeps logp's outcome beside qed's failure: --resume reads both back, trains nothing
        JsonNode result = JSON.readTree(out.resolve("runs/lora-seed5/result.json").toFile());
        assertTrue(result.path("tasks").has("logp"));
        assertEquals(WHY, result.path("task_failures").path("qed").asText());
        CliRun resumed = CliRun.of("compare", yaml.toString(), "--methods", "lora", "--seeds", "1", "-o", out.toString(), "-q", "--resume");
        assertEquals(1, resumed.exit(), resumed.err());
        assertTrue(resumed.err().contains("run lora-seed5: recorded as failed (task qed: " + WHY + "), not trained again"), resumed.err());
        assertEquals(logp.path("mean").path("mse").asDouble(),
                JSON.readTree(out.resolve("report.json").toFile()).path("tasks").path("logp").path("variants").path("lora").path("mean").path("mse").asDouble());
    }
}
