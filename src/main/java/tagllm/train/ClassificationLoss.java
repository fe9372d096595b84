package tagllm.train;

import tagllm.head.Logits;

import tagllm.task.ClassSpec;

/**
 * Cross-entropy of classification heads over a batch, from logits (no probability is formed where it could
 * round to 0 or 1). Binary: BCE with logits, σ(z) = p(second class); multi-class: softmax cross-entropy;
 * multi-label: BCE per label column, skipping missing labels (NaN). Class weights multiply each example's
 * loss by its class's weight (multi-label: a column's weight multiplies its positives, PyTorch's pos_weight),
 * and the batch loss is the plain mean (over examples; multi-label over the known labels), so a weight keeps
 * its meaning in a micro-batch that holds one class only.
 */
public final class ClassificationLoss {
    private ClassificationLoss() {}

    /**
     * @param z       n × outputs logits
     * @param label   class index per example (binary, multi-class)
     * @param targets n × columns of 0/1/NaN (multi-label; null otherwise)
     * @param dz      receives dLoss/dz (n × outputs), may be null
     * @return the mean loss
     */
    public static double compute(ClassSpec cs, double[][] z, double[] label, double[][] targets, double[][] dz) {
        int n = z.length;
        if (n == 0) return 0;
        double sum = 0;
        switch (cs.kind()) {
            case BINARY -> {
                for (int i = 0; i < n; i++) {
                    int y = (int) label[i];
                    double w = cs.weight(y);
                    sum += w * bce(z[i][0], y, 1);
                    if (dz != null) dz[i][0] = w * (Logits.sigmoid(z[i][0]) - y) / n;
                }
                return sum / n;
            }
            case MULTICLASS -> {
                for (int i = 0; i < n; i++) {
                    int y = (int) label[i];
                    double w = cs.weight(y);
                    double[] p = cs.probabilities(z[i]);
                    sum += w * (logSumExp(z[i]) - z[i][y]);
                    if (dz != null) {
                        for (int k = 0; k < p.length; k++) dz[i][k] = w * (p[k] - (k == y ? 1 : 0)) / n;
                    }
                }
                return sum / n;
            }
            default -> {
                long known = 0;
                for (double[] t : targets) for (double v : t) if (!Double.isNaN(v)) known++;
                if (known == 0) return 0;
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < targets[i].length; k++) {
                        double y = targets[i][k];
                        if (Double.isNaN(y)) {
                            if (dz != null) dz[i][k] = 0;
                            continue;
                        }
                        double pw = cs.weight(k);
                        sum += bce(z[i][k], y, pw);
                        if (dz != null) {
                            double s = Logits.sigmoid(z[i][k]);
                            dz[i][k] = (pw * y * (s - 1) + (1 - y) * s) / known;
                        }
                    }
                }
                return sum / known;
            }
        }
    }

    /** −[pw·y·log σ(z) + (1 − y)·log(1 − σ(z))], with log σ(z) = −softplus(−z) and log(1 − σ(z)) = −softplus(z). */
    static double bce(double z, double y, double pw) {
        return pw * y * Logits.softplus(-z) + (1 - y) * Logits.softplus(z);
    }


    static double logSumExp(double[] z) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : z) m = Math.max(m, v);
        double s = 0;
        for (double v : z) s += Math.exp(v - m);
        return m + Math.log(s);
    }
}
