package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.Row;
import tagllm.tag.Sequence;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/** Requests that wait together run together, and each gets exactly what it would get alone. */
class PredictBatcherTest {
    @Test
    void requestsWaitingTogetherShareOneBatchAndGetTheirOwnValues(@TempDir Path dir) throws Exception {
        TagPredictor p = referencePredictor(List.of(qedTags(dir)));
        TaskSpec qed = p.task("QED");
        List<String> smiles = List.of("CCO", "CCN", "c1ccccc1", "CC(C)O", "OCC(O)CO", "CC#N", "C1CC1", "CCCl", "CCOC", "NCCO");
        List<List<Sequence>> requests = new ArrayList<>();
        for (int i = 0; i < smiles.size(); i += 2) {
            requests.add(List.of(prompt(p, qed, smiles.get(i)), prompt(p, qed, smiles.get(i + 1))));
        }
        ComputeGate gate = new ComputeGate(Duration.ofSeconds(30));
        List<Integer> batches = new CopyOnWriteArrayList<>();
        try (PredictBatcher b = new PredictBatcher(gate, (predictor, n) -> batches.add(n))) {
            CountDownLatch holding = new CountDownLatch(1), release = new CountDownLatch(1);
            Thread holder = Thread.ofPlatform().start(() -> gate.run(() -> {
                holding.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }));
            holding.await();
            // the first request is taken alone (it arrives while the model is free of batcher work), the rest wait
            List<CompletableFuture<double[]>> results = new ArrayList<>();
            long deadline = System.nanoTime() + 30_000_000_000L;
            for (List<Sequence> r : requests) {
                results.add(b.submit(p, qed, r, deadline));
                Thread.sleep(50);
            }
            release.countDown();
            holder.join();
            for (int i = 0; i < results.size(); i++) {
                double[] got = results.get(i).get(30, TimeUnit.SECONDS);
                double[] alone = p.predictValues(qed, requests.get(i));
                assertArrayEquals(alone, got, 1e-5, "request " + i);
            }
            assertEquals(10, batches.stream().mapToInt(Integer::intValue).sum(), batches.toString());
            assertTrue(batches.size() <= 2, "the waiting requests ran as one batch: " + batches);
            assertTrue(batches.stream().anyMatch(n -> n >= 8), batches.toString());
        }
    }

    @Test
    void aRequestPastItsDeadlineGets503(@TempDir Path dir) throws Exception {
        TagPredictor p = referencePredictor(List.of(qedTags(dir)));
        TaskSpec qed = p.task("QED");
        try (PredictBatcher b = new PredictBatcher(new ComputeGate(Duration.ofSeconds(30)), null)) {
            var f = b.submit(p, qed, List.of(prompt(p, qed, "CCO")), System.nanoTime() - 1);
            var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertEquals(503, ((ApiException) e.getCause()).status());
        }
    }

    /**
     * A request of more than MAX_ROWS inputs runs in slices of MAX_ROWS, and once its client has gone (or the server
     * stops) the slices after the one running are not run: the model is free for the others. Before, the whole
     * request ran to its end (769 prompts here; 1,024 one-molecule QED inputs kept stories260K busy 3-10 s after
     * `curl --max-time 0.5` had hung up, every other request waiting behind them).
     */
    @Test
    void aCancelledRequestOfManyInputsStopsAfterTheSliceRunning(@TempDir Path dir) throws Exception {
        TagPredictor p = referencePredictor(List.of(qedTags(dir)));
        TaskSpec qed = p.task("QED");
        List<String> smiles = List.of("CCO", "CCN", "c1ccccc1", "CC(C)O", "OCC(O)CO", "CC#N", "C1CC1");
        List<Sequence> prompts = new ArrayList<>();
        for (int i = 0; i < 3 * PredictBatcher.MAX_ROWS + 1; i++) prompts.add(prompt(p, qed, smiles.get(i % smiles.size())));
        long deadline = System.nanoTime() + 120_000_000_000L;
        List<Integer> slices = new CopyOnWriteArrayList<>();
        // not cancelled: every prompt runs, in slices, and the values are those of one call on them all
        try (PredictBatcher b = new PredictBatcher(new ComputeGate(Duration.ofSeconds(120)), (predictor, n) -> slices.add(n))) {
            double[] got = b.submit(p, qed, prompts, deadline).get(120, TimeUnit.SECONDS);
            double[] want = p.predictValues(qed, prompts);
            assertArrayEquals(want, got, 1e-5);
        }
        assertEquals(List.of(256, 256, 256, 1), slices);
        // cancelled while its first slice runs (the listener hears of the slice on the model thread, before the next)
        slices.clear();
        Cancellation cancel = new Cancellation();
        try (PredictBatcher b = new PredictBatcher(new ComputeGate(Duration.ofSeconds(120)), (predictor, n) -> {
            slices.add(n);
            cancel.cancel("the client closed the connection");
        })) {
            var f = b.submit(p, qed, prompts, deadline, cancel);
            var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(120, TimeUnit.SECONDS));
            assertEquals(Cancellation.CLIENT_GONE, ((ApiException) e.getCause()).status(), e.getCause().getMessage());
            // the model thread is free again: a small request after it is answered
            double[] next = b.submit(p, qed, prompts.subList(0, 2), deadline).get(120, TimeUnit.SECONDS);
            assertArrayEquals(p.predictValues(qed, prompts.subList(0, 2)), next, 1e-5);
        }
        assertEquals(List.of(256, 2), slices, "one slice of the cancelled request ran, then the small request");
    }

    private static Sequence prompt(TagPredictor p, TaskSpec t, String smiles) {
        return p.renderer(t).prompt(Row.of("test", 1, Map.of("smiles", smiles))).sequence();
    }
}
