package tagllm.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A JVM killed (SIGTERM, as Ctrl-C's SIGINT: both run the shutdown hooks) while AtomicFiles writes leaves neither the
 * target nor the hidden temporary copy beside it (it used to leave the partial copy, one per interrupted run).
 */
class AtomicFilesInterruptTest {
    @TempDir
    Path dir;

    /** Writes a megabyte of the target, says so, then waits to be killed. */
    public static final class SlowWriter {
        public static void main(String[] args) throws Exception {
            AtomicFiles.write(Path.of(args[0]), out -> {
                out.write(new byte[1 << 20]);
                out.flush();
                System.out.println("writing");
                System.out.flush();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    @Test
    void aKilledWriteLeavesNoTemporaryFile() throws Exception {
        Path target = dir.resolve("big.csv");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SlowWriter.class.getName(), target.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("writing", out.readLine(), "the writer started");
            List<Path> during = listing();
            assertEquals(1, during.size(), "the temporary copy while writing: " + during);
            assertTrue(during.getFirst().getFileName().toString().startsWith(".big.csv."), during.toString());
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the writer ended");
            assertEquals(List.of(), listing(), "neither the target nor a temporary copy is left");
        } finally {
            p.destroyForcibly();
        }
    }

    private List<Path> listing() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
