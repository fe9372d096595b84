package tagllm.head;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Logistic regression: at the fitted parameters the objective's gradient, taken by central finite differences of
 * the objective written out here independently, is zero (the optimality condition), binary and multinomial.
 */
class LogisticTest {
    @Test
    void binaryFitIsAStationaryPointOfTheObjective() {
        check(2);
    }

    @Test
    void multinomialFitIsAStationaryPointOfTheObjective() {
        check(3);
    }

    private static void check(int classes) {
        Random r = new Random(9);
        int n = 120, d = 4;
        double[][] x = new double[n][d];
        int[] y = new int[n];
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) x[i][j] = r.nextGaussian();
            double score = x[i][0] - 0.5 * x[i][1] + 0.8 * r.nextGaussian();
            y[i] = classes == 2 ? (score > 0 ? 1 : 0) : (score < -0.5 ? 0 : score < 0.5 ? 1 : 2);
            s[i] = y[i] == 1 ? 2.0 : 1.0;
        }
        double lambda = 0.01;
        Logistic m = Logistic.fit(x, y, s, classes, lambda);
        int k = classes == 2 ? 1 : classes;
        double eps = 1e-5;
        for (int c = 0; c < k; c++) {
            for (int j = 0; j <= d; j++) {
                double[] w = m.weights().clone(), b = m.intercept().clone();
                double up, down;
                if (j < d) {
                    w[c * d + j] += eps;
                    up = objective(x, y, s, w, b, classes, lambda);
                    w[c * d + j] -= 2 * eps;
                    down = objective(x, y, s, w, b, classes, lambda);
                } else {
                    b[c] += eps;
                    up = objective(x, y, s, w, b, classes, lambda);
                    b[c] -= 2 * eps;
                    down = objective(x, y, s, w, b, classes, lambda);
                }
                assertEquals(0, (up - down) / (2 * eps), 1e-6, "gradient at class " + c + " parameter " + j);
            }
        }
        // and it learned something: training accuracy well above chance (the middle class overlaps both others)
        int right = 0;
        for (int i = 0; i < n; i++) {
            double[] p = m.probabilities(x[i]);
            int best = 0;
            for (int c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
            if (best == y[i]) right++;
        }
        assertTrue(right > (classes == 2 ? 0.7 : 0.5) * n, right + " of " + n); // chance: 1/2 and 1/3
    }

    /** Σ sᵢ·(−log p(yᵢ)) / n + λ‖W‖², written independently of Logistic's own code. */
    private static double objective(double[][] x, int[] y, double[] s, double[] w, double[] b, int classes, double lambda) {
        int n = x.length, d = x[0].length, k = classes == 2 ? 1 : classes;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double[] z = new double[k];
            for (int c = 0; c < k; c++) {
                z[c] = b[c];
                for (int j = 0; j < d; j++) z[c] += w[c * d + j] * x[i][j];
            }
            double logp;
            if (k == 1) {
                double p1 = 1 / (1 + Math.exp(-z[0]));
                logp = Math.log(y[i] == 1 ? p1 : 1 - p1);
            } else {
                double norm = 0;
                for (double v : z) norm += Math.exp(v);
                logp = z[y[i]] - Math.log(norm);
            }
            sum -= s[i] * logp;
        }
        double reg = 0;
        for (double v : w) reg += v * v;
        return sum / n + lambda * reg;
    }
    /** The fixed rows the scikit-learn reference below was computed on (LogisticRegression(C = 1/(2nλ), fit_intercept=False)). */
    private static final double[][] X = {{0.5, -1.2, 0.3}, {1.5, 0.4, -0.7}, {-0.3, 0.8, 1.1}, {2.0, -0.5, 0.2}, {-1.1, -0.9, 0.6},
            {0.7, 1.3, -1.4}, {1.2, 0.1, 0.9}, {-0.4, -0.2, -0.8}, {0.9, 0.6, 0.4}, {-1.6, 1.0, -0.3}};

    @Test
    void withoutInterceptMatchesScikitLearn() {
        int[] y = {1, 1, 0, 1, 0, 1, 1, 0, 1, 0};
        double[] s = new double[y.length];
        for (int i = 0; i < y.length; i++) s[i] = y[i] == 1 ? 0.8 : 1.5;
        // sklearn 1.2.1: LogisticRegression(C=1/(2·10·λ), fit_intercept=False, tol=1e-14).fit(X, y, sample_weight=s).coef_ (lbfgs;
        // newton-cg and newton-cholesky agree to 1e-8)
        Logistic a = Logistic.fit(X, y, s, 2, 0.01, false);
        assertArrayEquals(new double[]{2.940500130603933, -0.3239051915167293, -0.26791445778923095}, a.weights(), 1e-6);
        assertEquals(0, a.intercept()[0]);
        Logistic b = Logistic.fit(X, y, s, 2, 0.1, false);
        assertArrayEquals(new double[]{1.104356807199006, -0.056096142799994156, -0.14268096163829389}, b.weights(), 1e-6);
        // with the intercept (fit_intercept=True, solver newton-cg): these weights, which differ from the fit without one
        Logistic c = Logistic.fit(X, y, s, 2, 0.01);
        assertArrayEquals(new double[]{2.966185512479091, -0.24906775691322386, -0.2761468865845687}, c.weights(), 1e-6);
        assertEquals(-0.5588637307734196, c.intercept()[0], 1e-6);

        int[] y3 = {0, 1, 2, 1, 0, 2, 2, 0, 1, 0};
        // multi_class='multinomial', solver newton-cg (lbfgs stops 1e-6 short of the optimum here)
        Logistic m = Logistic.fit(X, y3, null, 3, 0.01, false);
        assertArrayEquals(new double[]{-1.7787606166673482, -1.6210844246450165, -0.6019659846391145, 1.2278113478033579, 0.24521042889776498,
                0.02617301578242678, 0.5509492688639898, 1.3758739957472519, 0.5757929688566881}, m.weights(), 1e-6);
        assertArrayEquals(new double[]{0, 0, 0}, m.intercept());
        assertArrayEquals(new double[]{0.5870733235865765, 0.3394489551077248, 0.07347772130569867}, m.probabilities(X[0]), 1e-7);
    }
}
