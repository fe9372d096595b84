package tagllm.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * spark score and the runs beside it on the same --output: the hidden temporary folder a killed driver left
 * (.out.parquet.tmp-PID-HOST) goes with the next run, and only when it is provably dead; a run while another live one
 * writes the same output is refused at once.
 */
class ScoreOutputLockCliTest {
    @TempDir
    Path dir;

    /**
     * The old command left a killed driver's .out.parquet.tmp-PID for good (a later run has another PID and never
     * looked). Now the next run on that output removes it, naming it, while a folder whose PID is a live process here
     * stays (a run that may still be writing), as do other names and a file of that name, and, with why, one of
     * another host and one whose name says no host (the old code removed the latter: its PID meant nothing here); the lock file a killed run
     * left (with its name in it) does not stop the run, and stays, emptied (it is never removed: ScoreOutputLock says why).
     */
    @Test
    void aKilledDriversTemporaryFolderGoesWithTheNextRun() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "smiles\n" + String.join("\n", Fixtures.smiles(2)) + "\n");
        Path results = Files.createDirectories(dir.resolve("results"));
        Process ended = new ProcessBuilder("true").start();
        assertEquals(0, ended.waitFor());
        long deadPid = ended.pid();
        Process live = new ProcessBuilder("sleep", "600").start();
        try {
            String deadName = ScoreOutputLock.temporaryFolder(results.resolve("out.parquet"), deadPid).getFileName().toString();
            Path dead = Files.createDirectories(results.resolve(deadName + "/_temporary/0"));
            Files.writeString(dead.resolve("part-00000.parquet"), "partial");
            Files.createDirectories(ScoreOutputLock.temporaryFolder(results.resolve("out.parquet"), live.pid()));
            Files.createDirectories(results.resolve(".out.parquet.tmp-" + deadPid)); // an older tagllm's, maybe of another host
            Files.createDirectories(results.resolve(".out.parquet.tmp-" + deadPid + "-elsewhere.example")); // another host's
            Files.createDirectories(results.resolve(".other.parquet.tmp-" + deadPid));
            Files.createDirectories(results.resolve(".out.parquet.tmp-x"));
            Files.writeString(results.resolve(".out.parquet.tmp-" + (deadPid + 1000000)), "a file, not a run's folder");
            Files.writeString(results.resolve(".out.parquet.lock"), "pid " + deadPid + " on a killed run");
            Set<String> kept = names(results);
            kept.remove(deadName);

            SparkCliTest.Run s = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(),
                    "--task", "QED", "--input", in.toString(), "--output", results.resolve("out.parquet").toString());
            assertEquals(0, s.exit(), s.err());
            assertTrue(s.err().contains("removed " + deadName + " from " + results + ": the partial output of a spark score run"), s.err());
            assertTrue(s.err().contains("left .out.parquet.tmp-" + deadPid + " (its name says no host"), s.err());
            assertTrue(s.err().contains("left .out.parquet.tmp-" + deadPid + "-elsewhere.example (written by a run on host elsewhere.example"), s.err());
            assertTrue(s.err().contains("wrote 2 rows (0 with an error"), s.err());
            kept.add("out.parquet");
            assertEquals(kept, names(results));
            assertEquals("", Files.readString(results.resolve(".out.parquet.lock")));
        } finally {
            live.destroyForcibly();
        }
    }

    /**
     * A run without --force whose output a killed --force run's aside puts back is refused ("already exists"), but
     * it has by then removed a killed driver's temporary folder too: the old command threw before naming it, so the
     * folder went without a word, where docs/spark.md says the run that removes it names it on stderr.
     */
    @Test
    void aRunRefusedAfterTheRestoreStillNamesTheTemporaryFolderItRemoved() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "smiles\n" + String.join("\n", Fixtures.smiles(2)) + "\n");
        Path results = Files.createDirectories(dir.resolve("results"));
        Process ended = new ProcessBuilder("true").start();
        assertEquals(0, ended.waitFor());
        long deadPid = ended.pid();
        Path out = results.resolve("out.parquet");
        String deadName = ScoreOutputLock.temporaryFolder(out, deadPid).getFileName().toString();
        Files.createDirectories(results.resolve(deadName + "/_temporary/0"));
        Path aside = Files.createDirectories(ScoreOutputLock.asideFolder(out, deadPid));
        Files.writeString(aside.resolve("_SUCCESS"), "");

        SparkCliTest.Run s = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(),
                "--task", "QED", "--input", in.toString(), "--output", out.toString());
        assertEquals(1, s.exit(), s.err());
        assertTrue(s.err().contains("restored out.parquet from " + aside.getFileName()), s.err());
        assertTrue(s.err().contains("already exists; use --force"), s.err());
        assertFalse(Files.exists(results.resolve(deadName)), "the dead run's folder is removed");
        assertTrue(s.err().contains("removed " + deadName + " from " + results + ": the partial output of a spark score run"), s.err());
    }

    /**
     * Two runs on the same --output: the old command let the second pass the "already exists" check (the first had
     * not renamed its output yet) and fail only at its final rename, after all its work. Now a run whose output's lock
     * another live run holds (a child JVM here) is refused at once, naming it (exit 1), and touches nothing; once
     * that run is killed (kill -9, its lock released by the kernel) the next run goes ahead.
     */
    @Test
    void aSecondRunOnTheSameOutputIsRefusedAtOnceNamingTheFirst() throws Exception {
        Path tags = Fixtures.qedTags(dir);
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "smiles\n" + String.join("\n", Fixtures.smiles(2)) + "\n");
        Path out = dir.resolve("out.parquet");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process first = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), HoldsLock.class.getName(),
                out.toAbsolutePath().toString()).redirectErrorStream(true).start();
        try {
            var lines = new java.io.BufferedReader(new java.io.InputStreamReader(first.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            assertEquals("locked", lines.readLine(), "the first run holds the lock");
            Path itsFolder = Files.createDirectories(ScoreOutputLock.temporaryFolder(out.toAbsolutePath(), first.pid()));
            Set<String> before = names(dir);
            SparkCliTest.Run s = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(),
                    "--task", "QED", "--input", in.toString(), "--output", out.toString());
            assertTrue(first.isAlive(), "the first run still holds the lock");
            assertEquals(1, s.exit(), s.err());
            assertTrue(s.err().contains(out + ": another spark score run is writing this output (pid " + first.pid() + " on "), s.err());
            assertFalse(s.err().contains("wrote"), s.err());
            assertEquals(before, names(dir), "nothing touched");

            first.destroyForcibly();
            assertTrue(first.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            SparkCliTest.Run again = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(),
                    "--task", "QED", "--input", in.toString(), "--output", out.toString());
            assertEquals(0, again.exit(), again.err());
            assertTrue(again.err().contains("removed " + itsFolder.getFileName()), again.err());
            assertFalse(Files.exists(itsFolder));
        } finally {
            first.destroyForcibly();
        }
    }

    /** A run's lock held by another process: takes the lock of the output given, says so, and waits to be killed. */
    public static final class HoldsLock {
        public static void main(String[] args) throws Exception {
            try (ScoreOutputLock lock = ScoreOutputLock.acquire(Path.of(args[0]))) {
                if (lock.heldBy() != null) throw new IllegalStateException("held by " + lock.heldBy());
                System.out.println("locked");
                System.out.flush();
                Thread.sleep(600_000);
            }
        }
    }

    static Set<String> names(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return new TreeSet<>(s.map(f -> f.getFileName().toString()).toList());
        }
    }
}
