package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.config.ConfigException;
import tagllm.testutil.Shared;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An experiment YAML saved in another encoding than UTF-8 is refused naming the file, what was found and what to do
 * (it used to fail with the decoder's "not valid YAML: Input length = 1"); UTF-8 with a byte order mark still loads.
 */
class ExperimentEncodingTest {
    @TempDir
    Path dir;

    private String yaml() {
        // line 1 a comment with a character outside ASCII: é is one byte (0xE9) in Latin-1, two in UTF-8
        return "# café\n" + RunFolderForceTest.yaml(Shared.model("stories260K"), "  - {name: a, stage: 1, tasks: [smiles], max_steps: 1}\n", "");
    }

    private Path save(String name, byte[] bytes) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void utf16IsRefusedSayingSo() throws Exception {
        // Java's "UTF-16" writes big-endian with the mark FE FF; Windows' "Unicode" is little-endian with FF FE
        Path be = save("be.yaml", yaml().getBytes(StandardCharsets.UTF_16));
        Exception e = assertThrows(ConfigException.class, () -> Experiment.load(be));
        assertEquals(be + ": UTF-16 text (big-endian, byte order mark FE FF), not UTF-8; re-save the file as UTF-8", e.getMessage());

        Path le = save("le.yaml", concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, yaml().getBytes(StandardCharsets.UTF_16LE)));
        e = assertThrows(ConfigException.class, () -> Experiment.load(le));
        assertEquals(le + ": UTF-16 text (little-endian, byte order mark FF FE), not UTF-8; re-save the file as UTF-8", e.getMessage());

        Path noMark = save("nomark.yaml", yaml().getBytes(StandardCharsets.UTF_16LE));
        e = assertThrows(ConfigException.class, () -> Experiment.load(noMark));
        assertTrue(e.getMessage().startsWith(noMark + ": zero bytes between the characters (UTF-16 or UTF-32 text without a byte order mark)"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("re-save the file as UTF-8"), e.getMessage());
    }

    @Test
    void latin1IsRefusedNamingTheLineAndByte() throws Exception {
        Path f = save("latin1.yaml", ("# saved as Latin-1\n" + yaml()).getBytes(Charset.forName("ISO-8859-1")));
        Exception e = assertThrows(ConfigException.class, () -> Experiment.load(f));
        // "# café" is line 2 here; é is the byte 0xE9 in Latin-1
        assertEquals(f + ":2: not valid UTF-8 text: byte 0xE9 is no UTF-8 character (a file saved as Latin-1 or Windows-1252?); "
                + "re-save the file as UTF-8", e.getMessage());
    }

    @Test
    void utf8WithAndWithoutAByteOrderMarkLoads() throws Exception {
        Path plain = save("plain.yaml", yaml().getBytes(StandardCharsets.UTF_8));
        Path bom = save("bom.yaml", concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, yaml().getBytes(StandardCharsets.UTF_8)));
        Experiment a = Experiment.load(plain), b = Experiment.load(bom);
        assertEquals(java.util.List.of("a"), b.stages().stream().map(StageSpec::name).toList());
        assertEquals(a.tagLength(), b.tagLength());
        assertEquals(2, b.tagLength());
        assertEquals(a.tasks().keySet(), b.tasks().keySet());
    }
}
