package tagllm.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A run folder (train -o, compare -o) below a regular file names that file, not the JDK's "Not a directory". */
class FileErrorsCreateFolderTest {
    @Test
    void aFileAboveTheFolderIsNamed(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("keep.csv"), "a\n");
        Path run = file.resolve("sub").resolve("run");
        IOException e = assertThrows(IOException.class, () -> FileErrors.createFolder(run));
        assertEquals("cannot create the folder " + run + ": " + file + " is a file, not a folder", e.getMessage());
        assertEquals("a\n", Files.readString(file));
    }
}
