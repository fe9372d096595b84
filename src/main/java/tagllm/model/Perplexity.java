package tagllm.model;

/**
 * Mean per-token negative log-likelihood (and its exp, the perplexity) of a token sequence. Sequences longer than
 * a window are scored with Hugging Face's strided sliding window: windows of {@code window} tokens start every
 * {@code stride} tokens, and each window scores only the tokens no earlier window scored, so every token after the
 * first is scored exactly once, with at least window − stride tokens of context once the first window is passed.
 */
public final class Perplexity {
    /** tokens: how many tokens were scored (all but the first); nll in nats. */
    public record Result(int tokens, double nll, double perplexity, int windows) {}

    private Perplexity() {}

    public static Result of(Transformer t, int[] ids, int window, int stride) {
        return of(t, ids, window, stride, scored -> { });
    }

    /** As {@link #of(Transformer, int[], int, int)}, telling {@code progress} how many tokens are scored after each window. */
    public static Result of(Transformer t, int[] ids, int window, int stride, java.util.function.IntConsumer progress) {
        if (ids.length < 2) throw new IllegalArgumentException("perplexity needs at least 2 tokens, got " + ids.length);
        int context = t.config().maxPositions();
        if (window < 2 || window > context) {
            throw new IllegalArgumentException("window must be in [2, " + context + "] (the model's context), got " + window);
        }
        if (stride < 1 || stride > window - 1) {
            throw new IllegalArgumentException("stride must be in [1, window - 1 = " + (window - 1) + "], got " + stride);
        }
        int d = t.config().hiddenSize();
        double sum = 0;
        int scored = 0, windows = 0, prevEnd = 1;
        for (int begin = 0; ; begin += stride) {
            int end = Math.min(begin + window, ids.length);
            int first = Math.max(prevEnd, begin + 1);
            if (first < end) {
                int[] windowIds = java.util.Arrays.copyOfRange(ids, begin, end);
                int[] rows = new int[end - first], targets = new int[end - first];
                for (int i = first; i < end; i++) {
                    rows[i - first] = i - 1 - begin;
                    targets[i - first] = ids[i];
                }
                try (ForwardPass pass = t.forward(PackedBatch.single(d, t.embed(windowIds)), false)) {
                    for (double nll : LmHeadLoss.tokenLosses(t, pass.normed(), rows, targets, 0f, null)) sum += nll;
                }
                scored += rows.length;
                windows++;
                progress.accept(scored);
            }
            prevEnd = end;
            if (end == ids.length) break;
        }
        double nll = sum / scored;
        return new Result(scored, nll, Math.exp(nll), windows);
    }
}
