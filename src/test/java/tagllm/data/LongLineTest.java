package tagllm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A JSONL or plain-text line over the real limit (16 Mi characters) between good lines is that row's error, and the
 * lines after it are read: it used to stop the whole file ("line longer than 16777216 characters: not a text data
 * file?"). The file is written a block at a time, so the test never holds the line itself.
 */
class LongLineTest {
    @TempDir
    Path dir;

    private static final int LONG = TextInput.MAX_LINE_CHARS + 200_000;

    private Path write(String name, String before, String start, char fill, String end, String after) throws IOException {
        Path p = dir.resolve(name);
        char[] block = new char[1 << 16];
        java.util.Arrays.fill(block, fill);
        try (Writer w = Files.newBufferedWriter(p, StandardCharsets.UTF_8)) {
            w.write(before);
            w.write(start);
            for (int left = LONG; left > 0; left -= block.length) w.write(block, 0, Math.min(left, block.length));
            w.write(end);
            w.write(after);
        }
        return p;
    }

    @Test
    void aJsonLineOver16MiCharactersIsThatRowsError() throws IOException {
        Path p = write("big.jsonl", "{\"smiles\":\"CCO\",\"y\":1}\n{\"smiles\":\"CCN\",\"y\":2}\n", "{\"smiles\":\"", 'C', "\",\"y\":3}\n",
                "{\"smiles\":\"c1ccccc1\",\"y\":4}\n");
        RowIssues issues = RowIssues.skipping();
        List<Row> rows = new ArrayList<>();
        assertEquals(List.of("smiles", "y"), Dataset.scan(p, null, issues, rows::add));
        assertEquals(List.of("CCO", "CCN", "c1ccccc1"), rows.stream().map(r -> r.get("smiles")).toList());
        assertEquals(List.of(1L, 2L, 4L), rows.stream().map(Row::line).toList());
        assertEquals(List.of(p + ":3: JSON line longer than 16777216 characters"), issues.messages());
    }

    @Test
    void aTextLineOver16MiCharactersIsThatRowsError() throws IOException {
        Path p = write("big.txt", "one\n", "", 'w', "\n", "two\nthree");
        RowIssues issues = RowIssues.skipping();
        List<Row> rows = new ArrayList<>();
        Dataset.scan(p, null, issues, rows::add);
        assertEquals(List.of("one", "two", "three"), rows.stream().map(r -> r.get("text")).toList());
        assertEquals(List.of(1L, 3L, 4L), rows.stream().map(Row::line).toList());
        assertEquals(List.of(p + ":2: text line longer than 16777216 characters"), issues.messages());
    }
}
