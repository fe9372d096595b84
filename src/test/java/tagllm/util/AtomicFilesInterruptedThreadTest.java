package tagllm.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileLockInterruptionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A write on an interrupted thread fails (its channel is interruptible) and must say that the interrupt is why: the
 * temporary copy's lock (7805d7f) took the ClosedByInterruptException as "this file system has no locks" and went on
 * writing into the closed channel, so the error read 'cannot write X: ClosedChannelException', as if the file had been
 * closed by a bug.
 */
class AtomicFilesInterruptedThreadTest {
    @Test
    void aWriteOnAnInterruptedThreadNamesTheInterrupt(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("out.csv");
        Files.writeString(target, "old\n");
        IOException e;
        try {
            Thread.currentThread().interrupt();
            e = assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "new\n"));
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept");
        } finally {
            Thread.interrupted();
        }
        // the JDK says it as either, by where the interrupt is seen (taking the lock, or writing)
        assertTrue(e.getCause() instanceof ClosedByInterruptException || e.getCause() instanceof FileLockInterruptionException,
                String.valueOf(e.getCause()));
        assertTrue(e.getMessage().contains("InterruptException") || e.getMessage().contains("InterruptionException"), e.getMessage());
        assertEquals("old\n", Files.readString(target), "the earlier file is unchanged");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(java.util.List.of(target), s.toList(), "no temporary copy is left");
        }
    }
}
