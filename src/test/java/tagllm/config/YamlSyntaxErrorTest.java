package tagllm.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.train.Experiment;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Experiment files that are not valid YAML: the error names the file, line and column and says what is wrong in
 * words, without the parser's internals (its source description, escaped newlines, event class names, settings).
 */
class YamlSyntaxErrorTest {
    @TempDir
    Path dir;

    private String refused(String yaml) throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> Experiment.load(f));
        String m = e.getMessage();
        for (String internal : new String[]{"[Source:", "StringReader", "\\n", "\n", "org.yaml", "snakeyaml", "jackson", "`", "in 'reader'"}) {
            assertFalse(m.contains(internal), () -> "'" + internal + "' in: " + m);
        }
        return m;
    }

    @Test
    void duplicateKeyNamesTheKeyAndItsSecondLine() throws Exception {
        assertEquals(dir.resolve("exp.yaml") + ":2:6: not valid YAML: duplicate key 'model': given twice (a repeated key would silently take its last value)",
                refused("model: x\nmodel: y\n"));
    }

    @Test
    void unterminatedQuoteSaysWhereTheQuoteStarted() throws Exception {
        assertEquals(dir.resolve("exp.yaml") + ":2:1: not valid YAML: found unexpected end of stream (while scanning a quoted scalar that starts at line 1, column 8)",
                refused("model: \"unterminated\n"));
    }

    @Test
    void nanAndInfinityAreNamedAsNotFiniteNumbers() throws Exception {
        assertTrue(refused("model: x\ntag_length: .nan\n").startsWith(dir.resolve("exp.yaml") + ":2:"), "line 2");
        assertTrue(refused("model: x\ntag_length: .inf\n").endsWith("not valid YAML: '.inf' is not a finite number; write a number such as 0.5 or 1e-3"));
    }

    @Test
    void aListAsAKeyAndDeepNestingAreSaidInWords() throws Exception {
        assertEquals(dir.resolve("exp.yaml") + ":2:4: not valid YAML: a key must be plain text, not a list or mapping", refused("model: x\n? [a, b]\n: c\n"));
        String deep = refused("model: x\ntasks: " + "[".repeat(1500) + "]".repeat(1500) + "\n");
        assertTrue(deep.endsWith("not valid YAML: nested more than 1000 levels deep"), deep);
    }

    @Test
    void aTabIndentGivesTheScannersProblemAndPlace() throws Exception {
        String m = refused("\t- bad: [\n");
        assertTrue(m.startsWith(dir.resolve("exp.yaml") + ":1:1: not valid YAML: found character"), m);
    }
}
