package tagllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.Row;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.task.ExampleRenderer;
import tagllm.task.Presets;
import tagllm.task.TaskSpec;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/**
 * /v1/generate ended each output at EOS, a newline, max_tokens or the end of the model's context without saying
 * which, so a client could not tell an output the context cut short from one the model ended. Each answer (and a
 * stream's done event) now has stop_reasons beside outputs. The expected reason and text come from a greedy loop
 * written here over the full forward pass (argmax of each step's logits, no KV cache), not from TagPredictor.
 */
class ServeStopReasonsTest {
    private static final int EOS = 2; // stories260K's generation_config.json
    /** Positions the long prompt leaves: few enough that the model writes no newline into them (it does by the third). */
    private static final int ROOM = 2;

    @TempDir
    Path dir;

    @Test
    void eachOutputSaysWhyItEnded() throws Exception {
        Path tagFile = translateTags(dir);
        Model m = model();
        TagSet tags = TagFile.read(tagFile);
        Transformer t = new Transformer(m.weights());
        TaskSpec task = Presets.get("Translate:en-fr", "test");
        var renderer = new ExampleRenderer(task, tags, new TokenizerEncoder(m.tokenizer()), Integer.MAX_VALUE);
        int context = m.config().maxPositions();

        String story = "Once upon a time";
        List<Integer> ids = greedy(m, t, tags, prompt(renderer, story), 64);
        String decoded = decode(m, ids);
        int nl = decoded.indexOf('\n');
        assertTrue(nl > 0 && !ids.contains(EOS), "the model writes a line, then a newline, no EOS first: " + decoded);
        String line = decoded.substring(0, nl);
        assertTrue(ids.size() > 6, "a line of several tokens: " + ids);

        // a src whose prompt leaves ROOM positions of the context
        String near = null;
        for (int n = 300; n < 600 && near == null; n++) {
            if (prompt(renderer, "x".repeat(n)).length() == context - ROOM) near = "x".repeat(n);
        }
        assertNotNull(near, "some src leaves exactly " + ROOM + " positions");
        List<Integer> nearIds = greedy(m, t, tags, prompt(renderer, near), ROOM);
        String nearText = decode(m, nearIds);
        assertTrue(nearIds.size() == ROOM && !nearIds.contains(EOS) && nearText.indexOf('\n') < 0,
                ROOM + " tokens without EOS or newline: the context ends the output " + nearIds);

        try (PredictorService service = PredictorService.load(m, List.of(tagFile), Duration.ofSeconds(60));
             TagServer s = TagServer.start(service, ServerOptions.defaults().withPort(0).withLog(l -> { }))) {
            assertAnswer(s, story, 64, line, "newline");
            assertAnswer(s, story, 3, decode(m, ids.subList(0, 3)), "max_tokens");
            assertAnswer(s, near, 20, nearText, "context");
            // the context leaves exactly max_tokens positions: max_tokens ended it, the context cut nothing short
            assertAnswer(s, near, ROOM, nearText, "max_tokens");

            // several inputs: one reason per output, in order, in the plain answer and the stream's done event
            String body = json(Map.of("task", "Translate:en-fr", "max_tokens", 20,
                    "inputs", List.of(Map.of("src", near), Map.of("src", story))));
            JsonNode plain = post(s.uri(), "/v1/generate", body).json();
            List<String> story20 = ids.size() >= 20 && decode(m, ids.subList(0, 20)).indexOf('\n') < 0
                    ? List.of(decode(m, ids.subList(0, 20)), "max_tokens") : List.of(line, "newline");
            assertEquals(List.of(nearText, story20.get(0)), ServeApiTest.strings(plain.path("outputs")), plain.toString());
            assertEquals(List.of("context", story20.get(1)), ServeApiTest.strings(plain.path("stop_reasons")), plain.toString());
            JsonNode done = doneEvent(s, body.replaceFirst("\\}$", ", \"stream\": true}"));
            assertEquals(plain.path("outputs"), done.path("outputs"));
            assertEquals(plain.path("stop_reasons"), done.path("stop_reasons"));
        }

        // EOS: a copy of the model whose generation_config.json also ends sequences at the line's fifth token
        int end = ids.get(4);
        assertFalse(ids.subList(0, 4).contains(end), "the fifth token is not among the first four: " + ids);
        Path eosModel = dir.resolve("model");
        Files.createDirectories(eosModel);
        try (var files = Files.list(Shared.model("stories260K"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, eosModel.resolve(f.getFileName()));
        }
        Files.writeString(eosModel.resolve("generation_config.json"),
                "{\"bos_token_id\": 1, \"eos_token_id\": [" + EOS + ", " + end + "], \"do_sample\": false}");
        Model changed = Model.load(eosModel.toString());
        assertTrue(changed.generation().isEos(end));
        try (PredictorService service = PredictorService.load(changed, List.of(tagFile), Duration.ofSeconds(60));
             TagServer s = TagServer.start(service, ServerOptions.defaults().withPort(0).withLog(l -> { }))) {
            assertAnswer(s, story, 64, decode(m, ids.subList(0, 4)), "eos");
        }
    }

    /** The plain answer and the stream's done event for one input: the output and its stop reason. */
    private static void assertAnswer(TagServer s, String src, int maxTokens, String output, String reason) throws Exception {
        String body = json(Map.of("task", "Translate:en-fr", "max_tokens", maxTokens, "inputs", List.of(Map.of("src", src))));
        Reply r = post(s.uri(), "/v1/generate", body);
        assertEquals(200, r.status(), r.body());
        String what = "src of " + src.length() + " characters, max_tokens " + maxTokens + ": " + r.body();
        assertEquals(List.of(output), ServeApiTest.strings(r.json().path("outputs")), what);
        assertEquals(List.of(reason), ServeApiTest.strings(r.json().path("stop_reasons")), what);
        JsonNode done = doneEvent(s, body.replaceFirst("\\}$", ", \"stream\": true}"));
        assertEquals(List.of(output), ServeApiTest.strings(done.path("outputs")), "streamed, " + what);
        assertEquals(List.of(reason), ServeApiTest.strings(done.path("stop_reasons")), "streamed, " + what);
    }

    private static JsonNode doneEvent(TagServer s, String body) throws Exception {
        Reply sse = post(s.uri(), "/v1/generate", body);
        assertEquals(200, sse.status(), sse.body());
        for (String event : sse.body().split("\n\n")) {
            String[] lines = event.split("\n");
            if (lines[0].equals("event: done")) return JSON.readTree(lines[1].substring("data: ".length()));
        }
        throw new AssertionError("no done event in " + sse.body());
    }

    private static Sequence prompt(ExampleRenderer renderer, String src) {
        return renderer.prompt(Row.of("in", 1, Map.of("src", src))).sequence();
    }

    private static String decode(Model m, List<Integer> ids) {
        return m.tokenizer().decode(ids.stream().mapToInt(Integer::intValue).toArray(), true);
    }

    /**
     * Up to {@code steps} greedy tokens, each the argmax over a full forward pass of the prompt and the tokens so
     * far; stops after an EOS id or a token whose text holds a newline (both included).
     */
    private static List<Integer> greedy(Model m, Transformer t, TagSet tags, Sequence prompt, int steps) {
        int d = t.config().hiddenSize();
        List<Integer> ids = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            Sequence.Builder b = Sequence.builder();
            for (int k = 0; k < prompt.length(); k++) {
                if (prompt.isTag(k)) {
                    if (prompt.slot(k) == 0) b.tag(prompt.tagName(k), tags.require(prompt.tagName(k)).length());
                } else {
                    b.token(prompt.tokenId(k));
                }
            }
            for (int[] span : prompt.spans()) b.span(span[0], span[1]);
            ids.forEach(b::token);
            Sequence seq = b.build();
            var pass = t.forward(SequencePacker.pack(List.of(seq), tags, t::embed, d, n -> false).batch(), false);
            float[] h = new float[d];
            System.arraycopy(pass.normed(), (seq.length() - 1) * d, h, 0, d);
            float[] logits = t.logits(h, 0);
            int next = 0;
            for (int v = 1; v < logits.length; v++) if (logits[v] > logits[next]) next = v;
            ids.add(next);
            if (next == EOS || decode(m, ids).indexOf('\n') >= 0) break;
        }
        return ids;
    }
}
