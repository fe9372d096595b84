package tagllm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The line of invalid UTF-8 is counted as the readers count lines: \n, \r\n and a lone \r each end one. Its second pass
 * counted \n only, so in a file with lone-CR line ends (old Mac text) the bad bytes were said to be on line 1, where a
 * NUL's line (counted with the same rule as the readers) was right.
 */
class InvalidUtf8LineTest {
    @TempDir
    Path dir;

    private String line(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.scan(p, null, RowIssues.skipping(), row -> { }));
        String m = e.getMessage().substring(p.toString().length());
        assertTrue(m.contains(": not valid UTF-8 text"), m);
        return m.substring(0, m.indexOf(": not valid"));
    }

    @Test
    void everyKindOfLineEndIsCounted() throws IOException {
        // line 1 "one", 2 "two", 3 "three", 4 the bad byte: lone CR, CR LF, LF
        assertEquals(":4", line("r.txt", new byte[]{'o', 'n', 'e', '\r', 't', 'w', 'o', '\r', '\n', 't', 'h', 'r', 'e', 'e', '\n', 'x', (byte) 0xFF, '\n'}));
        assertEquals(":3", line("cr.csv", new byte[]{'s', ',', 'y', '\r', 'C', ',', '1', '\r', 'C', (byte) 0xC3, ',', '2', '\r'}));
    }
}
