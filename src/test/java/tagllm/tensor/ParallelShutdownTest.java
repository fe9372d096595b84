package tagllm.tensor;

import org.junit.jupiter.api.Test;
import tagllm.embedded.EmbeddedSamples;
import tagllm.model.KvCache;
import tagllm.model.Model;
import tagllm.model.PackedBatch;
import tagllm.model.Transformer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Parallel#shutdown()} ends the pool's worker threads (an undeployed web app's class loader is no longer kept
 * alive by them), a second call is harmless, and the model computes the same bits afterwards, on the caller alone.
 * The shutdown is for good, so it runs in a JVM of its own: the pool of the JVM running the other tests stays up.
 */
class ParallelShutdownTest {
    /** Prints key=value lines for the test to check. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            Transformer t = new Transformer(Model.load(EmbeddedSamples.model()).weights());
            float[] before = compute(t);
            out("workersBefore", workerNames());
            out("spreadsBefore", Parallel.spreads());

            Parallel.shutdown();
            out("workersAfter", workerNames());
            out("spreadsAfter", Parallel.spreads());
            Parallel.shutdown(); // idempotent
            out("workersAfterSecond", workerNames());

            float[] after = compute(t);
            out("sameBits", Arrays.equals(before, after));
            out("values", before.length);
            Set<String> ran = ConcurrentHashMap.newKeySet();
            Parallel.forEachTask(64, task -> ran.add(Thread.currentThread().getName()));
            out("ranOn", new TreeSet<>(ran));
            out("caller", Thread.currentThread().getName());
            out("workersAtEnd", workerNames());
        }

        /**
         * A forward pass over four sequences (cut into lanes while the pool spreads, one product at a time after) and
         * a prefill and three decode steps (products over ranges), all of it concatenated.
         */
        private static float[] compute(Transformer t) {
            int d = t.config().hiddenSize(), len = 48, seqs = 4, n = len * seqs;
            Random rnd = new Random(7);
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) ids[i] = 1 + rnd.nextInt(t.config().vocabSize() - 1);
            int[] starts = new int[seqs + 1], pos = new int[n], from = new int[n];
            for (int s = 0; s < seqs; s++) {
                starts[s + 1] = (s + 1) * len;
                for (int r = s * len; r < (s + 1) * len; r++) {
                    pos[r] = r - s * len;
                    from[r] = s * len;
                }
            }
            float[] normed = t.forward(new PackedBatch(d, t.embed(ids), starts, pos, from, new int[seqs]), false).normed();
            List<float[]> parts = new ArrayList<>(List.of(Arrays.copyOf(normed, n * d)));
            KvCache cache = t.newCache(len + 3);
            parts.add(t.prefill(cache, t.embed(Arrays.copyOf(ids, len)), len));
            for (int k = 0; k < 3; k++) parts.add(t.logits(t.decode(cache, ids[len + k]), 0));
            int total = parts.stream().mapToInt(p -> p.length).sum(), at = 0;
            float[] all = new float[total];
            for (float[] p : parts) {
                System.arraycopy(p, 0, all, at, p.length);
                at += p.length;
            }
            return all;
        }

        private static Set<String> workerNames() {
            Set<String> names = new TreeSet<>();
            for (Thread th : Thread.getAllStackTraces().keySet()) {
                if (th.getName().startsWith("tagllm-worker-")) names.add(th.getName());
            }
            return names;
        }

        private static void out(String key, Object value) {
            System.out.println(key + "=" + value);
        }
    }

    @Test
    void shutdownEndsTheWorkersAndLaterCallsComputeTheSameBitsOnTheCaller() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Dtagllm.threads=3"));
        String cache = System.getProperty("tagllm.cache");
        if (cache != null) cmd.add("-Dtagllm.cache=" + cache);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output;
        try {
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the probe ended");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), output);
        Map<String, String> got = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) got.put(line.substring(0, eq), line.substring(eq + 1).strip());
        }
        assertEquals("[tagllm-worker-1, tagllm-worker-2]", got.get("workersBefore"), output);
        assertEquals("true", got.get("spreadsBefore"), output);
        assertEquals("[]", got.get("workersAfter"), output);
        assertEquals("false", got.get("spreadsAfter"), output);
        assertEquals("[]", got.get("workersAfterSecond"), output);
        assertEquals("true", got.get("sameBits"), "the forward pass, prefill and decode after the shutdown: " + output);
        assertEquals("[" + got.get("caller") + "]", got.get("ranOn"), "every task of a later call on its caller: " + output);
        assertEquals("[]", got.get("workersAtEnd"), "no call restarted the pool: " + output);
    }
}
