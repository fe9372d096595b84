package tagllm.model;

import tagllm.tensor.CrossEntropy;
import tagllm.tensor.Gemm;
import tagllm.tensor.Matrix;

/** Next-token cross-entropy through the LM head, with its gradient back to the final-norm outputs. */
public final class LmHeadLoss {
    /** Rows per LM-head block: bounds the logits buffer (rows × vocab) for large vocabularies. */
    private static final int BLOCK = 64;

    private LmHeadLoss() {}

    /**
     * Mean over the (rows[i], targets[i]) pairs of logsumexp(logits_row) − logits_row[target]. When dNormed is not
     * null, adds scale · ∂(mean loss)/∂normed into it (rows × hidden, the layout of normed).
     */
    public static double crossEntropy(Transformer t, float[] normed, int[] rows, int[] targets, float scale, float[] dNormed) {
        if (rows.length != targets.length) {
            throw new IllegalArgumentException(rows.length + " rows but " + targets.length + " targets");
        }
        if (rows.length == 0) throw new IllegalArgumentException("cross-entropy over no targets");
        double[] nll = tokenLosses(t, normed, rows, targets, scale / rows.length, dNormed);
        double sum = 0;
        for (double v : nll) sum += v;
        return sum / rows.length;
    }

    /**
     * The per-pair losses logsumexp(logits_row) − logits_row[target]; when dNormed is not null adds
     * gradScale · Σ ∂loss_i/∂normed into it.
     */
    public static double[] tokenLosses(Transformer t, float[] normed, int[] rows, int[] targets, float gradScale, float[] dNormed) {
        ModelConfig c = t.config();
        int d = c.hiddenSize(), vocab = c.vocabSize();
        Matrix head = t.weights().lmHead();
        double[] out = new double[rows.length];
        int block = Math.min(BLOCK, rows.length);
        float[] x = new float[block * d], logits = new float[block * vocab], dx = new float[block * d];
        for (int b0 = 0; b0 < rows.length; b0 += block) {
            int nb = Math.min(block, rows.length - b0);
            for (int i = 0; i < nb; i++) {
                int r = rows[b0 + i];
                if (r < 0 || (r + 1) * d > normed.length) throw new IllegalArgumentException("row " + r + " is outside normed");
                System.arraycopy(normed, r * d, x, i * d, d);
            }
            Gemm.xwT(x, 0, nb, head, logits, 0, false);
            for (int i = 0; i < nb; i++) {
                out[b0 + i] = CrossEntropy.lossAndGradient(logits, i * vocab, vocab, targets[b0 + i], gradScale,
                        dNormed != null ? logits : null, i * vocab);
            }
            if (dNormed != null) {
                Gemm.xw(logits, 0, nb, head, dx, 0, false);
                for (int i = 0; i < nb; i++) {
                    int r = rows[b0 + i];
                    for (int j = 0; j < d; j++) dNormed[r * d + j] += dx[i * d + j];
                }
            }
        }
        return out;
    }
}
