package tagllm.head;

import java.util.Arrays;

/**
 * The linear head w ∈ R^{k×d} that reads the final-norm hidden state at a function tag's last slot
 * (the paper: nn.Linear(d, k, bias=False)). An optional bias and a label affine map (shift, scale) are
 * offered for users who want them; the paper's presets use neither. The head is trained in the label's
 * "head space" z = (y - shift) / scale and reports y = z·scale + shift.
 */
public final class RegressionHead {
    private final String tag;
    private final int outputs;
    private final int hidden;
    private final float[] weight;
    private final float[] bias;
    private final double[] shift;
    private final double[] scale;

    public RegressionHead(String tag, int outputs, int hidden, float[] weight, float[] bias, double[] shift, double[] scale) {
        if (outputs <= 0) throw new IllegalArgumentException("head of " + tag + ": outputs must be positive, got " + outputs);
        if (weight.length != outputs * hidden) {
            throw new IllegalArgumentException("head of " + tag + ": weight has " + weight.length + " values, expected "
                    + outputs + "×" + hidden);
        }
        if (bias != null && bias.length != outputs) throw new IllegalArgumentException("head of " + tag + ": bias must have " + outputs + " values");
        this.tag = tag;
        this.outputs = outputs;
        this.hidden = hidden;
        this.weight = weight;
        this.bias = bias;
        this.shift = shift != null ? shift.clone() : new double[outputs];
        this.scale = scale != null ? scale.clone() : filled(outputs, 1.0);
        if (this.shift.length != outputs || this.scale.length != outputs) {
            throw new IllegalArgumentException("head of " + tag + ": label shift/scale must have " + outputs + " values");
        }
        for (double s : this.scale) {
            if (!(s > 0) || !Double.isFinite(s)) throw new IllegalArgumentException("head of " + tag + ": label scale must be positive, got " + s);
        }
    }

    /** The code's initialisation: every row of w is the mean token embedding; bias zero. */
    public static RegressionHead initial(String tag, int outputs, float[] meanEmbedding, boolean withBias, double[] shift, double[] scale) {
        int d = meanEmbedding.length;
        float[] w = new float[outputs * d];
        for (int o = 0; o < outputs; o++) System.arraycopy(meanEmbedding, 0, w, o * d, d);
        return new RegressionHead(tag, outputs, d, w, withBias ? new float[outputs] : null, shift, scale);
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    public String tag() { return tag; }

    public int outputs() { return outputs; }

    public int hidden() { return hidden; }

    /** k×d, live: trained in place. */
    public float[] weight() { return weight; }

    /** k values, live; null when the head has no bias. */
    public float[] bias() { return bias; }

    public double[] shift() { return shift.clone(); }

    public double[] scale() { return scale.clone(); }

    /** Head-space output z = w·h (+ b) at normed[off .. off+d). */
    public double[] forward(float[] normed, int off) {
        double[] z = new double[outputs];
        for (int o = 0; o < outputs; o++) {
            double s = bias != null ? bias[o] : 0;
            int w0 = o * hidden;
            for (int k = 0; k < hidden; k++) s += (double) weight[w0 + k] * normed[off + k];
            z[o] = s;
        }
        return z;
    }

    /** Prediction in label units. */
    public double[] predict(float[] normed, int off) {
        double[] z = forward(normed, off);
        for (int o = 0; o < outputs; o++) z[o] = z[o] * scale[o] + shift[o];
        return z;
    }

    public double toHeadSpace(int output, double label) { return (label - shift[output]) / scale[output]; }

    /**
     * Given dL/dz, adds dL/dw (= dz ⊗ h) into gradWeight, dL/db into gradBias (when there is a bias),
     * and dL/dh (= wᵀ dz) into dNormed[off ..].
     */
    public void backward(float[] normed, int off, double[] dz, float[] gradWeight, float[] gradBias, float[] dNormed, int dOff) {
        for (int o = 0; o < outputs; o++) {
            double g = dz[o];
            if (g == 0) continue;
            int w0 = o * hidden;
            for (int k = 0; k < hidden; k++) {
                if (gradWeight != null) gradWeight[w0 + k] += (float) (g * normed[off + k]);
                if (dNormed != null) dNormed[dOff + k] += (float) (g * weight[w0 + k]);
            }
            if (bias != null && gradBias != null) gradBias[o] += (float) g;
        }
    }

    public RegressionHead copy() {
        return new RegressionHead(tag, outputs, hidden, weight.clone(), bias != null ? bias.clone() : null, shift, scale);
    }
}
