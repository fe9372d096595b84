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
 * removeLeftovers: the hidden partial copy a write killed with kill -9 (no shutdown hook runs) left beside its target
 * goes on the next run on that target; a copy that a live writer still holds stays, and so do files of other names.
 */
class AtomicFilesLeftoverTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheTargetsOwnTemporaryNamesGo() throws Exception {
        Path target = dir.resolve("out.csv");
        List<String> others = List.of(".out.csv.x.tmp", ".out.csv.12.tmp.keep", "out.csv.12.tmp", ".other.csv.5.tmp", ".out.csv.tmp",
                ".out.csv.7.tmpx", "notes.txt", ".xout.csv.3.tmp");
        for (String n : others) Files.writeString(dir.resolve(n), n);
        Files.writeString(dir.resolve(".out.csv.8188225679684968070.tmp"), "partial");
        Files.writeString(dir.resolve(".out.csv.3.tmp"), "partial");
        Files.createDirectory(dir.resolve(".out.csv.4.tmp")); // a folder of that name is not a copy of ours

        assertEquals(List.of(".out.csv.3.tmp", ".out.csv.8188225679684968070.tmp"), AtomicFiles.removeLeftovers(target));
        assertEquals(new java.util.TreeSet<>(concat(others, ".out.csv.4.tmp")), names());
        assertEquals(List.of(), AtomicFiles.removeLeftovers(target), "nothing more");
        assertEquals(List.of(), AtomicFiles.removeLeftovers(Path.of("/dev/stdout")), "a stream has no copies");
    }

    @Test
    void aCopyBeingWrittenStaysAndOneLeftByAKilledWriterGoes() throws Exception {
        Path target = dir.resolve("big.csv");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                AtomicFilesInterruptTest.SlowWriter.class.getName(), target.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("writing", out.readLine(), "the writer started");
            java.util.Set<String> during = names();
            assertEquals(1, during.size(), during.toString());
            String copy = during.iterator().next();
            assertTrue(copy.matches("\\.big\\.csv\\.[0-9]+\\.tmp"), copy);

            // another run on the same output while the first still writes: its copy is not a leftover
            assertEquals(List.of(), AtomicFiles.removeLeftovers(target));
            assertEquals(during, names());

            p.destroyForcibly(); // SIGKILL: no shutdown hook, the partial copy stays
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the writer ended");
            assertEquals(during, names(), "kill -9 leaves the copy");
            assertEquals(1 << 20, Files.size(dir.resolve(copy)));

            assertEquals(List.of(copy), AtomicFiles.removeLeftovers(target));
            assertEquals(java.util.Set.of(), names());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aWriteInThisJvmKeepsItsOwnCopyAndStillCompletes() throws Exception {
        Path target = dir.resolve("t.json");
        List<List<String>> seen = new java.util.ArrayList<>();
        AtomicFiles.write(target, out -> {
            out.write("{}".getBytes(StandardCharsets.UTF_8));
            seen.add(AtomicFiles.removeLeftovers(target));
            out.close(); // a writer that closes its stream (Jackson's writeValue does): the copy is still renamed
        });
        assertEquals(List.of(List.of()), seen);
        assertEquals("{}", Files.readString(target));
        assertEquals(java.util.Set.of("t.json"), names());
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> r = new java.util.ArrayList<>(a);
        r.add(b);
        return r;
    }

    private java.util.Set<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return new java.util.TreeSet<>(s.map(f -> f.getFileName().toString()).toList());
        }
    }
}
