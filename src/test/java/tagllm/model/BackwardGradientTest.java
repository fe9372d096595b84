package tagllm.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transformer.backward (with LmHeadLoss) against central finite differences of the forward, end to end on small
 * random models: L = Σ c·normed + CE on a few rows, differentiated w.r.t. the input rows.
 */
class BackwardGradientTest {

    @Test
    void qwen2WithBiasesGqaSlidingWindowAndLlama3Rope() {
        check(TinyModels.qwen2Like());
    }

    @Test
    void llamaMultiQueryBf16TiedLinearRope() {
        check(TinyModels.llamaMqaBf16(), TinyModels.packed(TinyModels.llamaMqaBf16(), 3));
    }

    /** A sequence long enough for block attention (matrix-product form), forward and backward. */
    @Test
    void longSequenceThroughBlockAttention() {
        Transformer t = TinyModels.llamaMqaBf16();
        check(t, TinyModels.packedLong(t, 4));
    }

    private static void check(Transformer t) {
        check(t, TinyModels.packed(t, 3));
    }

    private static void check(Transformer t, PackedBatch b) {
        int d = t.config().hiddenSize();
        int n = b.rows();
        Random rnd = new Random(5);
        float[] c = new float[n * d];
        for (int i = 0; i < c.length; i++) c[i] = (float) rnd.nextGaussian();
        int[] ceRows = {3, 6, 9, b.rows() - 1}, ceTargets = {1, 7, 3, t.config().vocabSize() - 1};

        ForwardPass p = t.forward(b, true);
        float[] dNormed = c.clone();
        LmHeadLoss.crossEntropy(t, p.normed(), ceRows, ceTargets, 0.5f, dNormed);
        float[] grad = t.backward(p, dNormed);

        float[] input = b.input();
        double maxGrad = 0, maxErr = 0;
        String worst = "";
        for (int s = 0; s < b.sequences(); s++) {
            for (int r = b.seqStart(s); r < b.seqEnd(s); r++) {
                boolean trainable = r >= b.gradFrom(s);
                for (int j = 0; j < d; j++) {
                    int i = r * d + j;
                    if (!trainable) {
                        assertEquals(0f, grad[i], "row " + r + " is before its sequence's gradFrom");
                        continue;
                    }
                    if ((i * 7) % (b.rows() > 20 ? 7 : 3) != 0) continue; // a sample of the components keeps the test fast
                    float keep = input[i];
                    float h = 1e-2f;
                    input[i] = keep + h;
                    double lp = loss(t, b, c, ceRows, ceTargets);
                    input[i] = keep - h;
                    double lm = loss(t, b, c, ceRows, ceTargets);
                    input[i] = keep;
                    double fd = (lp - lm) / (2 * h);
                    maxGrad = Math.max(maxGrad, Math.abs(fd));
                    double e = Math.abs(fd - grad[i]);
                    if (e > maxErr) {
                        maxErr = e;
                        worst = "row " + r + " col " + j + ": analytic " + grad[i] + ", finite difference " + fd;
                    }
                }
            }
        }
        assertTrue(maxGrad > 0.1, "gradients should not vanish: max " + maxGrad);
        assertTrue(maxErr <= 5e-3 * maxGrad, "max error " + maxErr + " (max gradient " + maxGrad + ") at " + worst);
    }

    private static double loss(Transformer t, PackedBatch b, float[] c, int[] rows, int[] targets) {
        float[] normed = t.forward(b, false).normed();
        double l = 0;
        for (int i = 0; i < b.rows() * b.hidden(); i++) l += (double) c[i] * normed[i]; // the pooled array may be longer
        return l + 0.5 * LmHeadLoss.crossEntropy(t, normed, rows, targets, 0f, null);
    }
}
