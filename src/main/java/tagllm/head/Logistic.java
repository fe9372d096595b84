package tagllm.head;

/**
 * L2-regularised logistic regression, the classification counterpart of {@link Ridge}: minimises
 * Σ sᵢ·ℓᵢ / n + λ‖W‖² (intercepts not penalised; sᵢ a per-row weight, e.g. its class weight) by Newton's method
 * with step halving, in double. Binary: ℓ = BCE of σ(w·x + b); multinomial: softmax cross-entropy over K
 * rows of W. {@link #select} picks λ by the weighted log loss on a validation set. The multinomial Newton
 * system has K(d+1) unknowns; above {@link #MAX_NEWTON_UNKNOWNS} the classes are fitted one-vs-rest instead.
 *
 * @param weights   K × d (binary: 1 × d), row-major
 * @param intercept K values (binary: 1)
 */
public record Logistic(double[] weights, double[] intercept, int classes, double lambda) {
    public static final int MAX_NEWTON_UNKNOWNS = 1500;
    private static final int MAX_ITERATIONS = 100;

    /** Binary (classes = 2: label 0/1, one logit) or multinomial (classes ≥ 3: one logit per class), with intercepts. */
    public static Logistic fit(double[][] x, int[] y, double[] sampleWeight, int classes, double lambda) {
        return fit(x, y, sampleWeight, classes, lambda, true);
    }

    /**
     * As {@link #fit(double[][], int[], double[], int, double)}; without an intercept (a head with no bias) the
     * intercepts are held at 0 and the weights are the optimum of that model: the weights of a fit with intercepts
     * would be shifted to go with an intercept the head does not have.
     */
    public static Logistic fit(double[][] x, int[] y, double[] sampleWeight, int classes, double lambda, boolean withIntercept) {
        int n = x.length;
        if (n == 0) throw new IllegalArgumentException("logistic regression: no training rows");
        if (!(lambda > 0)) throw new IllegalArgumentException("logistic regression: λ must be positive, got " + lambda);
        int d = x[0].length;
        if (classes == 2) {
            double[] t = new double[n];
            for (int i = 0; i < n; i++) t[i] = y[i];
            double[] th = newton(x, new double[][]{t}, sampleWeight, 1, lambda, withIntercept);
            return new Logistic(java.util.Arrays.copyOf(th, d), new double[]{th[d]}, 2, lambda);
        }
        if ((long) classes * (d + 1) > MAX_NEWTON_UNKNOWNS) {
            double[] w = new double[classes * d], b = new double[classes];
            for (int c = 0; c < classes; c++) {
                double[] t = new double[n];
                for (int i = 0; i < n; i++) t[i] = y[i] == c ? 1 : 0;
                double[] th = newton(x, new double[][]{t}, sampleWeight, 1, lambda, withIntercept);
                System.arraycopy(th, 0, w, c * d, d);
                b[c] = th[d];
            }
            return new Logistic(w, b, classes, lambda);
        }
        double[][] t = new double[classes][n];
        for (int i = 0; i < n; i++) t[y[i]][i] = 1;
        double[] th = newton(x, t, sampleWeight, classes, lambda, withIntercept);
        double[] w = new double[classes * d], b = new double[classes];
        for (int c = 0; c < classes; c++) {
            System.arraycopy(th, c * (d + 1), w, c * d, d);
            b[c] = th[c * (d + 1) + d];
        }
        return new Logistic(w, b, classes, lambda);
    }

    /** Fits each λ of {@link Ridge#LAMBDAS} on train and keeps the one with the lowest validation log loss. */
    public static Logistic select(double[][] xTrain, int[] yTrain, double[] sTrain, double[][] xValid, int[] yValid, double[] sValid, int classes) {
        return select(xTrain, yTrain, sTrain, xValid, yValid, sValid, classes, true);
    }

    /** As the other select, with or without intercepts. */
    public static Logistic select(double[][] xTrain, int[] yTrain, double[] sTrain, double[][] xValid, int[] yValid, double[] sValid, int classes,
                                  boolean withIntercept) {
        if (xValid.length == 0) throw new IllegalArgumentException("logistic regression: no validation rows to choose λ on");
        Logistic best = null;
        double bestLoss = Double.POSITIVE_INFINITY;
        for (double l : Ridge.LAMBDAS) {
            Logistic m = fit(xTrain, yTrain, sTrain, classes, l, withIntercept);
            double loss = m.logLoss(xValid, yValid, sValid);
            if (best == null || loss < bestLoss) {
                best = m;
                bestLoss = loss;
            }
        }
        return best;
    }

    /** Logits: one for binary, K for multinomial. */
    public double[] logits(double[] x) {
        int k = classes == 2 ? 1 : classes, d = x.length;
        double[] z = new double[k];
        for (int c = 0; c < k; c++) {
            double s = intercept[c];
            for (int j = 0; j < d; j++) s += weights[c * d + j] * x[j];
            z[c] = s;
        }
        return z;
    }

    /** Class probabilities (binary: [1 − p, p]). */
    public double[] probabilities(double[] x) {
        double[] z = logits(x);
        if (classes == 2) {
            double p = Logits.sigmoid(z[0]);
            return new double[]{1 - p, p};
        }
        return Logits.softmax(z);
    }

    /** Weighted mean −log p(y). */
    public double logLoss(double[][] x, int[] y, double[] s) {
        double sum = 0, ws = 0;
        for (int i = 0; i < x.length; i++) {
            double w = s == null ? 1 : s[i];
            sum -= w * Math.log(Math.max(probabilities(x[i])[y[i]], 1e-300));
            ws += w;
        }
        return sum / ws;
    }

    /**
     * Newton's method for K logits (K = 1: sigmoid; K ≥ 2: softmax over the K), targets t[c][i] ∈ [0, 1].
     * Unknowns per logit: d weights then the intercept. Returns them concatenated. Without an intercept its input
     * column is 0 instead of 1: its gradient and Hessian entries vanish, so it never moves from 0.
     */
    private static double[] newton(double[][] x, double[][] t, double[] s, int k, double lambda, boolean intercept) {
        int n = x.length, d = x[0].length, m = k * (d + 1);
        double[] th = new double[m];
        double loss = objective(x, t, s, k, lambda, th);
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            double[] g = new double[m];
            double[][] h = new double[m][m];
            double[] xi = new double[d + 1];
            for (int i = 0; i < n; i++) {
                System.arraycopy(x[i], 0, xi, 0, d);
                xi[d] = intercept ? 1 : 0;
                double w = (s == null ? 1 : s[i]) / n;
                double[] p = probs(x[i], th, k, d);
                for (int a = 0; a < k; a++) {
                    double r = p[a] - t[a][i];
                    for (int j = 0; j <= d; j++) g[a * (d + 1) + j] += w * r * xi[j];
                    for (int b = 0; b <= a; b++) {
                        double c = k == 1 ? p[0] * (1 - p[0]) : p[a] * ((a == b ? 1 : 0) - p[b]);
                        if (c == 0) continue;
                        for (int j = 0; j <= d; j++) {
                            double cj = w * c * xi[j];
                            int row = a * (d + 1) + j;
                            for (int l = 0; l <= d; l++) h[row][b * (d + 1) + l] += cj * xi[l];
                        }
                    }
                }
            }
            for (int a = 0; a < k; a++) {
                for (int j = 0; j <= d; j++) {
                    int q = a * (d + 1) + j;
                    if (j < d) {
                        g[q] += 2 * lambda * th[q];
                        h[q][q] += 2 * lambda;
                    } else {
                        h[q][q] += 1e-9; // softmax logits are defined up to a shared shift: pin the intercepts' sum
                    }
                }
            }
            for (int r = 0; r < m; r++) for (int c = r + 1; c < m; c++) h[r][c] = h[c][r];
            double[] step = Ridge.solveSpd(h, g);
            double t0 = 1;
            double[] next = new double[m];
            double nextLoss;
            while (true) {
                for (int q = 0; q < m; q++) next[q] = th[q] - t0 * step[q];
                nextLoss = objective(x, t, s, k, lambda, next);
                if (nextLoss <= loss || t0 < 1e-6) break;
                t0 /= 2;
            }
            double moved = 0;
            for (int q = 0; q < m; q++) moved = Math.max(moved, Math.abs(next[q] - th[q]));
            th = next;
            boolean done = loss - nextLoss < 1e-12 * Math.max(1, Math.abs(loss)) && moved < 1e-8;
            loss = nextLoss;
            if (done) break;
        }
        return th;
    }

    private static double objective(double[][] x, double[][] t, double[] s, int k, double lambda, double[] th) {
        int n = x.length, d = x[0].length;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double w = s == null ? 1 : s[i];
            double[] z = new double[k];
            for (int a = 0; a < k; a++) {
                double v = th[a * (d + 1) + d];
                for (int j = 0; j < d; j++) v += th[a * (d + 1) + j] * x[i][j];
                z[a] = v;
            }
            if (k == 1) {
                double y = t[0][i];
                sum += w * (y * Logits.softplus(-z[0]) + (1 - y) * Logits.softplus(z[0]));
            } else {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : z) max = Math.max(max, v);
                double lse = 0;
                for (double v : z) lse += Math.exp(v - max);
                lse = max + Math.log(lse);
                for (int a = 0; a < k; a++) sum += w * t[a][i] * (lse - z[a]);
            }
        }
        double reg = 0;
        for (int a = 0; a < k; a++) for (int j = 0; j < d; j++) reg += th[a * (d + 1) + j] * th[a * (d + 1) + j];
        return sum / n + lambda * reg;
    }

    private static double[] probs(double[] x, double[] th, int k, int d) {
        double[] z = new double[k];
        for (int a = 0; a < k; a++) {
            double v = th[a * (d + 1) + d];
            for (int j = 0; j < d; j++) v += th[a * (d + 1) + j] * x[j];
            z[a] = v;
        }
        if (k == 1) return new double[]{Logits.sigmoid(z[0])};
        return Logits.softmax(z);
    }
}
