package tagllm.task;

import tagllm.config.ConfigException;

import org.junit.jupiter.api.Test;
import tagllm.data.Row;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.Tag;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.testutil.Shared;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Greedy generation with tags in the prompt: the KV-cache path equals recomputing the whole sequence each step. */
class TagPredictorTest {
    @Test
    void cachedGenerationWithTagsEqualsFullRecomputation() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        Transformer t = new Transformer(m.weights());
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        Random r = new Random(9);
        for (String n : List.of("<EN>", "<FR>")) {
            Tag tag = TagInit.newTag(n, TagKind.DOMAIN, 3, t.weights().embedTokens());
            for (int i = 0; i < tag.values().length; i++) tag.values()[i] += (float) (0.3 * r.nextGaussian());
            tags.put(tag);
        }
        tags.put(TagInit.newTag("<Translate>", TagKind.FUNCTION, 3, t.weights().embedTokens()));
        TaskSpec task = Presets.get("Translate:en-fr", "test");
        TagPredictor p = new TagPredictor(t, m.tokenizer(), tags, m.generation()::isEos);
        Sequence prompt = p.renderer(task).prompt(Row.of("in", 1, Map.of("src", "Once upon a time there was a cat."))).sequence();
        assertEquals(prompt.length() - 1, prompt.readPosition(), "the prompt ends with the <Translate> tag");

        // reference: argmax over the full forward pass of prompt + generated tokens, one step at a time
        int d = t.config().hiddenSize();
        List<Integer> ids = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        for (int step = 0; step < 12; step++) {
            Sequence.Builder b = Sequence.builder();
            for (int k = 0; k < prompt.length(); k++) {
                if (prompt.isTag(k)) { if (prompt.slot(k) == 0) b.tag(prompt.tagName(k), 3); } else b.token(prompt.tokenId(k));
            }
            ids.forEach(b::token);
            Sequence s = b.build();
            var pass = t.forward(SequencePacker.pack(List.of(s), tags, t::embed, d, n -> false).batch(), false);
            float[] h = new float[d];
            System.arraycopy(pass.normed(), (s.length() - 1) * d, h, 0, d);
            int next = TagPredictor.argmax(t.logits(h, 0));
            if (m.generation().isEos(next)) break;
            ids.add(next);
            String text = m.tokenizer().decode(ids.stream().mapToInt(Integer::intValue).toArray(), true);
            if (text.contains("\n")) { expected = new StringBuilder(text.substring(0, text.indexOf('\n'))); break; }
            expected = new StringBuilder(text);
        }
        assertFalse(expected.isEmpty());
        assertEquals(expected.toString(), p.generate(prompt, 12));
    }

    /**
     * predict on a classification task said "use generate" (which refuses it too), and classify on a regression
     * task named no call at all: each refusal now names the call that takes the task.
     */
    @Test
    void aTaskGivenToTheWrongCallNamesTheRightOne() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        Transformer t = new Transformer(m.weights());
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        tags.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, t.weights().embedTokens()));
        for (String f : List.of("<BBBP>", "<QED>")) {
            tags.put(TagInit.newTag(f, TagKind.FUNCTION, 2, t.weights().embedTokens()));
            tags.putHead(tagllm.head.RegressionHead.initial(f, 1, new float[t.config().hiddenSize()], false, null, null));
        }
        TagPredictor p = new TagPredictor(t, m.tokenizer(), tags, m.generation()::isEos);
        var bbbp = p.task("BBBP").toJson();
        bbbp.putArray("classes").add("0").add("1");
        tags.tasks().put("bbbp", bbbp);
        Map<String, String> row = Map.of("smiles", "CCO");
        assertEquals("task bbbp is of type classification, which predict does not take: use classify",
                assertThrows(ConfigException.class, () -> p.predict("bbbp", row)).getMessage());
        assertEquals("task bbbp is of type classification, which generate does not take: use classify",
                assertThrows(ConfigException.class, () -> p.generate("bbbp", row, 4)).getMessage());
        assertEquals("task QED is of type regression, which classify does not take: use predict",
                assertThrows(ConfigException.class, () -> p.classify("QED", row)).getMessage());
        assertEquals("task SMILES is of type lm, which predict does not take: it trains a domain tag on text and has no output to "
                + "predict; use a regression, classification or text task",
                assertThrows(ConfigException.class, () -> p.predict("SMILES", row)).getMessage());
        assertEquals(2, p.classify("bbbp", row).size(), "the right call still answers");

        // the calls on rendered prompts: a classification head's logit is no label-unit value, a regression head no probability
        TaskSpec bbbpTask = p.task("bbbp"), qedTask = p.task("QED");
        List<Sequence> bbbpPrompt = List.of(p.renderer(bbbpTask).prompt(Row.of("input", 1, row)).sequence());
        List<Sequence> qedPrompt = List.of(p.renderer(qedTask).prompt(Row.of("input", 1, row)).sequence());
        assertEquals("task bbbp is of type classification, which predictValues does not take: use classProbabilities",
                assertThrows(ConfigException.class, () -> p.predictValues(bbbpTask, bbbpPrompt)).getMessage());
        assertEquals("task QED is of type regression, which classProbabilities does not take: use predictValues",
                assertThrows(ConfigException.class, () -> p.classProbabilities(qedTask, qedPrompt)).getMessage());
        assertEquals(p.classify("bbbp", row).get("1"), p.classProbabilities(bbbpTask, bbbpPrompt)[0][1], "the right batch call answers as classify");
    }

    @Test
    void missingTagsAndHeadsAreNamed() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        Transformer t = new Transformer(m.weights());
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        tags.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, t.weights().embedTokens()));
        TagPredictor p = new TagPredictor(t, m.tokenizer(), tags, m.generation()::isEos);
        var e = assertThrows(ConfigException.class, () -> p.requireReady(p.task("QED")));
        assertTrue(e.getMessage().contains("<QED>"), e.getMessage());
        tags.put(TagInit.newTag("<QED>", TagKind.FUNCTION, 2, t.weights().embedTokens()));
        var e2 = assertThrows(ConfigException.class, () -> p.requireReady(p.task("QED")));
        assertTrue(e2.getMessage().contains("no regression head"), e2.getMessage());
        var e3 = assertThrows(ConfigException.class, () -> p.task("Nope"));
        assertTrue(e3.getMessage().contains("neither in the tag files"), e3.getMessage());
    }

    /**
     * Composed --tags files that lack a task's tag: the error named the tag but not the files it looked in ("none of the
     * tag files holds"), which with several files, or a typo among them, left the user guessing which were read.
     */
    @Test
    void aTagNoneOfSeveralFilesHoldsIsNamedWithTheFilesSearched(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        Transformer t = new Transformer(m.weights());
        TagSet domain = new TagSet(m.name(), m.fingerprint()), language = new TagSet(m.name(), m.fingerprint());
        domain.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, t.weights().embedTokens()));
        language.put(TagInit.newTag("<EN>", TagKind.DOMAIN, 3, t.weights().embedTokens()));
        java.nio.file.Path a = dir.resolve("smiles.tags.safetensors"), b = dir.resolve("en.tags.safetensors");
        tagllm.tag.TagFile.write(domain, a);
        tagllm.tag.TagFile.write(language, b);
        TagPredictor p = TagPredictor.open(m, List.of(a, b));
        assertEquals("task QED needs tag <QED>, which none of the tag files " + a + ", " + b + " holds (they hold: <SMILES>, <EN>)",
                assertThrows(ConfigException.class, () -> p.requireReady(p.task("QED"))).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> p.task("Nope")).getMessage()
                .startsWith("task 'Nope' is neither in the tag files " + a + ", " + b + " (they define none) nor a preset"));
    }

    /**
     * The Java API refuses what it cannot answer, by name: a null map or value (bare NullPointerExceptions), an input
     * predict refuses (an empty SMILES gave a number), a prompt longer than the context and a negative token count
     * (both returned "" without a word).
     */
    @Test
    void badInputsAreRefusedByName() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        Transformer t = new Transformer(m.weights());
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        tags.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        tags.put(TagInit.newTag("<QED>", TagKind.FUNCTION, 1, init));
        tags.putHead(tagllm.head.RegressionHead.initial("<QED>", 1, TagInit.meanEmbedding(m.weights().embedTokens()), true, null, null));
        tags.tasks().put("QED", Presets.get("QED", "test").toJson());
        TagPredictor p = new TagPredictor(t, m.tokenizer(), tags, m.generation()::isEos);
        assertTrue(Double.isFinite(p.predict("QED", Map.of("smiles", "CCO"))));
        var nullMap = assertThrows(IllegalArgumentException.class, () -> p.predict("QED", null));
        assertTrue(nullMap.getMessage().contains("fields is null") && nullMap.getMessage().contains("smiles"), nullMap.getMessage());
        Map<String, String> withNull = new java.util.HashMap<>();
        withNull.put("smiles", null);
        var nullValue = assertThrows(IllegalArgumentException.class, () -> p.predict("QED", withNull));
        assertTrue(nullValue.getMessage().contains("field 'smiles' is null"), nullValue.getMessage());
        var empty = assertThrows(tagllm.data.DatasetException.class, () -> p.predict("QED", Map.of("smiles", "")));
        assertEquals("smiles: empty; expected a SMILES", empty.reason());

        Sequence.Builder b = Sequence.builder();
        for (int i = 0; i < m.config().maxPositions() + 88; i++) b.token(5 + i % 100);
        Sequence tooLong = b.build();
        var longer = assertThrows(IllegalArgumentException.class, () -> p.generate(tooLong, 10));
        assertTrue(longer.getMessage().contains("more than the model's context of " + m.config().maxPositions()), longer.getMessage());
        Sequence shortOne = Sequence.builder().token(1).token(403).build();
        assertThrows(IllegalArgumentException.class, () -> p.generate(shortOne, -5));
        assertEquals("", p.generate(shortOne, 0), "no token asked for: no text");
    }

    /**
     * A service cancels a call by interrupting its thread (Future.cancel(true), shutdownNow): the calls ran to the end
     * regardless (predictValues over 3,000 prompts went on for 22 s after the interrupt). They now stop at the next
     * batch or token with a CancellationException, keep the interrupt status, and the predictor answers as before.
     */
    @Test
    void anInterruptedCallStopsAndThePredictorStaysUsable() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        Transformer t = new Transformer(m.weights());
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        Random r = new Random(3);
        for (String n : List.of("<SMILES>", "<EN>", "<FR>")) {
            Tag tag = TagInit.newTag(n, TagKind.DOMAIN, 2, t.weights().embedTokens());
            for (int i = 0; i < tag.values().length; i++) tag.values()[i] += (float) (0.3 * r.nextGaussian());
            tags.put(tag);
        }
        for (String f : List.of("<QED>", "<Translate>")) tags.put(TagInit.newTag(f, TagKind.FUNCTION, 2, t.weights().embedTokens()));
        float[] w = new float[t.config().hiddenSize()];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        tags.putHead(tagllm.head.RegressionHead.initial("<QED>", 1, w, false, null, null));
        TagPredictor p = new TagPredictor(t, m.tokenizer(), tags, m.generation()::isEos);

        TaskSpec qed = p.task("QED");
        List<Sequence> prompts = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            prompts.add(p.renderer(qed).prompt(Row.of("in", i + 1, Map.of("smiles", "C".repeat(1 + i % 30) + "O"))).sequence());
        }
        double[] before = p.predictValues(qed, prompts.subList(0, 4));
        int[] done = {0};
        Thread caller = Thread.currentThread();
        try {
            var e = assertThrows(java.util.concurrent.CancellationException.class, () -> p.predictValues(qed, prompts, n -> {
                done[0] = n;
                caller.interrupt(); // as Future.cancel(true) would, once the first pass is done
            }));
            assertTrue(e.getMessage().startsWith("interrupted: task QED stopped after "), e.getMessage());
            assertTrue(Thread.interrupted(), "the interrupt status is kept for the caller");
            assertTrue(done[0] < prompts.size(), "passes after the interrupt are not run: " + done[0] + " of " + prompts.size());
            assertArrayEquals(before, p.predictValues(qed, prompts.subList(0, 4)), "the predictor answers as before");

            // generation stops at the next token
            TaskSpec translate = p.task("Translate:en-fr");
            Sequence prompt = p.renderer(translate).prompt(Row.of("in", 1, Map.of("src", "Once upon a time there was a cat."))).sequence();
            String whole = p.generate(prompt, 12);
            assertTrue(whole.length() > 1, "a continuation of more than one piece: '" + whole + "'");
            List<String> pieces = new ArrayList<>();
            var g = assertThrows(java.util.concurrent.CancellationException.class,
                    () -> p.generate(prompt, 12, tagllm.model.Sampler.greedy(), piece -> {
                        pieces.add(piece);
                        caller.interrupt();
                    }));
            assertTrue(g.getMessage().startsWith("interrupted: generation stopped after "), g.getMessage());
            assertTrue(Thread.interrupted(), "the interrupt status is kept for the caller");
            assertEquals(1, pieces.size(), "no piece after the interrupt: " + pieces);
            assertEquals(whole, p.generate(prompt, 12), "the predictor generates as before");
        } finally {
            Thread.interrupted(); // never leave the test thread interrupted
        }
    }

    /**
     * Opening a predictor on an interrupted thread (a loader task cancelled) failed with a bare
     * ClosedByInterruptException: no file, no reason. It is now the CancellationException the calls give, naming what
     * was being read, with that exception as its cause.
     */
    @Test
    void openingOnAnInterruptedThreadSaysSo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path modelDir = Shared.model("stories260K");
        Model m = Model.load(modelDir);
        Transformer t = new Transformer(m.weights());
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        tags.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, t.weights().embedTokens()));
        java.nio.file.Path file = dir.resolve("s.tags.safetensors");
        tagllm.tag.TagFile.write(tags, file);
        try {
            Thread.currentThread().interrupt();
            var e = assertThrows(java.util.concurrent.CancellationException.class, () -> TagPredictor.open(modelDir.toString(), List.of(file)));
            assertTrue(e.getMessage().startsWith("interrupted: loading the model " + modelDir + " stopped ("), e.getMessage());
            assertInstanceOf(java.nio.channels.ClosedByInterruptException.class, e.getCause());
            assertTrue(Thread.interrupted(), "the interrupt status is kept");

            Thread.currentThread().interrupt();
            var f = assertThrows(java.util.concurrent.CancellationException.class, () -> TagPredictor.open(m, List.of(file)));
            assertTrue(f.getMessage().startsWith("interrupted: reading the tag file " + file + " stopped ("), f.getMessage());
            assertTrue(Thread.interrupted(), "the interrupt status is kept");
        } finally {
            Thread.interrupted();
        }
        assertEquals(Set.of("<SMILES>"), TagPredictor.open(modelDir.toString(), List.of(file)).tags().tags().stream()
                .map(Tag::name).collect(java.util.stream.Collectors.toSet()), "not interrupted, it opens");
    }
}
