package tagllm.model;

import org.junit.jupiter.api.Test;
import tagllm.tensor.Matrix;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forward pass against a plain double-precision transcription of Hugging Face's Llama/Qwen2/Mistral
 * modelling code, written here independently of the engine: one position at a time, a mask predicate instead of
 * key ranges, RoPE via rotate_half on the full head, llama3/linear frequency scaling as in HF's rope utilities.
 */
class ForwardReferenceTest {

    @Test
    void qwen2WithBiasesSlidingWindowLlama3RopeAndIsolation() {
        check(TinyModels.qwen2Like());
    }

    @Test
    void llamaMultiQueryBf16LinearRope() {
        check(TinyModels.llamaMqaBf16());
    }

    @Test
    void longSequencesThroughBlockAttention() {
        Transformer qwen = TinyModels.qwen2Like();
        check(qwen, TinyModels.packedLong(qwen, 5));
        Transformer mqa = TinyModels.llamaMqaBf16();
        check(mqa, TinyModels.packedLong(mqa, 6));
    }

    private static void check(Transformer t) {
        check(t, TinyModels.packed(t, 4));
    }

    private static void check(Transformer t, PackedBatch b) {
        float[] got = t.forward(b, false).normed();
        double[][] want = reference(t.weights(), b);
        int d = t.config().hiddenSize();
        double max = 0, err = 0;
        for (int r = 0; r < b.rows(); r++) {
            for (int j = 0; j < d; j++) {
                max = Math.max(max, Math.abs(want[r][j]));
                err = Math.max(err, Math.abs(want[r][j] - got[r * d + j]));
            }
        }
        double e = err, m = max;
        assertTrue(err <= 1e-5 * max, () -> "max error " + e + " vs max |ref| " + m);
    }

    static double[][] reference(Weights w, PackedBatch b) {
        ModelConfig c = w.config();
        int n = b.rows(), d = c.hiddenSize(), hd = c.headDim(), nh = c.numHeads(), nkv = c.numKvHeads();
        double[][] x = new double[n][d];
        for (int r = 0; r < n; r++) for (int j = 0; j < d; j++) x[r][j] = b.input()[r * d + j];
        double[] invFreq = invFreq(c);
        for (LayerWeights lw : w.layers()) {
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int r = 0; r < n; r++) {
                double[] h = rmsNorm(x[r], lw.inputNorm(), c.rmsNormEps());
                q[r] = rope(add(linear(lw.q(), h), lw.qBias()), nh, hd, b.position(r), invFreq);
                k[r] = rope(add(linear(lw.k(), h), lw.kBias()), nkv, hd, b.position(r), invFreq);
                v[r] = add(linear(lw.v(), h), lw.vBias());
            }
            double[][] next = new double[n][];
            for (int r = 0; r < n; r++) {
                double[] att = new double[nh * hd];
                for (int head = 0; head < nh; head++) {
                    int g = head / (nh / nkv);
                    double[] s = new double[n];
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        if (!visible(b, c, r, j)) continue;
                        double dot = 0;
                        for (int e = 0; e < hd; e++) dot += q[r][head * hd + e] * k[j][g * hd + e];
                        s[j] = dot / Math.sqrt(hd);
                        mx = Math.max(mx, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < n; j++) if (visible(b, c, r, j)) sum += Math.exp(s[j] - mx);
                    for (int j = 0; j < n; j++) {
                        if (!visible(b, c, r, j)) continue;
                        double p = Math.exp(s[j] - mx) / sum;
                        for (int e = 0; e < hd; e++) att[head * hd + e] += p * v[j][g * hd + e];
                    }
                }
                double[] mid = add(x[r], linear(lw.o(), att));
                double[] h2 = rmsNorm(mid, lw.postAttentionNorm(), c.rmsNormEps());
                double[] gate = linear(lw.gate(), h2), up = linear(lw.up(), h2);
                double[] act = new double[gate.length];
                for (int e = 0; e < act.length; e++) act[e] = gate[e] / (1 + Math.exp(-gate[e])) * up[e];
                next[r] = add(mid, linear(lw.down(), act));
            }
            x = next;
        }
        double[][] out = new double[n][];
        for (int r = 0; r < n; r++) out[r] = rmsNorm(x[r], w.finalNorm(), c.rmsNormEps());
        return out;
    }

    /** Same sequence, causal, not before the row's isolation start, and (Mistral/Qwen2) inside the sliding window. */
    private static boolean visible(PackedBatch b, ModelConfig c, int r, int j) {
        if (j > r || j < b.attendFrom(r)) return false;
        Integer w = c.slidingWindow();
        return w == null || b.position(r) - b.position(j) < w;
    }

    private static double[] invFreq(ModelConfig c) {
        int hd = c.headDim();
        double[] f = new double[hd / 2];
        for (int i = 0; i < f.length; i++) f[i] = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / hd);
        ModelConfig.RopeScaling s = c.ropeScaling();
        if (s == null) return f;
        if (s.type().equals("linear")) {
            for (int i = 0; i < f.length; i++) f[i] = f[i] / s.factor();
            return f;
        }
        double lowWl = s.originalMaxPositions() / s.lowFreqFactor(), highWl = s.originalMaxPositions() / s.highFreqFactor();
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            double wl = 2 * Math.PI / f[i];
            double scaled = wl > lowWl ? f[i] / s.factor() : f[i];
            double smooth = (s.originalMaxPositions() / wl - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
            double smoothed = (1 - smooth) * scaled / s.factor() + smooth * scaled;
            boolean medium = !(wl < highWl) && !(wl > lowWl);
            out[i] = medium ? smoothed : scaled;
        }
        return out;
    }

    /** HF: q·cos + rotate_half(q)·sin with cos/sin = cat(freqs, freqs). */
    private static double[] rope(double[] x, int heads, int hd, int pos, double[] invFreq) {
        double[] out = new double[x.length];
        for (int h = 0; h < heads; h++) {
            for (int e = 0; e < hd; e++) {
                double a = pos * invFreq[e % (hd / 2)];
                double rot = e < hd / 2 ? -x[h * hd + e + hd / 2] : x[h * hd + e - hd / 2];
                out[h * hd + e] = x[h * hd + e] * Math.cos(a) + rot * Math.sin(a);
            }
        }
        return out;
    }

    private static double[] rmsNorm(double[] x, float[] w, double eps) {
        double ms = 0;
        for (double v : x) ms += v * v;
        double inv = 1 / Math.sqrt(ms / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * inv * w[i];
        return out;
    }

    private static double[] linear(Matrix m, double[] x) {
        double[] y = new double[m.rows()];
        for (int i = 0; i < m.rows(); i++) {
            double s = 0;
            for (int j = 0; j < m.cols(); j++) s += m.get(i, j) * x[j];
            y[i] = s;
        }
        return y;
    }

    private static double[] add(double[] a, Object b) {
        double[] out = a.clone();
        if (b instanceof double[] d) for (int i = 0; i < out.length; i++) out[i] += d[i];
        if (b instanceof float[] f) for (int i = 0; i < out.length; i++) out[i] += f[i];
        return out;
    }
}
