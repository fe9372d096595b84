package tagllm.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.train.Experiment;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** An experiment file whose document is not a mapping: said as such, without an empty field name ("exp.yaml: : ..."). */
class ExperimentRootShapeTest {
    @TempDir
    Path dir;

    private String refused(String yaml) throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, yaml);
        return assertThrows(ConfigException.class, () -> Experiment.load(f)).getMessage();
    }

    @Test
    void emptyAndCommentOnlyFilesAreCalledEmpty() throws Exception {
        String expected = dir.resolve("exp.yaml") + ": the file is empty or holds only comments; expected a mapping (key: value)";
        assertEquals(expected, refused(""));
        assertEquals(expected, refused("# model: x\n\n# tasks: ...\n"));
    }

    @Test
    void aListOrAScalarDocumentNamesWhatItIs() throws Exception {
        assertEquals(dir.resolve("exp.yaml") + ":1: expected a mapping (key: value), got array", refused("- model: x\n- tasks: y\n"));
        assertEquals(dir.resolve("exp.yaml") + ": expected a mapping (key: value), got string", refused("just text\n"));
    }

    @Test
    void aTaskWithNoValueSaysSo() throws Exception {
        assertEquals(dir.resolve("exp.yaml") + ":3: tasks.a: no value; expected a mapping (key: value)", refused("model: x\ntasks:\n  a:\n"));
    }
}
