package tagllm.model;

import org.junit.jupiter.api.Test;
import tagllm.tensor.Matrix;
import tagllm.testutil.Shared;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LoRA on q and v: with dropout off the adapted model equals the plain engine on merged weights W + s·BA computed
 * in float64 (an independent path: no adapter code runs there), and the adapters' gradients match central finite
 * differences of a loss through every layer (so the input gradients the adapters add on the way down are right
 * too), with dropout off and on (the masks are a function of the seed, so both evaluations see the same mask).
 */
class LoraAdaptersTest {
    private static PackedBatch batch(Transformer t, int d) {
        int[][] seqs = {{1, 45, 78, 300, 12, 9, 201, 33}, {1, 400, 5, 77, 150}};
        int rows = 0;
        for (int[] s : seqs) rows += s.length;
        float[] input = new float[rows * d];
        int[] seqStart = new int[seqs.length + 1], position = new int[rows], attendFrom = new int[rows], gradFrom = new int[seqs.length];
        int r = 0;
        for (int s = 0; s < seqs.length; s++) {
            seqStart[s] = r;
            gradFrom[s] = r; // every row: the adapters' gradients need them all
            for (int i = 0; i < seqs[s].length; i++, r++) {
                t.embed(seqs[s][i], input, r * d);
                position[r] = i;
                attendFrom[r] = seqStart[s];
            }
        }
        seqStart[seqs.length] = rows;
        return new PackedBatch(d, input, seqStart, position, attendFrom, gradFrom);
    }

    private static LoraAdapters adapters(ModelConfig c, double dropout) {
        LoraAdapters a = LoraAdapters.init(c, 4, 8, dropout, 3);
        Random r = new Random(5);
        // B starts at zero in training; here it is random so that every path carries a gradient
        for (LoraAdapters.Array x : a.arrays()) if (x.name().endsWith(".B")) for (int i = 0; i < x.value().length; i++) x.value()[i] = (float) (0.05 * r.nextGaussian());
        return a;
    }

    private static double loss(Transformer t, PackedBatch b, float[] c) {
        try (ForwardPass p = t.forward(b, false)) {
            float[] y = p.normed();
            double s = 0;
            for (int i = 0; i < c.length; i++) s += (double) c[i] * y[i];
            return s;
        }
    }

    @Test
    void equalsTheEngineOnWeightsMergedInFloat64() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        ModelConfig c = m.config();
        int d = c.hiddenSize();
        LoraAdapters a = adapters(c, 0);
        LayerWeights[] merged = new LayerWeights[c.numLayers()];
        for (int l = 0; l < merged.length; l++) {
            LayerWeights w = m.weights().layers()[l];
            LoraAdapters.Layer L = a.layers[l];
            merged[l] = new LayerWeights(w.inputNorm(), merge(w.q(), L.bq, L.aq, a.rank(), a.alpha(), d), w.k(), merge(w.v(), L.bv, L.av, a.rank(), a.alpha(), d),
                    w.o(), w.qBias(), w.kBias(), w.vBias(), w.postAttentionNorm(), w.gate(), w.up(), w.down());
        }
        Transformer adapted = new Transformer(m.weights());
        adapted.adapt(a);
        Transformer ref = new Transformer(new Weights(c, m.weights().embedTokens(), merged, m.weights().finalNorm(), m.weights().lmHead()));
        PackedBatch b = batch(adapted, d);
        try (ForwardPass p = adapted.forward(b, false); ForwardPass q = ref.forward(b, false);
             ForwardPass base = new Transformer(m.weights()).forward(b, false)) {
            float[] x = p.normed(), y = q.normed(), z = base.normed();
            double worst = 0, moved = 0;
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(x[i] - y[i]));
                moved = Math.max(moved, Math.abs(x[i] - z[i]));
            }
            assertTrue(worst < 2e-4, "adapted vs merged weights: max |diff| " + worst);
            assertTrue(moved > 100 * worst, "the adapters change the output (" + moved + ") far beyond that difference");
        }
    }

    private static Matrix merge(Matrix w, float[] b, float[] a, int r, double alpha, int d) {
        int out = w.rows();
        float[] v = new float[out * d];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = 0; k < r; k++) s += (double) b[o * r + k] * a[k * d + j];
                v[o * d + j] = (float) (w.get(o, j) + alpha / r * s);
            }
        }
        return Matrix.f32(out, d, v);
    }

    @Test
    void gradientsMatchFiniteDifferences() throws Exception {
        check(0.0);
    }

    @Test
    void gradientsMatchFiniteDifferencesUnderDropout() throws Exception {
        check(0.3);
    }

    private static void check(double dropout) throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        ModelConfig c = m.config();
        int d = c.hiddenSize();
        LoraAdapters a = adapters(c, dropout);
        a.train(17);
        Transformer t = new Transformer(m.weights());
        t.adapt(a);
        PackedBatch b = batch(t, d);
        Random r = new Random(9);
        float[] cw = new float[b.rows() * d];
        for (int i = 0; i < cw.length; i++) cw[i] = (float) r.nextGaussian();
        try (ForwardPass p = t.forward(b, true)) {
            t.backward(p, cw);
        }
        List<LoraAdapters.Array> arrays = a.arrays();
        int checked = 0;
        for (LoraAdapters.Array x : arrays) {
            // the first and last layer's four arrays, three entries each
            if (!(x.name().startsWith("lora.0.") || x.name().startsWith("lora." + (c.numLayers() - 1) + "."))) continue;
            double scaleOfGrad = 0;
            for (float g : x.grad()) scaleOfGrad = Math.max(scaleOfGrad, Math.abs(g));
            assertTrue(scaleOfGrad > 0, x.name() + " has a gradient");
            for (int e = 0; e < 3; e++) {
                int i = r.nextInt(x.value().length);
                float keep = x.value()[i];
                double eps = 1e-2;
                x.value()[i] = (float) (keep + eps);
                double up = loss(t, b, cw);
                x.value()[i] = (float) (keep - eps);
                double down = loss(t, b, cw);
                x.value()[i] = keep;
                double fd = (up - down) / (2 * eps), g = x.grad()[i];
                assertEquals(fd, g, 2e-3 + 0.02 * scaleOfGrad, x.name() + "[" + i + "] (dropout " + dropout + ")");
                checked++;
            }
        }
        assertEquals(24, checked);
    }
}
