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
                assertEquals(new ScoreOutputLock.Leftovers(java.util.List.of(), java.util.List.of()), again.removeLeftovers(out));
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

    /**
     * Leftover temporary folders on a shared mount: only this host's dead runs' folders go. The old code named a
     * folder ".NAME.tmp-PID" and removed any whose PID was no live process on this host, also one a live run on
     * another host was writing. Now a run's folder names its host too; one of another host is left, with why, as is
     * one named without a host (which may be another host's), and a live process's. The host is the reference
     * InetAddress gives.
     */
    @Test
    void onlyThisHostsDeadRunsFoldersAreRemoved() throws Exception {
        Path out = dir.resolve("out.parquet");
        Process ended = new ProcessBuilder("true").start();
        assertEquals(0, ended.waitFor());
        long dead = ended.pid();
        String host = java.net.InetAddress.getLocalHost().getHostName();
        assertTrue(host.matches("[A-Za-z0-9.-]+"), "a host name the test can spell: " + host);
        assertEquals(dir.resolve(".out.parquet.tmp-" + dead + "-" + host), ScoreOutputLock.temporaryFolder(out, dead));
        String other = "other-" + host;
        Files.createDirectories(dir.resolve(".out.parquet.tmp-" + dead + "-" + host + "/_temporary/0"));
        Files.createDirectories(dir.resolve(".out.parquet.tmp-" + dead + "-" + other + "/_temporary/0"));
        Files.createDirectories(dir.resolve(".out.parquet.tmp-" + dead));
        Files.createDirectories(dir.resolve(".out.parquet.tmp-" + ProcessHandle.current().pid() + "-" + host));
        try (ScoreOutputLock held = ScoreOutputLock.acquire(out)) {
            ScoreOutputLock.Leftovers l = held.removeLeftovers(out);
            assertEquals(java.util.List.of(".out.parquet.tmp-" + dead + "-" + host), l.removed());
            assertEquals(2, l.left().size(), l.left().toString());
            assertEquals(".out.parquet.tmp-" + dead + " (its name says no host, as an older tagllm named it: whether pid " + dead + " is alive "
                    + "cannot be told here; remove it by hand once no run on out.parquet is writing it)", l.left().get(0));
            assertEquals(".out.parquet.tmp-" + dead + "-" + other + " (written by a run on host " + other + ", not this one (" + host + "): whether pid "
                    + dead + " is alive there cannot be told here; remove it by hand once no run on " + other + " is writing it)", l.left().get(1));
        }
        assertFalse(Files.exists(dir.resolve(".out.parquet.tmp-" + dead + "-" + host)));
        assertTrue(Files.isDirectory(dir.resolve(".out.parquet.tmp-" + dead + "-" + other + "/_temporary/0")));
        assertTrue(Files.isDirectory(dir.resolve(".out.parquet.tmp-" + dead)));
        assertTrue(Files.isDirectory(dir.resolve(".out.parquet.tmp-" + ProcessHandle.current().pid() + "-" + host)));
    }

    /**
     * spark score --force replacing its output, with the driver killed (Runtime.halt in a child JVM, which holds the
     * lock as a run does) between moving the old output aside and renaming the new one in, and between that rename and
     * removing the old one. The old code deleted the old output first: killed at that point, neither survived (the
     * next run removed the new one as a leftover). Now the next run's cleanup puts the old output back in the first
     * case and removes the aside in the second: a complete output (its one file's bytes the reference) is in place
     * either way, and nothing else is left beside it.
     */
    @Test
    void aForceRunKilledBetweenItsRenamesLeavesACompleteOutput() throws Exception {
        for (ScoreOutputLock.Step step : ScoreOutputLock.Step.values()) {
            Path folder = Files.createDirectories(dir.resolve(step.name()));
            Path out = folder.resolve("out.parquet");
            Files.createDirectories(out);
            Files.writeString(out.resolve("part-0.parquet"), "old");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), KilledReplacing.class.getName(), out.toString(), step.name())
                    .redirectErrorStream(true).start();
            String said = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            assertEquals(9, child.exitValue(), said);
            long pid = child.pid();
            String aside = ScoreOutputLock.asideFolder(out, pid).getFileName().toString();
            String tmp = ScoreOutputLock.temporaryFolder(out, pid).getFileName().toString();
            try (ScoreOutputLock next = ScoreOutputLock.acquire(out)) {
                ScoreOutputLock.Leftovers l = next.removeLeftovers(out);
                if (step == ScoreOutputLock.Step.MOVED_ASIDE) {
                    assertEquals(new ScoreOutputLock.Leftovers(java.util.List.of(tmp), java.util.List.of(), java.util.List.of(aside), java.util.List.of()), l);
                    assertEquals("old", Files.readString(out.resolve("part-0.parquet")), "the old output is back");
                } else {
                    assertEquals(new ScoreOutputLock.Leftovers(java.util.List.of(), java.util.List.of(), java.util.List.of(), java.util.List.of(aside)), l);
                    assertEquals("new", Files.readString(out.resolve("part-0.parquet")), "the new output stays");
                }
            }
            assertEquals(java.util.List.of("part-0.parquet"), ScoreOutputLockCliTest.names(out).stream().toList());
            assertEquals(java.util.Set.of(".out.parquet.lock", "out.parquet"), ScoreOutputLockCliTest.names(folder), step.name());
        }
    }

    /**
     * A rename that fails in the run (a throw at the step; the old code had deleted the old output by then) puts the
     * old output back, and leaves the new one in its temporary folder for the caller to remove.
     */
    @Test
    void aFailedRenameInTheRunPutsTheOldOutputBack() throws Exception {
        Path out = dir.resolve("out.parquet");
        Files.createDirectories(out);
        Files.writeString(out.resolve("part-0.parquet"), "old");
        Path tmp = Files.createDirectories(ScoreOutputLock.temporaryFolder(out, 7));
        Files.writeString(tmp.resolve("part-0.parquet"), "new");
        var thrown = assertThrows(IllegalStateException.class, () -> ScoreOutputLock.moveIntoPlace(tmp, out, 7, step -> {
            throw new IllegalStateException("failed at " + step);
        }));
        assertEquals("failed at MOVED_ASIDE", thrown.getMessage());
        assertEquals("old", Files.readString(out.resolve("part-0.parquet")));
        assertEquals("new", Files.readString(tmp.resolve("part-0.parquet")));
        assertFalse(Files.exists(ScoreOutputLock.asideFolder(out, 7)));
    }

    /**
     * On a file system without working locks (ScoreOutputLock.withoutLocks, as acquire returns it there) the cleanup
     * did nothing and said nothing: the old output a killed --force run moved aside (here with the output missing, so
     * it is the only copy) and its temporary folder stayed unmentioned. Now both are listed as left, with what to do by
     * hand, and neither is touched: no run can be told live or dead without the lock.
     */
    @Test
    void withoutLocksLeftoversAreListedWithWhatToDoAndLeft() throws Exception {
        Path out = dir.resolve("out.parquet");
        Process ended = new ProcessBuilder("true").start();
        assertEquals(0, ended.waitFor());
        long dead = ended.pid();
        String host = java.net.InetAddress.getLocalHost().getHostName();
        Path aside = Files.createDirectories(ScoreOutputLock.asideFolder(out, dead));
        Files.writeString(aside.resolve("part-0.parquet"), "old");
        Path tmp = Files.createDirectories(ScoreOutputLock.temporaryFolder(out, dead));
        ScoreOutputLock.Leftovers l = ScoreOutputLock.withoutLocks(out, "Function not implemented").removeLeftovers(out);
        String cannot = "this file system gives no lock (Function not implemented), so whether that run is still ";
        assertEquals(new ScoreOutputLock.Leftovers(java.util.List.of(), java.util.List.of(
                ".out.parquet.old-" + dead + "-" + host + " (the old output a --force run, pid " + dead + " on host " + host + ", moved aside; "
                        + cannot + "replacing out.parquet cannot be told here: out.parquet is missing, so rename .out.parquet.old-" + dead + "-" + host
                        + " back to out.parquet by hand once no run is writing it)",
                ".out.parquet.tmp-" + dead + "-" + host + " (the temporary folder of a run, pid " + dead + " on host " + host + "; "
                        + cannot + "writing it cannot be told here: remove it by hand once no run is writing out.parquet)")), l);
        assertEquals("old", Files.readString(aside.resolve("part-0.parquet")));
        assertTrue(Files.isDirectory(tmp));
        assertFalse(Files.exists(out));
    }

    /** A --force run's last steps in another process: writes its new output, replaces the old, and halts at args[1]. */
    public static final class KilledReplacing {
        public static void main(String[] args) throws Exception {
            Path out = Path.of(args[0]);
            try (ScoreOutputLock lock = ScoreOutputLock.acquire(out)) {
                if (lock.heldBy() != null) throw new IllegalStateException("held by " + lock.heldBy());
                Path tmp = Files.createDirectories(ScoreOutputLock.temporaryFolder(out, ProcessHandle.current().pid()));
                Files.writeString(tmp.resolve("part-0.parquet"), "new");
                ScoreOutputLock.Step at = ScoreOutputLock.Step.valueOf(args[1]);
                ScoreOutputLock.moveIntoPlace(tmp, out, ProcessHandle.current().pid(), step -> {
                    if (step == at) Runtime.getRuntime().halt(9);
                });
            }
            System.out.println("not killed");
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
