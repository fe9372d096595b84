package tagllm.head;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Ridge against the normal equations of its objective, built and solved independently (Gauss–Jordan in double). */
class RidgeTest {
    private static double[][] randomX(Random r, int n, int d) {
        double[][] x = new double[n][d];
        for (double[] row : x) for (int j = 0; j < d; j++) row[j] = r.nextGaussian() + (j == 0 ? 3 : 0);
        return x;
    }

    /**
     * Minimiser of Σ(y − Xw − b)²/n + λ‖w‖²: with u = [w; b], (AᵀA/n + λ diag(1..1, 0)) u = Aᵀy/n, A = [X 1].
     * Without an intercept the last unknown is dropped.
     */
    private static double[] normalEquations(double[][] x, double[] y, double lambda, boolean intercept) {
        int n = x.length, d = x[0].length, m = intercept ? d + 1 : d;
        double[][] a = new double[m][m + 1];
        for (int i = 0; i < n; i++) {
            double[] row = new double[m];
            System.arraycopy(x[i], 0, row, 0, d);
            if (intercept) row[d] = 1;
            for (int p = 0; p < m; p++) {
                for (int q = 0; q < m; q++) a[p][q] += row[p] * row[q] / n;
                a[p][m] += row[p] * y[i] / n;
            }
        }
        for (int p = 0; p < d; p++) a[p][p] += lambda;
        for (int c = 0; c < m; c++) {
            int piv = c;
            for (int r = c + 1; r < m; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
            double[] t = a[c];
            a[c] = a[piv];
            a[piv] = t;
            for (int r = 0; r < m; r++) {
                if (r == c) continue;
                double f = a[r][c] / a[c][c];
                for (int k = c; k <= m; k++) a[r][k] -= f * a[c][k];
            }
        }
        double[] u = new double[m];
        for (int p = 0; p < m; p++) u[p] = a[p][m] / a[p][p];
        return u;
    }

    @Test
    void matchesTheNormalEquationsWithAndWithoutIntercept() {
        Random r = new Random(7);
        double[][] x = randomX(r, 40, 5);
        double[] y = new double[40];
        for (int i = 0; i < 40; i++) y[i] = 2 - x[i][0] + 0.5 * x[i][3] + 0.3 * r.nextGaussian();
        for (boolean intercept : new boolean[]{true, false}) {
            for (double lambda : new double[]{1e-3, 0.5}) {
                Ridge fit = Ridge.fit(x, y, lambda, intercept);
                double[] u = normalEquations(x, y, lambda, intercept);
                for (int j = 0; j < 5; j++) assertEquals(u[j], fit.weights()[j], 1e-9, "w" + j + " λ " + lambda + " intercept " + intercept);
                assertEquals(intercept ? u[5] : 0.0, fit.intercept(), 1e-9);
            }
        }
    }

    @Test
    void selectKeepsTheLambdaWithTheLowestValidationError() {
        Random r = new Random(3);
        double[][] x = randomX(r, 12, 8), xv = randomX(r, 30, 8);
        double[] y = new double[12], yv = new double[30];
        for (int i = 0; i < 12; i++) y[i] = x[i][1] + r.nextGaussian();
        for (int i = 0; i < 30; i++) yv[i] = xv[i][1] + r.nextGaussian();
        Ridge best = Ridge.select(x, y, xv, yv, true);
        for (double l : Ridge.LAMBDAS) assertTrue(best.mse(xv, yv) <= Ridge.fit(x, y, l, true).mse(xv, yv) + 1e-15, "λ " + l);
    }

    @Test
    void badInputIsNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Ridge.fit(new double[][]{{1}, {2}}, new double[]{1}, 1, true));
        assertTrue(e.getMessage().contains("2 feature rows but 1 labels"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ridge.fit(new double[0][], new double[0], 1, true));
        assertThrows(IllegalArgumentException.class, () -> Ridge.select(new double[][]{{1}}, new double[]{1}, new double[0][], new double[0], true));
    }
}
