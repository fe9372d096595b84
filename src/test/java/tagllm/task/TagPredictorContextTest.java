package tagllm.task;

import org.junit.jupiter.api.Test;
import tagllm.embedded.EmbeddedSamples;
import tagllm.model.Model;
import tagllm.tag.Sequence;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * predictValues on a hand-built prompt longer than the model's context returned a number (the engine computes rotary
 * positions past the context without complaint), where generate refuses the same prompt and every rendered prompt is
 * cut to the context: it is refused now, naming the prompt, its length and the context.
 */
class TagPredictorContextTest {
    @Test
    void aPromptLongerThanTheContextIsRefusedNamingIt() throws Exception {
        Model model = Model.load(EmbeddedSamples.model());
        int context = model.config().maxPositions();
        assertEquals(512, context, "stories260K's max_position_embeddings (config.json)");
        TagPredictor p = new TagPredictor(new tagllm.model.Transformer(model.weights()), model.tokenizer(),
                tagllm.testutil.QedTags.of(model, false), model.generation()::isEos);
        TaskSpec qed = p.task("QED");
        Sequence ok = p.renderer(qed).prompt(tagllm.data.Row.of("x", 1, Map.of("smiles", "CCO"))).sequence();
        Sequence full = tokens(context), over = tokens(context + 1);

        assertEquals(2, p.predictValues(qed, List.of(ok, full)).length, "a prompt that fills the context is read");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.predictValues(qed, List.of(ok, over)));
        assertEquals("task QED: prompts[1] has 513 positions, more than the model's context of 512", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> p.generate(over, 1), "generate refused it already");
    }

    private static Sequence tokens(int n) {
        Sequence.Builder b = Sequence.builder();
        for (int i = 0; i < n; i++) b.token(5);
        return b.readPosition(n - 1).build();
    }
}
