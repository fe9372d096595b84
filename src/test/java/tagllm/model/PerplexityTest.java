package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tagllm.model.GoldenFile.ints;

class PerplexityTest {

    /** A prompt followed by its own greedy continuation: every continuation token is the argmax at its position. */
    private static int[] promptPlusGreedy(JsonNode prompt) {
        int[] ids = ints(prompt.get("ids")), more = ints(prompt.get("greedy").get("ids"));
        int[] all = java.util.Arrays.copyOf(ids, ids.length + more.length);
        System.arraycopy(more, 0, all, ids.length, more.length);
        return all;
    }

    @Test
    void singleWindowEqualsDirectSumOverLogitsAndTheFixtureWhereItDeterminesIt() {
        GoldenFile g = GoldenFile.load("stories260K");
        Transformer t = g.model;
        JsonNode prompt = g.json.get("prompts").get(0);
        int[] ids = ints(prompt.get("ids"));
        Perplexity.Result r = Perplexity.of(t, ids, t.config().maxPositions(), 16);
        assertEquals(ids.length - 1, r.tokens());
        assertEquals(1, r.windows());

        // direct: logsumexp of each position's logits minus the logit of the next id
        int d = t.config().hiddenSize();
        float[] normed = t.forward(PackedBatch.single(d, t.embed(ids)), false).normed();
        double sum = 0;
        for (int i = 0; i + 1 < ids.length; i++) {
            float[] logits = t.logits(normed, i);
            double max = Double.NEGATIVE_INFINITY, s = 0;
            for (float v : logits) max = Math.max(max, v);
            for (float v : logits) s += Math.exp(v - max);
            sum += max + Math.log(s) - logits[ids[i + 1]];
        }
        assertEquals(sum / (ids.length - 1), r.nll(), 1e-6);
        assertEquals(Math.exp(r.nll()), r.perplexity(), 1e-9);

        // the fixture fixes the NLL of a token that is the argmax: logsumexp − max_logit at the position before it
        int[] all = promptPlusGreedy(prompt);
        int n = ids.length;
        JsonNode pp = prompt.get("per_position");
        double last = pp.get("logsumexp").get(n - 1).asDouble() - pp.get("max_logit").get(n - 1).asDouble();
        Perplexity.Result two = Perplexity.of(t, java.util.Arrays.copyOf(all, n + 1), t.config().maxPositions(), 1);
        Perplexity.Result one = Perplexity.of(t, ids, t.config().maxPositions(), 1);
        double gotLast = two.nll() * two.tokens() - one.nll() * one.tokens();
        assertEquals(last, gotLast, 1e-4 * Math.max(1, Math.abs(last)));
    }

    @Test
    void windowsScoreEveryTokenOnceAndAgreeWithOneWindowWhenItCoversTheText() {
        GoldenFile g = GoldenFile.load("stories260K");
        Transformer t = g.model;
        int[] text = promptPlusGreedy(g.json.get("prompts").get(1));
        int n = text.length;
        Perplexity.Result whole = Perplexity.of(t, text, t.config().maxPositions(), 7);
        Perplexity.Result exact = Perplexity.of(t, text, n, 5);
        assertEquals(1, whole.windows());
        assertEquals(1, exact.windows());
        assertEquals(whole.nll(), exact.nll(), 1e-6);

        // window 12, stride 5: token i is scored in the first window holding it, with context from that window's start
        int window = 12, stride = 5, d = t.config().hiddenSize();
        Perplexity.Result strided = Perplexity.of(t, text, window, stride);
        assertEquals(n - 1, strided.tokens());
        double sum = 0;
        for (int i = 1; i < n; i++) {
            int begin = 0;
            while (begin + window < i + 1) begin += stride;
            int[] ctx = java.util.Arrays.copyOfRange(text, begin, i);
            float[] normed = t.forward(PackedBatch.single(d, t.embed(ctx)), false).normed();
            float[] logits = t.logits(normed, ctx.length - 1);
            sum += tagllm.tensor.CrossEntropy.logSumExp(logits, 0, logits.length) - logits[text[i]];
        }
        assertEquals(sum / (n - 1), strided.nll(), 1e-5);
        assertTrue(strided.windows() > 1);
    }

    @Test
    void rejectsBadArguments() {
        Transformer t = GoldenFile.load("stories260K").model;
        assertThrows(IllegalArgumentException.class, () -> Perplexity.of(t, new int[]{1}, 8, 4));
        assertThrows(IllegalArgumentException.class, () -> Perplexity.of(t, new int[]{1, 2, 3}, 8, 8));
        assertThrows(IllegalArgumentException.class, () -> Perplexity.of(t, new int[]{1, 2, 3}, 100_000, 8));
    }
}
