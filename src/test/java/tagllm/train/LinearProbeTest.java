package tagllm.train;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class LinearProbeTest {
    @Test
    void oneDimensionalRidgeByHand() {
        // centred x = (-1, 0, 1), y − 7/3 = (−4/3, −1/3, 5/3): w = Sxy / (Sxx + λn) = 3 / (2 + 1·3), b = 7/3 − 2w
        LinearProbe p = LinearProbe.fit(new double[][]{{1}, {2}, {3}}, new double[]{1, 2, 4}, 1.0);
        assertEquals(0.6 * 10 + 7.0 / 3 - 1.2, p.predict(new double[]{10}), 1e-12);
    }

    @Test
    void recoversAnExactLinearMapAndPicksTheSmallRidgeOnValidation() {
        Random r = new Random(5);
        double[][] x = new double[200][3], xv = new double[50][3];
        double[] y = new double[200], yv = new double[50];
        for (int i = 0; i < 250; i++) {
            double[] row = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            double t = 2 * row[0] - row[1] + 0.5 * row[2] + 3;
            if (i < 200) { x[i] = row; y[i] = t; } else { xv[i - 200] = row; yv[i - 200] = t; }
        }
        LinearProbe p = LinearProbe.fit(x, y, xv, yv);
        assertEquals(1e-4, p.lambda());
        assertEquals(2 * 1 - 2 + 0.5 * 3 + 3, p.predict(new double[]{1, 2, 3}), 1e-2);
    }

    @Test
    void withoutValidRowsLambdaIsChosenOnTheLastFifthOfTheTrainingRows() {
        // noise targets on 18 features: on the rows it was fitted to, the smallest λ always fits best; held out, it does not
        Random r = new Random(11);
        int n = 25, d = 18, cut = 20;
        double[][] x = new double[n][d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) x[i][j] = r.nextGaussian();
            y[i] = r.nextGaussian();
        }
        double best = Double.POSITIVE_INFINITY, want = Double.NaN;
        for (double lambda : tagllm.head.Ridge.LAMBDAS) {
            tagllm.head.Ridge fit = tagllm.head.Ridge.fit(java.util.Arrays.copyOf(x, cut), java.util.Arrays.copyOf(y, cut), lambda, true);
            double se = 0;
            for (int i = cut; i < n; i++) se += Math.pow(fit.predict(x[i]) - y[i], 2);
            if (se < best) {
                best = se;
                want = lambda;
            }
        }
        assertTrue(want > 1e-4, "the held-out choice shrinks: " + want);
        LinearProbe p = LinearProbe.fit(x, y, new double[0][], new double[0]);
        assertEquals(want, p.lambda());
        // then refitted on every training row at that λ
        double[] probe = new double[d];
        for (int j = 0; j < d; j++) probe[j] = Math.sin(j);
        assertEquals(tagllm.head.Ridge.fit(x, y, want, true).predict(probe), p.predict(probe), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> LinearProbe.fit(new double[4][1], new double[4], new double[0][], new double[0]));
    }
}
