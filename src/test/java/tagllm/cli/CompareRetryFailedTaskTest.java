package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Prompt tuning and LoRA train each task on its own, so {@code --resume --retry-failed} trains a run's failed task
 * again and keeps its finished tasks' outcomes and curves. The reference is a compare that trained every task: its
 * runs' result.json files are made to say that task qed failed (its outcome and curve gone, as a divergence leaves
 * them), the retry must give back the same result.json and report.json, wall times apart. logp's log is removed
 * first: a retry that trained logp again would write it again.
 */
class CompareRetryFailedTaskTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WHY = "diverged at step 3 of stage STAGE: loss NaN";

    @Test
    void onlyTheFailedTaskTrainsAgain(@TempDir Path dir) throws Exception {
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
                  - {name: s2, stage: 2, tasks: [logp, qed], max_steps: 4, eval_every: 2, enrich: false}
                """.formatted(Shared.model("stories260K"), Shared.data("smiles/zinc20k.csv"), Shared.data("smiles/zinc20k.csv"),
                Shared.data("smiles/zinc20k.csv")));
        Path out = dir.resolve("cmp");
        CliRun full = CliRun.of("compare", yaml.toString(), "--methods", "lora,prompt-tuning", "--seeds", "1", "-o", out.toString(), "-q");
        assertEquals(0, full.exit(), full.err());
        JsonNode fullReport = withoutCall(JSON.readTree(out.resolve("report.json").toFile()));

        for (String run : new String[]{"lora-seed5", "prompt-tuning-seed5"}) {
            Path result = out.resolve("runs").resolve(run).resolve("result.json");
            JsonNode reference = withoutWallTimes(JSON.readTree(result.toFile()));
            assertTrue(reference.path("tasks").has("qed") && reference.path("tasks").has("logp"), reference.toString());
            String stage = run.replace("-seed5", "-qed");
            ObjectNode failed = (ObjectNode) JSON.readTree(result.toFile());
            ((ObjectNode) failed.get("tasks")).remove("qed");
            ArrayNode curves = (ArrayNode) failed.get("curves");
            for (int i = curves.size() - 1; i >= 0; i--) if (curves.get(i).path("name").asText().equals(stage)) curves.remove(i);
            failed.putObject("task_failures").put("qed", WHY.replace("STAGE", stage));
            Files.writeString(result, JSON.writeValueAsString(failed));
            Files.delete(out.resolve("runs").resolve(run).resolve("metrics-logp.jsonl"));

            CliRun retried = CliRun.of("compare", yaml.toString(), "--methods", "lora,prompt-tuning", "--seeds", "1", "-o", out.toString(), "-q",
                    "--resume", "--retry-failed");
            assertEquals(0, retried.exit(), retried.err());
            assertFalse(Files.exists(out.resolve("runs").resolve(run).resolve("metrics-logp.jsonl")), run + ": logp finished, it is not trained again");
            assertTrue(retried.err().contains("run " + run + ": recorded as failed (task qed: " + WHY.replace("STAGE", stage)
                    + "), its failed task qed trained again (--retry-failed), the outcomes of its finished tasks kept from " + result), retried.err());
            assertTrue(Files.isRegularFile(out.resolve("runs").resolve(run).resolve("metrics-qed.jsonl")));
            assertEquals(reference, withoutWallTimes(JSON.readTree(result.toFile())), run);
            assertEquals(fullReport, withoutCall(JSON.readTree(out.resolve("report.json").toFile())), run);
        }
    }

    /** report.json without what says which call wrote it (its wall times, command line, when, how long). */
    private static JsonNode withoutCall(JsonNode report) {
        ((ObjectNode) report.get("about")).remove(java.util.List.of("command", "written", "this_call_s", "this_call_seconds"));
        return withoutWallTimes(report);
    }

    /** The tree without its wall times (wall_seconds, wall_s, wall_s_mean, ...): what a retrain changes by its timing alone. */
    private static JsonNode withoutWallTimes(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) if (it.next().toLowerCase().startsWith("wall")) it.remove();
            o.properties().forEach(e -> withoutWallTimes(e.getValue()));
        } else if (n.isArray()) {
            n.forEach(CompareRetryFailedTaskTest::withoutWallTimes);
        }
        return n;
    }
}
