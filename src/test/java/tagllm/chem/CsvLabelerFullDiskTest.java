package tagllm.chem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.DatasetException;
import tagllm.data.RowIssues;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A labelled copy whose disk fills up while the input is still being read is the output's failure, named as such:
 * the CSV reader took the output's error for one of its own reads, and chem qed said
 * "in.csv:4098: cannot read: No space left on device", blaming the input.
 */
class CsvLabelerFullDiskTest {
    @Test
    void aFullDiskMidInputNamesTheOutputNotTheInput(@TempDir Path dir) throws Exception {
        // Linux's /dev/full: every write fails with ENOSPC, as on a full disk (AtomicFiles writes a device directly)
        Path full = Path.of("/dev/full");
        assumeTrue(Files.exists(full) && Files.isWritable(full), "no writable /dev/full here");
        Path in = dir.resolve("in.csv");
        // more rows than one chunk, so that the first chunk is written while the reader is still in the file
        StringBuilder b = new StringBuilder("v\n");
        for (int i = 0; i < 10_000; i++) b.append("value").append(i).append('\n');
        Files.writeString(in, b);
        CsvLabeler labeler = new CsvLabeler(List.of("n"), v -> List.of(Integer.toString(v.length())), 2);
        Throwable e = assertThrows(Throwable.class, () -> labeler.label(in, null, "v", full, RowIssues.skipping()));
        assertFalse(e instanceof DatasetException, "reported as the input's problem: " + e);
        assertInstanceOf(IOException.class, e, e.toString());
        assertTrue(e.getMessage().contains("cannot write " + full) && e.getMessage().contains("No space left on device"), e.getMessage());
        assertFalse(e.getMessage().contains(in.toString()), e.getMessage());
    }
}
