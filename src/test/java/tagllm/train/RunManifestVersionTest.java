package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.util.Version;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** run.json says which tagllm started a run and which resumed it (docs/reliability.md, "Files across versions"). */
class RunManifestVersionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode settings() {
        ObjectNode s = JSON.createObjectNode();
        s.put("model_fingerprint", "fp").put("compute", "f32").put("seed", 42).put("tag_length", 2);
        s.putObject("stages").putObject("qed").put("stage", 2).putObject("hyper").put("lr", 0.003);
        return s;
    }

    @Test
    void aNewRunRecordsTheVersionThatStartedIt(@TempDir Path dir) throws Exception {
        RunManifest.start(dir, settings());
        JsonNode m = JSON.readTree(dir.resolve("run.json").toFile());
        assertEquals(Version.current(), m.path("tagllm_version").asText());
        assertEquals(0, m.path("history").size());
        // resumed by the same version with the same settings: nothing to add
        RunManifest.resume(dir, settings(), false);
        assertEquals(0, JSON.readTree(dir.resolve("run.json").toFile()).path("history").size());
    }

    @Test
    void aRunStartedByAnOlderTagllmIsResumedAndTheHistorySaysByWhich(@TempDir Path dir) throws Exception {
        // run.json as tagllm wrote it before 7 Dec 2026: no tagllm_version anywhere
        String old = """
                {"format": "tagllm.run", "started": "2026-12-06T09:40:00Z", "settings": %s, "history": []}
                """.formatted(JSON.writeValueAsString(settings()));
        Files.writeString(dir.resolve("run.json"), old);
        RunManifest.resume(dir, settings(), false);
        JsonNode m = JSON.readTree(dir.resolve("run.json").toFile());
        assertEquals(settings(), m.path("settings"), "the settings stay as recorded");
        assertTrue(m.path("tagllm_version").isMissingNode(), "the version that started it is not known and not invented");
        assertEquals(1, m.path("history").size());
        JsonNode h = m.path("history").get(0);
        assertEquals(Version.current(), h.path("tagllm_version").asText());
        assertTrue(h.has("previous_tagllm_version") && h.path("previous_tagllm_version").isNull(), h.toString());
        assertTrue(h.path("resumed").isTextual());
        // a second resume by the same version adds nothing more
        RunManifest.resume(dir, settings(), false);
        assertEquals(1, JSON.readTree(dir.resolve("run.json").toFile()).path("history").size());
    }

    @Test
    void aRunStartedByAnotherVersionNamesIt(@TempDir Path dir) throws Exception {
        ObjectNode m = JSON.createObjectNode().put("format", "tagllm.run").put("tagllm_version", "0.0.9").put("started", "2026-12-01T00:00:00Z");
        m.set("settings", settings());
        m.putArray("history");
        Files.writeString(dir.resolve("run.json"), JSON.writeValueAsString(m));
        RunManifest.resume(dir, settings(), false);
        JsonNode h = JSON.readTree(dir.resolve("run.json").toFile()).path("history").get(0);
        assertEquals("0.0.9", h.path("previous_tagllm_version").asText());
        assertEquals(Version.current(), h.path("tagllm_version").asText());
    }

    /** A resume by another build of the same pom version (another commit) is one by another version: the history names both. */
    @Test
    void aRunStartedByAnotherCommitOfTheSameVersionNamesIt(@TempDir Path dir) throws Exception {
        String other = Version.build().release() + "+g0000000";
        ObjectNode m = JSON.createObjectNode().put("format", "tagllm.run").put("tagllm_version", other).put("started", "2026-12-01T00:00:00Z");
        m.set("settings", settings());
        m.putArray("history");
        Files.writeString(dir.resolve("run.json"), JSON.writeValueAsString(m));
        RunManifest.resume(dir, settings(), false);
        JsonNode h = JSON.readTree(dir.resolve("run.json").toFile()).path("history");
        assertEquals(1, h.size(), h.toString());
        assertEquals(other, h.get(0).path("previous_tagllm_version").asText());
        assertEquals(Version.current(), h.get(0).path("tagllm_version").asText());
    }
}
