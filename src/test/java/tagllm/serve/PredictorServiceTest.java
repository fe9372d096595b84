package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/** PredictorService through the Java API: refusals name what is wrong, and a closed service refuses everything alike. */
class PredictorServiceTest {
    @Test
    void nullInputsAreRefusedByName(@TempDir Path dir) throws Exception {
        try (PredictorService s = service(List.of(qedTags(dir)))) {
            TaskInfo qed = s.task("QED");
            ApiException none = assertThrows(ApiException.class, () -> s.predict(qed, null));
            assertEquals(400, none.status());
            assertTrue(none.getMessage().startsWith("inputs: null"), none.getMessage());
            ApiException second = assertThrows(ApiException.class, () -> s.predict(qed, Arrays.asList(Map.of("smiles", "CCO"), null)));
            assertEquals(400, second.status());
            assertTrue(second.getMessage().startsWith("inputs[1]: null"), second.getMessage());
        }
    }

    @Test
    void aClosedServiceRefusesPredictGenerateAndClassifyAlike(@TempDir Path dir) throws Exception {
        PredictorService s = service(List.of(qedTags(dir), translateTags(dir)));
        TaskInfo qed = s.task("QED"), translate = s.task("Translate:en-fr");
        assertEquals(1, s.generate(translate, List.of(Map.of("src", "The sun")), TagService.Decoding.greedy(2), null).texts().size(),
                "open, it generates");
        s.close();
        List<org.junit.jupiter.api.function.Executable> calls = List.of(
                () -> s.predict(qed, List.of(Map.of("smiles", "CCO"))),
                () -> s.generate(translate, List.of(Map.of("src", "The sun")), TagService.Decoding.greedy(2), null),
                () -> s.classify(qed, List.of(Map.of("smiles", "CCO"))));
        for (var call : calls) {
            ApiException e = assertThrows(ApiException.class, call);
            assertEquals(503, e.status());
            assertEquals("the server is shutting down", e.getMessage());
        }
    }

    /** The thread-safety the javadoc promises: one TagPredictor from 8 threads at once gives the results of the calls in turn. */
    @Test
    void oneTagPredictorUsedFromEightThreadsGivesTheResultsOfCallsInTurn(@TempDir Path dir) throws Exception {
        List<Path> files = List.of(qedTags(dir), translateTags(dir));
        tagllm.task.TagPredictor p = referencePredictor(files);
        List<String> smiles = List.of("CCO", "c1ccccc1", "CC(=O)O", "CCN(CC)CC", "OCC(O)CO", "C1CCCCC1", "CC#N", "O=C=O");
        double[] inTurn = smiles.stream().mapToDouble(m -> p.predict("QED", Map.of("smiles", m))).toArray();
        String textInTurn = p.generate("Translate:en-fr", Map.of("src", "The sun"), 6);
        for (int round = 0; round < 3; round++) {
            double[] together = new double[smiles.size()];
            String[] texts = new String[smiles.size()];
            List<Thread> threads = new java.util.ArrayList<>();
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(smiles.size());
            for (int i = 0; i < smiles.size(); i++) {
                int k = i;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    together[k] = p.predict("QED", Map.of("smiles", smiles.get(k)));
                    texts[k] = p.generate("Translate:en-fr", Map.of("src", "The sun"), 6);
                }));
            }
            for (Thread t : threads) t.join();
            assertArrayEquals(inTurn, together, "bit-identical to the calls in turn");
            for (String t : texts) assertEquals(textInTurn, t);
        }
    }
}
