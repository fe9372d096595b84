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
 * A valid score with no value (here the Pearson r of valid rows whose labels are all 0.5) is null in train's stage
 * summary and in metrics.jsonl, with the reason under "undefined", as eval --json writes it: it was the string "NaN"
 * among numbers ({"mse":37.3,"mae":6.1,"pearson":"NaN","n":2}).
 */
class StageSummaryUndefinedScoreTest {
    @Test
    void aScoreWithNoValueIsNullWithItsReason(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("d.csv"), """
                smiles,qed,split
                CCO,0.40,train
                CCC,0.30,train
                CCCC,0.50,valid
                CCCCC,0.50,valid
                """);
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                tasks:
                  qed: {preset: QED, max_length: 100, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [qed], lr: 0.01, batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(Shared.model("stories260K")));
        var r = CliRun.of("train", dir.resolve("exp.yaml").toString(), "--quiet");
        assertEquals(0, r.exit(), r.err());
        ObjectMapper json = new ObjectMapper();
        JsonNode summary = json.readTree(r.out().strip().split("\n")[0]).path("valid").path("qed");
        JsonNode logged = null;
        for (String line : Files.readAllLines(dir.resolve("runs/exp/metrics.jsonl"))) {
            JsonNode j = json.readTree(line);
            if (j.has("valid")) logged = j.path("valid").path("qed");
        }
        assertNotNull(logged, "metrics.jsonl has the valid record");
        for (JsonNode q : new JsonNode[]{summary, logged}) {
            assertTrue(q.get("mse").isNumber(), q.toString());
            assertTrue(q.get("pearson").isNull(), "no value is null, not \"NaN\": " + q);
            assertEquals(2, q.get("n").asInt(), q.toString());
            assertEquals(1, q.path("undefined").size(), q.toString());
            assertTrue(q.path("undefined").get(0).asText().startsWith("pearson: undefined because gold is constant"), q.toString());
        }
    }
}
