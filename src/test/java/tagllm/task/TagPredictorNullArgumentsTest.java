package tagllm.task;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Sampler;
import tagllm.tag.Sequence;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.Shared;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The public entry points of TagPredictor given null say which parameter: they threw a bare NullPointerException
 * (message null, or the JVM's "Cannot invoke \"java.util.List.isEmpty()\" because \"tagFiles\" is null" from deep
 * inside), and TagPredictor.open(String, null) loaded the whole model before failing.
 */
class TagPredictorNullArgumentsTest {
    @TempDir
    static Path dir;
    static Model model;
    static Path tags;
    static TagPredictor p;

    @BeforeAll
    static void predictor() throws Exception {
        model = Model.load(Shared.model("stories260K"));
        TagSet s = tagllm.testutil.QedTags.of(model, false);
        tags = dir.resolve("qed.tags.safetensors");
        TagFile.write(s, tags);
        p = TagPredictor.open(model, List.of(tags));
    }

    private static void namesIt(String parameter, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call);
        assertEquals(parameter, e.getMessage());
    }

    @Test
    void eachNullArgumentIsNamed() {
        TaskSpec qed = p.task("QED");
        Sequence prompt = p.renderer(qed).prompt(tagllm.data.Row.of("x", 1, Map.of("smiles", "CCO"))).sequence();
        List<Sequence> withNull = new ArrayList<>(Arrays.asList(prompt, null));
        List<Path> filesWithNull = new ArrayList<>(Arrays.asList(tags, null));

        namesIt("tagFiles", () -> TagPredictor.open(model, null));
        namesIt("tagFiles[1]", () -> TagPredictor.open(model, filesWithNull));
        namesIt("model", () -> TagPredictor.open((Model) null, List.of(tags)));
        // (the folder need not exist: the null tagFiles is found before the model is loaded)
        namesIt("tagFiles", () -> TagPredictor.open(dir.resolve("no-such-model").toString(), null));
        namesIt("model", () -> TagPredictor.open((String) null, List.of(tags)));
        namesIt("model", () -> new TagPredictor(null, p.tokenizer(), p.tags(), t -> false));
        namesIt("tags", () -> new TagPredictor(p.model(), p.tokenizer(), null, t -> false));
        namesIt("isEos", () -> new TagPredictor(p.model(), p.tokenizer(), p.tags(), null));

        namesIt("name", () -> p.task(null));
        namesIt("task", () -> p.requireReady(null));
        namesIt("task", () -> p.renderer(null));
        namesIt("task", () -> p.predict(null, Map.of("smiles", "CCO")));
        namesIt("task", () -> p.classify(null, Map.of("smiles", "CCO")));
        namesIt("task", () -> p.generate(null, Map.of("smiles", "CCO"), 4));

        namesIt("task", () -> p.predictValues(null, List.of(prompt)));
        namesIt("prompts", () -> p.predictValues(qed, null));
        namesIt("prompts[1]", () -> p.predictValues(qed, withNull));
        namesIt("progress", () -> p.predictValues(qed, List.of(prompt), null));
        namesIt("task", () -> p.classProbabilities(null, List.of(prompt)));
        namesIt("prompts", () -> p.classProbabilities(qed, null));

        namesIt("prompt", () -> p.generate((Sequence) null, 4));
        namesIt("sampler", () -> p.generate(prompt, 4, null, null));
        namesIt("stop", () -> p.generate(prompt, 4, Sampler.greedy(), null, null));

        // the calls still work with what they were given (and onText may be null)
        assertEquals(1, p.predictValues(qed, List.of(prompt)).length);
        assertNotNull(p.generate(prompt, 1, Sampler.greedy(), null));

        // a task resolved and checked on the tag set alone (Spark's driver loads no model): as the predictor does
        assertEquals(p.task("QED").template(), TagPredictor.task(p.tags(), "QED").template());
        TagPredictor.requireReady(p.tags(), qed);
        namesIt("tags", () -> TagPredictor.task(null, "QED"));
        namesIt("tags", () -> TagPredictor.requireReady(null, qed));

        // no tokenizer (tagllm bench's random weights): prompts as Sequences give the same values; text is refused
        TagPredictor bare = new TagPredictor(p.model(), null, p.tags(), t -> false);
        assertArrayEquals(p.predictValues(qed, List.of(prompt)), bare.predictValues(qed, List.of(prompt)));
        assertTrue(assertThrows(IllegalStateException.class, () -> bare.renderer(qed)).getMessage().contains("without a tokenizer"));
        assertThrows(IllegalStateException.class, () -> bare.generate(prompt, 1));
    }

    /**
     * generate(task, fields, 0) returned "" without a word, while serve, the CLI (--max-tokens) and PredictorService
     * refuse fewer than one new token: the high-level call now refuses it too, naming the argument, before the task is
     * looked up. The low-level generate(Sequence, n), used inside the project, still takes 0 (TagPredictorTest).
     */
    @Test
    void fewerThanOneNewTokenIsRefusedByName() {
        for (int n : new int[]{0, -3}) {
            var e = assertThrows(IllegalArgumentException.class, () -> p.generate("QED", Map.of("smiles", "CCO"), n));
            assertEquals("maxNewTokens must be at least 1, got " + n, e.getMessage());
        }
    }
}
