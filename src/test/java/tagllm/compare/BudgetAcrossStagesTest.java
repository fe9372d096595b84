package tagllm.compare;

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
 * A task Tag-LLM trains in two stages gets both stages' shares as the trained baselines' budget. Here qed shares
 * stage s2 (8 steps) with logp, both on the same 8 training rows (qed's share: 8 × 8/16 = 4 steps), and trains alone
 * in s3 (6 steps): prompt tuning and LoRA train qed 4 + 6 = 10 steps, logp 4. Before, qed got s3's 6 alone.
 */
class BudgetAcrossStagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aTaskInTwoStagesGetsTheSumOfItsShares(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("exp.yaml");
        Files.writeString(yaml, """
                model: %s
                seed: 0
                tag_length: 1
                defaults: {batch_size: 2, log_every: 1, warmup_ratio: 0.0, schedule: constant, lr: 0.001}
                tasks:
                  qed: {preset: QED, max_length: 200, data: {path: %s, max_train: 8, max_eval: 4}}
                  logp: {preset: QED, label: logP, max_length: 200, data: {path: %s, max_train: 8, max_eval: 4}}
                stages:
                  - {name: s2, stage: 2, tasks: [qed, logp], max_steps: 8}
                  - {name: s3, stage: 3, tasks: [qed], max_steps: 6}
                """.formatted(Shared.model("stories260K"), Shared.data("smiles/zinc20k.csv"), Shared.data("smiles/zinc20k.csv")));
        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "prompt-tuning,lora", "--seeds", "1", "-o", out.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        for (String method : List.of("prompt-tuning", "lora")) {
            assertEquals(10, lastStep(out.resolve("runs/" + method + "-seed0/metrics-qed.jsonl")), method + ": qed trains in s2 and s3");
            assertEquals(4, lastStep(out.resolve("runs/" + method + "-seed0/metrics-logp.jsonl")), method + ": logp trains in s2 only");
        }
        JsonNode qed = report.path("tasks").path("qed").path("budget");
        assertEquals(10, qed.path("steps").asInt(), qed.toString());
        assertEquals(4, qed.path("stages").path("s2").asInt(), qed.toString());
        assertEquals(6, qed.path("stages").path("s3").asInt(), qed.toString());
        assertEquals("s3", qed.path("hyper_from").asText(), qed.toString());
        assertEquals(4, report.path("tasks").path("logp").path("budget").path("steps").asInt());
        assertTrue(r.out().contains("prompt tuning and LoRA: 10 steps (s2 4 + s3 6)"), r.out());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("test rows; prompt tuning and LoRA: 10 steps (s2 4 + s3 6)</h3>"), "report.html states the budget too");
    }

    /** The last optimizer step a metrics log records. */
    private static int lastStep(Path metrics) throws Exception {
        List<Integer> steps = new ArrayList<>();
        for (String line : Files.readAllLines(metrics)) {
            JsonNode n = JSON.readTree(line);
            if (n.has("loss")) steps.add(n.get("step").asInt());
        }
        assertFalse(steps.isEmpty(), metrics + " logs no step");
        return steps.getLast();
    }
}
