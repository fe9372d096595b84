package tagllm.tensor;

/** Softmax cross-entropy of one logits row against a target index. */
public final class CrossEntropy {
    private CrossEntropy() {}

    /** log Σ exp(logits), accumulated in double around the maximum. */
    public static double logSumExp(float[] logits, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[off + i] - max);
        return max + Math.log(sum);
    }

    /**
     * Returns logsumexp − logits[target]; when grad is non-null writes grad = scale · (softmax − onehot(target))
     * (grad may be the logits array itself: the row is read before it is overwritten).
     */
    public static double lossAndGradient(float[] logits, int off, int n, int target, float scale, float[] grad, int gOff) {
        if (target < 0 || target >= n) throw new IllegalArgumentException("target " + target + " outside [0, " + n + ")");
        double lse = logSumExp(logits, off, n);
        double loss = lse - logits[off + target];
        if (grad != null) {
            for (int i = 0; i < n; i++) grad[gOff + i] = (float) (scale * Math.exp(logits[off + i] - lse));
            grad[gOff + target] -= scale;
        }
        return loss;
    }
}
