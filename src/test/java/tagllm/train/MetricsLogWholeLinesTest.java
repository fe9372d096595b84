package tagllm.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A disk that fills in the middle of a record left half a JSON line at the end of metrics.jsonl (resume skipped it, but
 * report.html and users' scripts met a broken line). The failed append is now cut back: the file holds whole lines.
 */
class MetricsLogWholeLinesTest {
    /** A file channel that takes {@code room} more bytes, a few at a time, then fails as a full disk does. */
    private static final class FillingChannel implements SeekableByteChannel {
        private final SeekableByteChannel file;
        private long room;

        FillingChannel(Path f, long room) throws IOException {
            this.file = Files.newByteChannel(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            this.room = room;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (room == 0) throw new IOException("No space left on device");
            int n = (int) Math.min(Math.min(room, 7), src.remaining());
            ByteBuffer part = src.slice(src.position(), n);
            int w = file.write(part);
            src.position(src.position() + w);
            room -= w;
            return w;
        }

        @Override public int read(ByteBuffer dst) throws IOException { return file.read(dst); }
        @Override public long position() throws IOException { return file.position(); }
        @Override public SeekableByteChannel position(long p) throws IOException { file.position(p); return this; }
        @Override public long size() throws IOException { return file.size(); }
        @Override public SeekableByteChannel truncate(long size) throws IOException { file.truncate(size); return this; }
        @Override public boolean isOpen() { return file.isOpen(); }
        @Override public void close() throws IOException { file.close(); }
    }

    @Test
    void anAppendThatFailsPartWayLeavesNoHalfLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        ObjectMapper json = new ObjectMapper();
        MetricsLog log = new MetricsLog(f, p -> new FillingChannel(p, 60));
        log.write(log.newRecord().put("stage", "s").put("step", 1).put("loss", 0.5)); // 35 bytes: fits
        IOException e = assertThrows(IOException.class,
                () -> log.write(log.newRecord().put("stage", "s").put("step", 2).put("loss", 0.25).put("lr", 1e-4)));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        log.close();
        List<String> lines = Files.readAllLines(f);
        assertEquals(1, lines.size(), "only the whole first line: " + lines);
        assertEquals(1, json.readTree(lines.get(0)).path("step").asInt());
        assertTrue(Files.readString(f).endsWith("\n"));
    }
}
