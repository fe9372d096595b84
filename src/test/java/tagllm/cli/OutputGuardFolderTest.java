package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An output file that is an existing folder: --force cannot replace a folder (the write fails "Is a directory"), so
 * the refusal says it is a folder, with or without --force, instead of advising --force.
 */
class OutputGuardFolderTest {
    @Test
    void aFolderAsTheOutputFileIsRefusedAsAFolder(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectory(dir.resolve("preds.csv"));
        for (boolean force : new boolean[] {false, true}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputGuard.requireNew(folder, force));
            assertEquals(folder + " is a folder; expected a file to write (give a file name, e.g. " + folder.resolve("preds.csv") + ")", e.getMessage());
        }
        assertTrue(Files.isDirectory(folder));
    }
}
