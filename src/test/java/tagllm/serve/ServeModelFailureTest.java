package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.Presets;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/**
 * The model itself throwing on a request (not a bad input): the request gets a 500 JSON error, the details go to the
 * server log, and the next request (of another set, on the same model thread and compute lock) is answered as usual.
 * A stream the model fails on once its events have begun ends with one error event naming the internal error's number.
 */
class ServeModelFailureTest {
    /**
     * A QED and Translate:en-fr set whose tags and head are {@code extra} wider than the model's hidden state: with 1 the
     * forward pass cannot run on it.
     */
    static TagSet qedAndTranslate(int extra) throws Exception {
        Model m = model();
        int d = m.config().hiddenSize() + extra;
        float[] init = Arrays.copyOf(TagInit.initialVector(m.weights().embedTokens()), d);
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        s.put(TagInit.newTag("<QED>", TagKind.FUNCTION, 1, init));
        s.putHead(new RegressionHead("<QED>", 1, d, new float[d], null, new double[]{0.5}, new double[]{0.2}));
        s.tasks().put("QED", Presets.get("QED", "test").toJson());
        s.put(TagInit.newTag("<EN>", TagKind.DOMAIN, 1, init));
        s.put(TagInit.newTag("<FR>", TagKind.DOMAIN, 1, init));
        s.put(TagInit.newTag("<Translate>", TagKind.FUNCTION, 2, init));
        s.tasks().put("Translate:en-fr", Presets.get("Translate:en-fr", "test").toJson());
        return s;
    }

    static Path write(TagSet s, Path f) throws Exception {
        TagFile.write(s, f);
        return f;
    }

    /**
     * A tag file whose tags are wider than the model's hidden state (its fingerprint matches: edited, or made by other
     * code) is refused when the server starts, naming the tag and the file; it loaded, and every request to it was a 500.
     */
    @Test
    void aTagFileWiderThanTheModelIsRefusedAtStartNamingItsFile(@TempDir Path dir) throws Exception {
        Path wide = write(qedAndTranslate(1), dir.resolve("wide.tags.safetensors"));
        int d = model().config().hiddenSize();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> service(List.of(wide)).close());
        assertEquals("tag <SMILES> in " + wide + " holds vectors of width " + (d + 1) + ", but the model's hidden size is " + d
                + ": the tag file was not made for this model", e.getMessage());
    }

    @Test
    void aRequestTheModelFailsOnIs500AndTheNextIsServed(@TempDir Path dir) throws Exception {
        Path good = qedTags(dir);
        Path translate = translateTags(dir);
        Path wide = write(qedAndTranslate(0), dir.resolve("wide.tags.safetensors"));
        double want = referencePredictor(List.of(good)).predict("QED", Map.of("smiles", "CCO"));
        List<String> log = new CopyOnWriteArrayList<>();
        try (PredictorService service = service(List.of(good, translate, wide));
             TagServer s = TagServer.start(service, ServerOptions.defaults().withPort(0).withLog(log::add))) {
            // a wider set no file can give (the server refuses one at start): the served set's tags and head replaced in
            // memory, so that the forward pass throws on every request to it
            TagSet live = service.predictor("wide").tags(), wider = qedAndTranslate(1);
            live.tags().clear();
            wider.tags().forEach(live::put);
            wider.heads().values().forEach(live::putHead);
            String gen = "{\"task\": \"Translate:en-fr\", \"tag_set\": \"%s\", \"inputs\": [{\"src\": \"Hello\"}], \"max_tokens\": 4}";
            Reply before = post(s.uri(), "/v1/generate", gen.formatted("translate"));
            assertEquals(200, before.status(), before.body());
            for (int round = 0; round < 2; round++) {
                Reply failed = post(s.uri(), "/v1/predict", "{\"task\": \"QED\", \"tag_set\": \"wide\", \"inputs\": [{\"smiles\": \"CCO\"}]}");
                assertEquals(500, failed.status(), failed.body());
                assertEquals(1, failed.json().size(), failed.body());
                assertTrue(failed.error().matches("internal error #\\d+ while handling POST /v1/predict.*; the details are in the server log"), failed.error());
                Reply served = post(s.uri(), "/v1/predict", "{\"task\": \"QED\", \"tag_set\": \"qed\", \"inputs\": [{\"smiles\": \"CCO\"}]}");
                assertEquals(200, served.status(), served.body());
                assertEquals(want, served.json().path("predictions").get(0).asDouble(), 0.0);
                Reply genFailed = post(s.uri(), "/v1/generate", gen.formatted("wide"));
                assertEquals(500, genFailed.status(), genFailed.body());
                assertTrue(genFailed.error().matches("internal error #\\d+ while handling POST /v1/generate.*; the details are in the server log"), genFailed.error());
                Reply genServed = post(s.uri(), "/v1/generate", gen.formatted("translate"));
                assertEquals(before.body(), genServed.body(), "the compute lock is free again");
            }
            assertTrue(String.join("\n", log).contains("hidden size"), "the log has what failed: " + log);
        }
    }

    /** Puts wider's tags and heads in place of live's, in memory (no file can give them: see the test above). */
    static void replaceTags(TagSet live, TagSet wider) {
        live.tags().clear();
        wider.tags().forEach(live::put);
        wider.heads().values().forEach(live::putHead);
    }

    /**
     * The served service, but with the first streamed piece of input 0 widening set "wide": the model then throws on
     * input 1's forward pass, after the stream has sent events.
     */
    static TagService widenedAfterFirstPiece(PredictorService real, java.util.concurrent.atomic.AtomicBoolean armed) {
        return new TagService() {
            public String modelName() { return real.modelName(); }

            public String modelFingerprint() { return real.modelFingerprint(); }

            public List<TaskInfo> tasks() { return real.tasks(); }

            public TaskInfo task(String name) { return real.task(name); }

            public List<TagSetInfo> tagSets() { return real.tagSets(); }

            public TaskInfo task(String tagSet, String name) { return real.task(tagSet, name); }

            public Predictions predict(String task, List<Map<String, String>> inputs) { return real.predict(task, inputs); }

            public Generations generate(String task, List<Map<String, String>> inputs, int maxTokens) { return real.generate(task, inputs, maxTokens); }

            public Generations generate(TaskInfo task, List<Map<String, String>> inputs, Decoding decoding,
                                        java.util.function.BiConsumer<Integer, String> onText, Cancellation cancel) {
                java.util.function.BiConsumer<Integer, String> widening = onText == null ? null : (i, text) -> {
                    onText.accept(i, text);
                    if (armed.getAndSet(false)) {
                        try {
                            replaceTags(real.predictor("wide").tags(), qedAndTranslate(1));
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }
                };
                return real.generate(task, inputs, decoding, widening, cancel);
            }
        };
    }

    /** The events of a text/event-stream body, as [name, data] pairs in order; the body must end with an event's blank line. */
    static List<String[]> events(String body) {
        assertTrue(body.endsWith("\n\n"), "the stream ends after a whole event: " + body);
        List<String[]> out = new java.util.ArrayList<>();
        for (String block : body.substring(0, body.length() - 2).split("\n\n", -1)) {
            String[] lines = block.split("\n");
            assertEquals(2, lines.length, block);
            assertTrue(lines[0].startsWith("event: ") && lines[1].startsWith("data: "), block);
            out.add(new String[]{lines[0].substring(7), lines[1].substring(6)});
        }
        return out;
    }

    @Test
    void aStreamTheModelFailsOnIs500BeforeItsFirstEventAndEndsWithAnErrorEventAfter(@TempDir Path dir) throws Exception {
        Path translate = translateTags(dir);
        Path wide = write(qedAndTranslate(0), dir.resolve("wide.tags.safetensors"));
        List<String> log = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        try (PredictorService service = service(List.of(translate, wide));
             TagServer s = TagServer.start(widenedAfterFirstPiece(service, armed), ServerOptions.defaults().withPort(0).withLog(log::add))) {
            TagSet live = service.predictor("wide").tags();
            TagSet original = qedAndTranslate(0);
            String gen = "{\"task\": \"Translate:en-fr\", \"tag_set\": \"%s\", \"inputs\": [{\"src\": \"Hello\"}, {\"src\": \"Once upon a time\"}], \"max_tokens\": 4%s}";
            Reply plain = post(s.uri(), "/v1/generate", gen.formatted("translate", ""));
            Reply streamed = post(s.uri(), "/v1/generate", gen.formatted("translate", ", \"stream\": true"));
            assertEquals(200, plain.status(), plain.body());
            assertEquals(200, streamed.status(), streamed.body());
            Reply wideStreamed = post(s.uri(), "/v1/generate", gen.formatted("wide", ", \"stream\": true"));
            assertEquals(200, wideStreamed.status(), wideStreamed.body());
            List<String[]> wideEvents = events(wideStreamed.body());
            assertEquals("token", wideEvents.getFirst()[0], "input 0 gives a piece on the set as loaded: " + wideStreamed.body());
            for (int round = 0; round < 2; round++) {
                // before the first event: the model throws on input 0's prompt, so nothing was sent
                replaceTags(live, qedAndTranslate(1));
                Reply early = post(s.uri(), "/v1/generate", gen.formatted("wide", ", \"stream\": true"));
                assertEquals(500, early.status(), early.body());
                assertTrue(early.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), early.headers().toString());
                assertEquals(1, early.json().size(), early.body());
                assertTrue(early.error().matches("internal error #\\d+ while handling POST /v1/generate; the details are in the server log"), early.error());
                assertEquals(plain.body(), post(s.uri(), "/v1/generate", gen.formatted("translate", "")).body(), "served after the failure");

                // after events: input 0 streams its first piece, then the set widens and input 1's forward pass throws
                replaceTags(live, original);
                armed.set(true);
                Reply late = post(s.uri(), "/v1/generate", gen.formatted("wide", ", \"stream\": true"));
                assertFalse(armed.get(), "input 0 streamed a piece");
                assertEquals(200, late.status(), late.body());
                assertTrue(late.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"), late.headers().toString());
                List<String[]> ev = events(late.body());
                assertTrue(ev.size() >= 2, late.body());
                for (String[] e : ev.subList(0, ev.size() - 1)) {
                    assertEquals("token", e[0], late.body());
                    assertEquals(0, JSON.readTree(e[1]).path("index").asInt(), "input 1 gave nothing: " + late.body());
                }
                String[] last = ev.getLast();
                assertEquals("error", last[0], late.body());
                com.fasterxml.jackson.databind.JsonNode data = JSON.readTree(last[1]);
                assertEquals(1, data.size(), last[1]);
                String message = data.path("error").asText();
                java.util.regex.Matcher m = java.util.regex.Pattern
                        .compile("internal error #(\\d+) while handling POST /v1/generate; the details are in the server log").matcher(message);
                assertTrue(m.matches(), message);
                String logged = String.join("\n", log);
                assertTrue(logged.contains("internal error #" + m.group(1) + " in POST /v1/generate:"), "the log has it under its number: " + logged);
                String entry = logged.substring(logged.indexOf("internal error #" + m.group(1) + " in "));
                assertTrue(entry.contains("hidden size"), "the log has what failed: " + entry);
                assertFalse(early.error().equals(message), "each failure has its own number");

                assertEquals(plain.body(), post(s.uri(), "/v1/generate", gen.formatted("translate", "")).body(), "served after the failure");
                assertEquals(streamed.body(), post(s.uri(), "/v1/generate", gen.formatted("translate", ", \"stream\": true")).body());
                replaceTags(live, original);
            }
        }
    }
}
