package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.CliRun;
import tagllm.testutil.ModelCopies;
import tagllm.testutil.Shared;
import tagllm.testutil.TinyQedExperiment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Tags trained on a model from the Hugging Face Hub (a cache snapshot folder models--ORG--NAME/snapshots/COMMIT, what
 * --model org/name resolves to) record the repository and commit, and tags inspect shows them; tags of a local folder,
 * and files written before this was recorded, have none and load as before.
 */
class HubSnapshotTagsCliTest {
    private static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

    private static Path trainedTagFile(Path dir, Path model) throws Exception {
        Path yaml = TinyQedExperiment.write(dir);
        Files.writeString(yaml, Files.readString(yaml).replace("model: " + Shared.model("stories260K"), "model: " + model));
        CliRun train = CliRun.of("train", yaml.toString(), "-o", dir.resolve("run").toString(), "--quiet");
        assertEquals(0, train.exit(), train.err());
        try (Stream<Path> s = Files.list(dir.resolve("run"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tags.safetensors")).findFirst().orElseThrow();
        }
    }

    @Test
    void tagsOfAHubSnapshotRecordItsRepoAndCommit(@TempDir Path dir) throws Exception {
        // a pre-filled Hub cache: refs/main names the snapshot's commit, as huggingface_hub and HubDownloader leave it
        Path repo = dir.resolve("hub").resolve("models--acme--stories");
        Path snapshot = ModelCopies.copy(Shared.model("stories260K"), repo.resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs").resolve("main"), COMMIT);
        Path tags = trainedTagFile(dir, snapshot);

        TagSet read = TagFile.read(tags);
        assertNotNull(read.hubSnapshot(), "the Hub snapshot is recorded");
        assertEquals("acme/stories", read.hubSnapshot().repo());
        assertEquals(Files.readString(repo.resolve("refs").resolve("main")), read.hubSnapshot().revision());

        CliRun inspect = CliRun.of("tags", "inspect", tags.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        assertTrue(inspect.out().contains("hub         acme/stories  (revision " + COMMIT + ")"), inspect.out());
        CliRun json = CliRun.of("tags", "inspect", "--json", tags.toString());
        JsonNode hub = new ObjectMapper().readTree(json.out()).path("model").path("hub");
        assertEquals("acme/stories", hub.path("repo").asText(), json.out());
        assertEquals(COMMIT, hub.path("revision").asText(), json.out());
    }

    @Test
    void tagsOfALocalFolderRecordNoHubSnapshot(@TempDir Path dir) throws Exception {
        Path tags = trainedTagFile(dir, Shared.model("stories260K"));
        assertNull(TagFile.read(tags).hubSnapshot());
        CliRun inspect = CliRun.of("tags", "inspect", tags.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        assertFalse(inspect.out().contains("hub "), inspect.out());
        CliRun json = CliRun.of("tags", "inspect", "--json", tags.toString());
        assertTrue(new ObjectMapper().readTree(json.out()).path("model").path("hub").isNull(), json.out());
    }
}
