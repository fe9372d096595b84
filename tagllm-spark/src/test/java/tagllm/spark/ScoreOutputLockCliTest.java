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
 * (.out.parquet.tmp-PID) goes with the next run, and only when it is provably dead.
 */
class ScoreOutputLockCliTest {
    @TempDir
    Path dir;

    /**
     * The old command left a killed driver's .out.parquet.tmp-PID for good (a later run has another PID and never
     * looked). Now the next run on that output removes it, naming it, while a folder whose PID is a live process here
     * stays (a run that may still be writing), as do other names and a file of that name; the lock file a killed run
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
            Path dead = Files.createDirectories(results.resolve(".out.parquet.tmp-" + deadPid + "/_temporary/0"));
            Files.writeString(dead.resolve("part-00000.parquet"), "partial");
            Files.createDirectories(results.resolve(".out.parquet.tmp-" + live.pid()));
            Files.createDirectories(results.resolve(".other.parquet.tmp-" + deadPid));
            Files.createDirectories(results.resolve(".out.parquet.tmp-x"));
            Files.writeString(results.resolve(".out.parquet.tmp-" + (deadPid + 1000000)), "a file, not a run's folder");
            Files.writeString(results.resolve(".out.parquet.lock"), "pid " + deadPid + " on a killed run");
            Set<String> kept = names(results);
            kept.remove(".out.parquet.tmp-" + deadPid);

            SparkCliTest.Run s = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--model", Fixtures.model(), "--tags", tags.toString(),
                    "--task", "QED", "--input", in.toString(), "--output", results.resolve("out.parquet").toString());
            assertEquals(0, s.exit(), s.err());
            assertTrue(s.err().contains("removed .out.parquet.tmp-" + deadPid + " from " + results + ": the partial output of a spark score run"),
                    s.err());
            assertTrue(s.err().contains("wrote 2 rows (0 with an error"), s.err());
            kept.add("out.parquet");
            assertEquals(kept, names(results));
            assertEquals("", Files.readString(results.resolve(".out.parquet.lock")));
        } finally {
            live.destroyForcibly();
        }
    }

    static Set<String> names(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return new TreeSet<>(s.map(f -> f.getFileName().toString()).toList());
        }
    }
}
