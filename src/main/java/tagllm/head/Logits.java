package tagllm.head;

/** The scalar functions of class logits, in double and without overflow: what heads, their losses and their fits share. */
public final class Logits {
    private Logits() {}

    /** σ(z) without overflow for large |z|. */
    public static double sigmoid(double z) {
        if (z >= 0) return 1 / (1 + Math.exp(-z));
        double e = Math.exp(z);
        return e / (1 + e);
    }

    /** log(1 + e^v) without overflow: −log σ(−v). */
    public static double softplus(double v) { return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))); }

    /** The softmax of z, shifted by its maximum. */
    public static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) max = Math.max(max, v);
        double[] p = new double[z.length];
        double s = 0;
        for (int i = 0; i < p.length; i++) s += p[i] = Math.exp(z[i] - max);
        for (int i = 0; i < p.length; i++) p[i] /= s;
        return p;
    }
}
