package tagllm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A directory given as the data file is refused as a directory, with or without a data extension: without one it was
 * "cannot tell the format from the extension '(none)'", which sent the user looking at the name.
 */
class DirectoryInputTest {
    @TempDir
    Path dir;

    @Test
    void aDirectoryIsRefusedAsOneWhateverItsName() throws IOException {
        for (String name : new String[]{"runs", "data.csv", "set.jsonl"}) {
            Path d = Files.createDirectory(dir.resolve(name));
            assertEquals(d + ": is a directory, expected a data file",
                    assertThrows(DatasetException.class, () -> Dataset.scan(d, null, RowIssues.skipping(), row -> { })).getMessage());
            assertEquals(d + ": is a directory, expected a data file",
                    assertThrows(DatasetException.class, () -> ChunkedRows.scan(d, null, RowIssues.skipping(), new ChunkedRows.Handler() {
                        public void columns(java.util.List<String> c) { }
                        public void chunk(java.util.List<Row> rows) { }
                    })).getMessage());
        }
        // a file without an extension is still told by its name
        Path plain = Files.writeString(dir.resolve("plain"), "x\n");
        assertTrue(assertThrows(DatasetException.class, () -> Format.detect(plain)).getMessage()
                .startsWith(plain + ": cannot tell the format from the extension '(none)'"));
    }
}
