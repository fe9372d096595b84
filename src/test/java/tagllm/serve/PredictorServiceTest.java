package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.Shared;

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

    /**
     * generate through the Java API refuses a top_p beside greedy decoding, as POST /v1/generate and the CLI do; it
     * used to take the Decoding and generate greedily as if top_p had not been given.
     */
    @Test
    void aTopPBesideGreedyDecodingIsRefusedNamingIt(@TempDir Path dir) throws Exception {
        try (PredictorService s = service(List.of(translateTags(dir)))) {
            TaskInfo translate = s.task("Translate:en-fr");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.generate(translate, List.of(Map.of("src", "The sun")), new TagService.Decoding(4, 0, 0, 0.9, 0), null));
            assertTrue(e.getMessage().startsWith("top_p: temperature 0 decodes greedily"), e.getMessage());
            ApiException none = assertThrows(ApiException.class, () -> s.generate(translate, List.of(Map.of("src", "The sun")), null, null));
            assertTrue(none.getMessage().startsWith("decoding: null"), none.getMessage());
        }
    }

    /** A null TaskInfo is refused naming the task, by each call that takes one; it was a bare NullPointerException. */
    @Test
    void aNullTaskInfoIsRefusedByName(@TempDir Path dir) throws Exception {
        try (PredictorService s = service(List.of(qedTags(dir), translateTags(dir)))) {
            List<org.junit.jupiter.api.function.Executable> calls = List.of(
                    () -> s.predict((TaskInfo) null, List.of(Map.of("smiles", "CCO"))),
                    () -> s.classify((TaskInfo) null, List.of(Map.of("smiles", "CCO"))),
                    () -> s.generate((TaskInfo) null, List.of(Map.of("src", "The sun")), TagService.Decoding.greedy(2), null));
            for (var call : calls) {
                ApiException e = assertThrows(ApiException.class, call);
                assertEquals(400, e.status());
                assertTrue(e.getMessage().startsWith("task: null; give one of service.tasks()"), e.getMessage());
                assertTrue(e.getMessage().contains("QED"), e.getMessage());
            }
        }
    }

    /**
     * PredictorService from several threads at once (regression, classification and generation mixed) gives, call
     * by call, what the same calls give in turn: the guarantee serve.md states for concurrent callers.
     */
    @Test
    void concurrentCallsGiveTheResultsOfTheSameCallsInTurn(@TempDir Path dir) throws Exception {
        Path qed = qedTags(dir), translate = translateTags(dir), bbbp = bbbpTags(dir);
        try (PredictorService s = service(List.of(qed, translate, bbbp))) {
            List<String> smiles = List.of("CCO", "c1ccccc1", "CC(=O)O", "CCN(CC)CC", "OCC(O)CO", "C1CCCCC1");
            List<String> src = List.of("The sun", "They played all day.", "Hello.");
            List<java.util.concurrent.Callable<Object>> calls = new java.util.ArrayList<>();
            for (String m : smiles) {
                calls.add(() -> s.predict("QED", List.of(Map.of("smiles", m))).values()[0]);
                calls.add(() -> Arrays.stream(s.classify("BBBP", List.of(Map.of("smiles", m))).probabilities()[0]).boxed().toList());
            }
            for (String t : src) calls.add(() -> s.generate("Translate:en-fr", List.of(Map.of("src", t)), 6).texts());
            List<Object> inTurn = new java.util.ArrayList<>();
            for (var c : calls) inTurn.add(c.call());
            // the reference is independent of the service: TagPredictor alone, one call at a time
            tagllm.task.TagPredictor q = referencePredictor(List.of(qed)), tr = referencePredictor(List.of(translate));
            assertEquals(q.predict("QED", Map.of("smiles", "CCO")), (double) inTurn.get(0), 1e-5);
            assertEquals(List.of(tr.generate("Translate:en-fr", Map.of("src", "The sun"), 6)), inTurn.get(2 * smiles.size()));
            var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                for (int round = 0; round < 2; round++) {
                    var futures = pool.invokeAll(calls);
                    for (int i = 0; i < calls.size(); i++) assertEquals(inTurn.get(i), futures.get(i).get(), "call " + i + ", round " + round);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * A classification request of many inputs runs in slices of 256, as a regression request does, and once its client
     * has gone the slices after the one running are not run. Before, its inputs ran as one call of the model: a
     * client that hung up on 513 inputs held the model until all of them had run (and no slice was told to /metrics).
     */
    @Test
    void aCancelledClassificationOfManyInputsStopsAfterTheSliceRunning(@TempDir Path dir) throws Exception {
        Path bbbp = bbbpTags(dir);
        tagllm.task.TagPredictor reference = referencePredictor(List.of(bbbp));
        List<String> smiles = List.of("CCO", "CCN", "c1ccccc1", "CC(C)O", "OCC(O)CO", "CC#N", "C1CC1");
        List<Map<String, String>> inputs = new java.util.ArrayList<>();
        for (int i = 0; i < 2 * PredictBatcher.MAX_ROWS + 1; i++) inputs.add(Map.of("smiles", smiles.get(i % smiles.size())));
        List<Integer> slices = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (PredictorService s = service(List.of(bbbp))) {
            TaskInfo info = s.task("BBBP");
            // not cancelled: every input runs, in slices, each with the probabilities the Java API gives it alone
            s.onBatch((set, n) -> slices.add(n));
            TagService.Classifications all = s.classify(info, inputs, new Cancellation());
            assertEquals(List.of(256, 256, 1), slices);
            for (int i = 0; i < smiles.size(); i++) {
                Map<String, Double> want = reference.classify("BBBP", inputs.get(i));
                assertEquals(want.get("0"), all.probabilities()[i][0], 1e-5, "input " + i);
                assertEquals(want.get("1"), all.probabilities()[i][1], 1e-5, "input " + i);
            }
            Map<String, Double> last = reference.classify("BBBP", inputs.getLast());
            assertEquals(last.get("1"), all.probabilities()[inputs.size() - 1][1], 1e-5, "the last input, of the last slice");
            // cancelled while its first slice runs (the listener hears of the slice on the model thread, before the next)
            slices.clear();
            Cancellation cancel = new Cancellation();
            s.onBatch((set, n) -> {
                slices.add(n);
                cancel.cancel("the client closed the connection");
            });
            ApiException e = assertThrows(ApiException.class, () -> s.classify(info, inputs, cancel));
            assertEquals(Cancellation.CLIENT_GONE, e.status(), e.getMessage());
            // the model is free again: a small request after it is answered
            assertEquals(2, s.classify(info, inputs.subList(0, 2), new Cancellation()).labels().size());
            assertEquals(List.of(256, 2), slices, "one slice of the cancelled request ran, then the small request");
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

    /**
     * The service generates as the Java facade and the CLI do: it stops at the model's end-of-sequence ids
     * (generation_config.json, as transformers' generate() does), not also at the tokenizer's eos_token. A model whose
     * tokenizer_config.json names another eos_token (here a piece the continuation contains) made the service's
     * text shorter than tagllm predict's for the same input.
     */
    @Test
    void generationStopsWhereTheFacadeStops(@TempDir Path dir) throws Exception {
        Path tags = translateTags(dir);
        Map<String, String> in = Map.of("src", "They played all day.");
        String reference = tagllm.task.TagPredictor.open(Shared.model("stories260K").toString(), List.of(tags))
                .generate("Translate:en-fr", in, 16);
        // a copy of the model whose tokenizer calls the continuation's second piece its eos_token
        Path model = dir.resolve("model");
        java.nio.file.Files.createDirectories(model);
        try (var files = java.nio.file.Files.list(Shared.model("stories260K"))) {
            for (Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) java.nio.file.Files.copy(f, model.resolve(f.getFileName()));
        }
        var tok = model().tokenizer();
        int[] ids = tok.encode(reference, false);
        assertTrue(ids.length >= 3, "a continuation of several pieces: " + reference);
        String piece = tok.token(ids[1]);
        Path config = model.resolve("tokenizer_config.json");
        var om = new com.fasterxml.jackson.databind.ObjectMapper();
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(config.toFile());
        json.put("eos_token", piece);
        om.writeValue(config.toFile(), json);
        var changed = tagllm.model.Model.load(model.toString());
        assertEquals(ids[1], changed.tokenizer().eosId(), "the tokenizer's eos_token is now the piece " + piece);
        assertFalse(changed.generation().isEos(ids[1]), "generation_config.json still ends sequences elsewhere");

        assertEquals(reference, tagllm.task.TagPredictor.open(changed, List.of(tags)).generate("Translate:en-fr", in, 16),
                "the facade (and tagllm predict) ignore the tokenizer's eos_token");
        try (PredictorService s = PredictorService.load(changed, List.of(tags), java.time.Duration.ofSeconds(60))) {
            assertEquals(List.of(reference), s.generate("Translate:en-fr", List.of(in), 16).texts());
        }
    }
}
