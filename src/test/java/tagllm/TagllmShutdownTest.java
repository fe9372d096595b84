package tagllm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tensor.Parallel;
import tagllm.util.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Tagllm#shutdown()} releases what would keep an unloaded tagllm's class loader: the worker threads, and the
 * shutdown hook that removes half-written files at exit. The hook is seen by what it does: a JVM that exits during a
 * write removes the temporary copy while the hook is registered, and leaves it once the hook is gone. Each case runs
 * in a JVM of its own (the shutdown is for good).
 */
class TagllmShutdownTest {
    /** Starts a write that never ends, optionally calls Tagllm.shutdown(), then exits the JVM. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            Parallel.forEachTask(4, t -> {}); // the pool is up
            CountDownLatch writing = new CountDownLatch(1);
            Thread writer = new Thread(() -> {
                try {
                    AtomicFiles.write(dir.resolve("out.txt"), out -> {
                        out.write("partial".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        writing.countDown();
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            throw new IOException(e);
                        }
                    });
                } catch (IOException | RuntimeException e) {
                    e.printStackTrace();
                }
            }, "never-ending-write");
            writer.setDaemon(true);
            writer.start();
            if (!writing.await(1, TimeUnit.MINUTES)) throw new AssertionError("the write did not start");
            System.out.println("duringWrite=" + names(dir));
            System.out.println("workersBefore=" + workerNames());
            if (args[1].equals("shutdown")) {
                Tagllm.shutdown();
                Tagllm.shutdown(); // idempotent
            }
            System.out.println("workersAfter=" + workerNames());
            System.out.flush();
            System.exit(0);
        }

        private static Set<String> workerNames() {
            Set<String> names = new TreeSet<>();
            for (Thread th : Thread.getAllStackTraces().keySet()) if (th.getName().startsWith("tagllm-worker-")) names.add(th.getName());
            return names;
        }
    }

    static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(f -> f.getFileName().toString()).toList());
        }
    }

    private static String probe(Path dir, String mode) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Dtagllm.threads=2",
                "-cp", System.getProperty("java.class.path"), Probe.class.getName(), dir.toString(), mode));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the probe ended");
            assertEquals(0, p.exitValue(), output);
            return output;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void withoutTheCallTheHookRemovesTheHalfWrittenCopyAtExit(@TempDir Path dir) throws Exception {
        String out = probe(dir, "keep");
        assertTrue(out.contains("workersBefore=[tagllm-worker-1]"), out);
        assertTrue(out.contains("workersAfter=[tagllm-worker-1]"), out);
        assertEquals(1, out.lines().filter(l -> l.startsWith("duringWrite=[.out.txt")).count(), "a temporary copy beside the target: " + out);
        assertEquals(Set.of(), names(dir), "the hook removed it: " + out);
    }

    @Test
    void shutdownStopsTheWorkersAndUnregistersTheHook(@TempDir Path dir) throws Exception {
        String out = probe(dir, "shutdown");
        assertTrue(out.contains("workersBefore=[tagllm-worker-1]"), out);
        assertTrue(out.contains("workersAfter=[]"), out);
        Set<String> left = names(dir);
        assertEquals(1, left.size(), "no hook ran at exit, so the copy stays: " + out);
        assertTrue(left.iterator().next().startsWith(".out.txt"), left::toString);
        assertTrue(("duringWrite=" + left).equals(out.lines().filter(l -> l.startsWith("duringWrite=")).findFirst().orElseThrow()), out);
    }
}
