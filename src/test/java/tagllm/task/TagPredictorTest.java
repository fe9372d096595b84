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
}
