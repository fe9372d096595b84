package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * train --resume on changed hyper-parameters names them as the experiment file does (max_steps, weight_decay), not
 * by the Java names run.json recorded them under in builds before ee0ca2d (hyper.maxSteps); run.json records them under the
 * experiment file's names too, and a run.json with the old names still resumes.
 */
class ResumeChangedSettingsNamesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode settings(Hyper h) {
        ObjectNode s = JSON.createObjectNode().put("seed", 1);
        s.putObject("stages").putObject("functions").put("stage", 2).set("hyper", h.toJson());
        return s;
    }

    /** run.json's settings as tagllm wrote them in builds before ee0ca2d: hyper by the record's Java names. */
    private static ObjectNode oldSettings(Hyper h) {
        ObjectNode s = JSON.createObjectNode().put("seed", 1);
        s.putObject("stages").putObject("functions").put("stage", 2).set("hyper", JSON.valueToTree(h));
        return s;
    }

    @Test
    void hyperIsRecordedUnderTheExperimentFilesNames() {
        java.util.List<String> keys = new java.util.ArrayList<>();
        Hyper.paper().toJson().fieldNames().forEachRemaining(keys::add);
        assertEquals(java.util.List.of(Hyper.KEYS), keys, "the keys the experiment file sets them by, in its order");
        Hyper h = Hyper.paper().toBuilder().maxSteps(40).weightDecay(0.01).headLrScale(3).build();
        assertEquals(40, h.toJson().path("max_steps").asInt());
        assertEquals(0.01, h.toJson().path("weight_decay").asDouble());
        assertEquals(3.0, h.toJson().path("head_lr_scale").asDouble());
        assertEquals("adamw", h.toJson().path("optimizer").asText());
    }

    @Test
    void aRunJsonWithTheOldJavaNamesStillResumes(@TempDir Path dir) throws Exception {
        Hyper h = Hyper.paper().toBuilder().maxSteps(40).lr(1e-3).build();
        RunManifest.start(dir, oldSettings(h));
        RunManifest.resume(dir, settings(h), false); // the same values under the new names: no refusal
        var e = assertThrows(IllegalArgumentException.class,
                () -> RunManifest.resume(dir, settings(h.toBuilder().maxSteps(6).build()), false));
        assertTrue(e.getMessage().contains("other settings than the experiment file has now: stages.functions.max_steps: 40 -> 6. Resuming"),
                e.getMessage());
    }

    @Test
    void theRefusalUsesTheExperimentFilesNames(@TempDir Path dir) throws Exception {
        Hyper was = Hyper.paper().toBuilder().maxSteps(40).weightDecay(0).lr(1e-3).build();
        Hyper now = was.toBuilder().maxSteps(6).weightDecay(0.01).build();
        RunManifest.start(dir, settings(was));
        var e = assertThrows(IllegalArgumentException.class, () -> RunManifest.resume(dir, settings(now), false));
        assertTrue(e.getMessage().contains("other settings than the experiment file has now: stages.functions.weight_decay: 0.0 -> 0.01; "
                + "stages.functions.max_steps: 40 -> 6. Resuming"), e.getMessage());

        RunManifest.resume(dir, settings(now), true);
        JsonNode history = JSON.readTree(dir.resolve("run.json").toFile()).path("history");
        assertEquals("[\"stages.functions.hyper.weight_decay: 0.0 -> 0.01\",\"stages.functions.hyper.max_steps: 40 -> 6\"]",
                history.get(0).path("changed").toString(), "run.json's history keeps the names it records settings under");
    }

    @Test
    void otherDifferencesAreLeftAsTheyAre() {
        assertEquals("seed: 1 -> 2", RunManifest.asInTheExperimentFile("seed: 1 -> 2"));
        assertEquals("tasks.qed.spec.max_length: 512 -> 256", RunManifest.asInTheExperimentFile("tasks.qed.spec.max_length: 512 -> 256"));
        assertEquals("stages.s2.max_grad_norm: 1.0 -> 0.5", RunManifest.asInTheExperimentFile("stages.s2.hyper.maxGradNorm: 1.0 -> 0.5"));
        assertEquals("stages.s2.beta1: 0.9 -> 0.8", RunManifest.asInTheExperimentFile("stages.s2.hyper.beta1: 0.9 -> 0.8"));
        assertEquals("stages.s2.max_grad_norm: 1.0 -> 0.5", RunManifest.asInTheExperimentFile("stages.s2.hyper.max_grad_norm: 1.0 -> 0.5"));
    }
}
