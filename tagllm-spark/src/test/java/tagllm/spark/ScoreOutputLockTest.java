package tagllm.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ScoreOutputLock as another process sees it (a child JVM, since fcntl locks are per process): a held lock stays held
 * while this JVM asks for it again, and is free once closed.
 */
class ScoreOutputLockTest {
    @TempDir
    Path dir;

    /**
     * A second acquire in the holding JVM must not open the lock file: closing that handle would drop the process's
     * fcntl lock (the first version read the file back through its path and so released its own lock at once). The
     * child JVM's answer is the reference: who holds the lock in the kernel's view.
     */
    @Test
    void aHeldLockStaysHeldForOtherProcessesUntilClosed() throws Exception {
        Path out = dir.resolve("out.parquet");
        String me = "pid " + ProcessHandle.current().pid() + " on ";
        try (ScoreOutputLock held = ScoreOutputLock.acquire(out)) {
            assertNull(held.heldBy());
            assertNull(held.noLocks());
            try (ScoreOutputLock again = ScoreOutputLock.acquire(out)) {
                assertTrue(again.heldBy() != null && again.heldBy().startsWith(me) && again.heldBy().endsWith("(this JVM)"), again.heldBy());
                assertTrue(again.removeLeftovers(out).isEmpty());
            }
            String seen = probe(out);
            assertTrue(seen.startsWith("held by " + me), seen);
        }
        assertEquals("free", probe(out));
        assertEquals("", Files.readString(dir.resolve(".out.parquet.lock")), "kept, emptied");
        try (ScoreOutputLock next = ScoreOutputLock.acquire(out)) {
            assertNull(next.heldBy(), "taken again in this JVM after its close");
        }
    }

    /** Runs {@link Probe} in a child JVM and returns its one line. */
    private static String probe(Path out) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), Probe.class.getName(), out.toString())
                .redirectErrorStream(true).start();
        String all;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            all = String.join("\n", r.lines().toList());
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), all);
        return all.strip();
    }

    /** Another process: tries the output's lock once and says "free" or "held by ...". */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            try (ScoreOutputLock lock = ScoreOutputLock.acquire(Path.of(args[0]))) {
                System.out.println(lock.heldBy() == null ? "free" : "held by " + lock.heldBy());
            }
        }
    }
}
