package tagllm.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.train.Experiment;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A second YAML document after "---" was read past without a word: its settings never took effect. */
class YamlSecondDocumentTest {
    @TempDir
    Path dir;

    @Test
    void aSecondDocumentIsRefusedWithItsLine() throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, "model: some/model\nseed: 1\n---\nseed: 2\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Experiment.load(f));
        assertTrue(e.getMessage().startsWith(f + ":4:"), e.getMessage());
        assertTrue(e.getMessage().contains("second YAML document"), e.getMessage());
    }

    @Test
    void aLeadingMarkerAndAnEmptyTrailingDocumentAreHarmless() throws Exception {
        Path f = dir.resolve("exp.yaml");
        // the parse goes on to the experiment's own checks (no tasks): not stopped as a second document
        Files.writeString(f, "---\nmodel: some/model\nseed: 1\n---\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Experiment.load(f));
        assertFalse(e.getMessage().contains("document"), e.getMessage());
    }
}
