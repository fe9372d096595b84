package tagllm.model;

import java.util.Arrays;
import java.util.function.IntConsumer;

/** Autoregressive generation through a KV cache: prefill the prompt once, then one decode step per new token. */
public final class Generator {
    private final Transformer model;

    public Generator(Transformer model) { this.model = model; }

    /**
     * Generates up to maxTokens tokens after the prompt, handing each to onToken (may be null) as soon as it is
     * chosen. Stops before emitting any id in stopIds (e.g. the EOS ids), or when prompt plus output fill the
     * model's context (max_position_embeddings): at most context - prompt length tokens, so a prompt that fills the
     * context gets none (as TagPredictor.generate). Returns the generated ids, without the stop id.
     */
    public int[] generate(int[] promptIds, int maxTokens, Sampler sampler, IntConsumer onToken, int[] stopIds) {
        if (promptIds.length == 0) throw new IllegalArgumentException("the prompt has no tokens");
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        int context = model.config().maxPositions();
        if (promptIds.length > context) {
            throw new IllegalArgumentException("the prompt has " + promptIds.length + " tokens, more than the model's context of "
                    + context);
        }
        int capacity = (int) Math.min(context, (long) promptIds.length + maxTokens);
        // at most the room the context leaves (none when the prompt fills it): --max-tokens 2000000000 would
        // otherwise ask for an 8 GB array before the first token
        int room = Math.min(maxTokens, context - promptIds.length);
        if (room == 0) return new int[0];
        int[] out = new int[room];
        int n = 0;
        try (KvCache cache = model.newCache(capacity)) {
            float[] hidden = model.prefill(cache, model.embed(promptIds), promptIds.length);
            while (n < room) {
                int next = sampler.sample(model.logits(hidden, 0));
                if (contains(stopIds, next)) break;
                out[n++] = next;
                if (onToken != null) onToken.accept(next);
                if (n == room) break;
                hidden = model.decode(cache, next);
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static boolean contains(int[] ids, int id) {
        if (ids == null) return false;
        for (int x : ids) if (x == id) return true;
        return false;
    }
}
