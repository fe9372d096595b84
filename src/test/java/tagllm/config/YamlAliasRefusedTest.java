package tagllm.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.train.Experiment;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A YAML alias would be read as the text of its name (Jackson's tree does not resolve it): refused with where. */
class YamlAliasRefusedTest {
    @TempDir
    Path dir;

    @Test
    void anAliasIsRefusedNotReadAsItsName() throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, "model: &m some/model\noutput: *m\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Experiment.load(f));
        assertEquals(f + ":2:9: YAML alias '*m' is not supported (it would be read as the text 'm'); write the value out in full", e.getMessage());
    }

    @Test
    void aBillionLaughsIsRefusedAtItsFirstAlias() throws Exception {
        StringBuilder y = new StringBuilder("model: x\ntags:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (char c = 'b'; c <= 'i'; c++) y.append("  ").append(c).append(": &").append(c).append(" [").append(("*" + (char) (c - 1) + ", ").repeat(8)).append('*').append((char) (c - 1)).append("]\n");
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, y.toString());
        ConfigException e = assertThrows(ConfigException.class, () -> Experiment.load(f));
        assertTrue(e.getMessage().startsWith(f + ":4:") && e.getMessage().contains("YAML alias '*a'"), e.getMessage());
    }
}
