package tagllm.compare;

import org.junit.jupiter.api.Test;
import tagllm.head.Logistic;
import tagllm.head.Ridge;

import static org.junit.jupiter.api.Assertions.*;

/** The classification probe's fit and its choice of λ against cases solved here by hand. */
class LogisticProbeTest {
    /**
     * One feature, x = +1 on half the rows (a share q of them positive) and x = −1 on the other half (a share 1 − q
     * positive). By symmetry the intercept is 0, and the gradient in w of mean BCE + λw² is σ(w) − q + 2λw: the fit
     * solves σ(w) + 2λw = q, found here by bisection for each λ of the grid. λ is the one whose w has the lowest log
     * loss on valid rows of the same shape with another share (there: −[q' ln σ(w) + (1 − q') ln(1 − σ(w))]).
     */
    @Test
    void symmetricCaseMatchesItsClosedCondition() {
        double q = 0.8, qValid = 0.7;
        double[][] x = rows(20), xv = rows(20);
        int[] y = labels(20, q), yv = labels(20, qValid);
        Logistic m = LogisticProbe.fit(x, y, null, xv, yv, null, 2);
        double bestLoss = Double.POSITIVE_INFINITY, bestLambda = 0, bestW = 0;
        for (double lambda : Ridge.LAMBDAS) {
            double lo = -20, hi = 20;
            for (int it = 0; it < 200; it++) {
                double mid = (lo + hi) / 2;
                if (sigmoid(mid) + 2 * lambda * mid > q) hi = mid;
                else lo = mid;
            }
            double w = (lo + hi) / 2;
            double loss = -(qValid * Math.log(sigmoid(w)) + (1 - qValid) * Math.log(1 - sigmoid(w)));
            if (loss < bestLoss) {
                bestLoss = loss;
                bestLambda = lambda;
                bestW = w;
            }
        }
        assertEquals(0.1, bestLambda, "worked out: λ 0.1 gives w ≈ 0.68, the nearest to ln(0.7/0.3) ≈ 0.85 on the grid");
        assertEquals(bestLambda, m.lambda());
        assertEquals(bestW, m.weights()[0], 1e-7);
        assertEquals(0, m.intercept()[0], 1e-7);
    }

    /** A feature that is always 0 carries nothing: the probabilities are the training class frequencies. */
    @Test
    void constantFeatureGivesTheClassFrequencies() {
        int[] y = {0, 0, 0, 0, 0, 1, 1, 1, 2, 2};
        double[][] x = new double[y.length][1];
        Logistic m = LogisticProbe.fit(x, y, null, new double[][]{{0}, {0}}, new int[]{0, 1}, null, 3);
        double[] p = m.probabilities(new double[]{0});
        assertEquals(0.5, p[0], 1e-7);
        assertEquals(0.3, p[1], 1e-7);
        assertEquals(0.2, p[2], 1e-7);
    }

    @Test
    void tooFewRowsWithoutValidAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LogisticProbe.fit(new double[][]{{1}, {2}}, new int[]{0, 1}, null, new double[0][], new int[0], null, 2));
        assertTrue(e.getMessage().contains("valid split"), e.getMessage());
    }

    private static double[][] rows(int n) {
        double[][] x = new double[n][1];
        for (int i = 0; i < n; i++) x[i][0] = i < n / 2 ? 1 : -1;
        return x;
    }

    /** First half (x = +1): the first q·n/2 positive; second half (x = −1): the first (1 − q)·n/2 positive. */
    private static int[] labels(int n, double q) {
        int[] y = new int[n];
        int half = n / 2, pos = (int) Math.round(q * half);
        for (int i = 0; i < half; i++) y[i] = i < pos ? 1 : 0;
        for (int i = 0; i < half; i++) y[half + i] = i < half - pos ? 1 : 0;
        return y;
    }

    private static double sigmoid(double z) { return 1 / (1 + Math.exp(-z)); }
}
