package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.TagSet;
import tagllm.task.Presets;
import tagllm.task.TaskSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A validation that gives no score (NaN) is logged in metrics.jsonl as a null valid_score with its reason under
 * "undefined", as eval --json writes a metric with no value: Jackson wrote the string "NaN" for it.
 */
class ValidScoreWithoutValueLoggedTest {
    @Test
    void aNaNScoreIsNullWithItsReason(@TempDir Path dir) throws Exception {
        TaskSpec qed = Presets.get("QED", "test");
        Hyper h = Hyper.paper().toBuilder().lr(1e-2).warmupRatio(0).batchSize(3).gradAccum(1).maxSteps(2).evalEvery(1).build();
        int[] calls = {0};
        // step 0 scores 0.25, step 1 has no score, step 2 scores 0.5
        Trainer.Validator v = tags -> Trainer.Score.of(switch (calls[0]++) {
            case 0 -> 0.25;
            case 1 -> Double.NaN;
            default -> 0.5;
        });
        TagSet tags = TinyRun.qedTags();
        Path log = dir.resolve("metrics.jsonl");
        new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(log))
                .run(tags, TinyRun.esolExamples(qed, tags), Set.of("<QED>"), new Trainer.Options("s", h, 3, true, null, false, 0, v));

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> valid = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            JsonNode r = json.readTree(line);
            if (r.has("valid_score")) valid.add(r);
        }
        assertEquals(3, valid.size(), valid.toString());
        assertEquals(0.25, valid.get(0).get("valid_score").doubleValue());
        assertFalse(valid.get(0).has("undefined"));
        JsonNode none = valid.get(1);
        assertEquals(1, none.get("step").asInt());
        assertTrue(none.get("valid_score").isNull(), "no score is null, not " + none.get("valid_score"));
        assertEquals(1, none.get("undefined").size());
        assertTrue(none.get("undefined").get(0).asText().startsWith("valid_score: NaN, not a number"), none.toString());
        assertEquals(0.5, valid.get(2).get("valid_score").doubleValue());
    }
}
