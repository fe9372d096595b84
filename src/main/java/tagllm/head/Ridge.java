package tagllm.head;

/**
 * Ridge regression in closed form: minimises Σ(y − w·x − b)² / n + λ‖w‖² (the intercept b, when there is
 * one, is not penalised) by centring x and y and solving (XᵀX + λ n I) w = Xᵀy with Cholesky, in double.
 * {@link #select} picks λ from a grid by the mean squared error on a validation set.
 */
public record Ridge(double[] weights, double intercept, double lambda) {
    /** The λ grid: features are final-norm hidden states (entries of order 1), so λ n spans weak to strong. */
    public static final double[] LAMBDAS = {1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100};

    public static Ridge fit(double[][] x, double[] y, double lambda, boolean withIntercept) {
        int n = x.length;
        if (n == 0) throw new IllegalArgumentException("ridge: no training rows");
        if (y.length != n) throw new IllegalArgumentException("ridge: " + n + " feature rows but " + y.length + " labels");
        if (!(lambda > 0)) throw new IllegalArgumentException("ridge: λ must be positive, got " + lambda);
        int d = x[0].length;
        double[] mx = new double[d];
        double my = 0;
        if (withIntercept) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) mx[j] += x[i][j] / n;
                my += y[i] / n;
            }
        }
        double[][] a = new double[d][d];
        double[] rhs = new double[d];
        double[] xi = new double[d];
        for (int i = 0; i < n; i++) {
            if (x[i].length != d) throw new IllegalArgumentException("ridge: feature row " + i + " has " + x[i].length + " values, expected " + d);
            for (int j = 0; j < d; j++) xi[j] = x[i][j] - mx[j];
            double yi = y[i] - my;
            for (int j = 0; j < d; j++) {
                rhs[j] += xi[j] * yi;
                for (int k = 0; k <= j; k++) a[j][k] += xi[j] * xi[k];
            }
        }
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < j; k++) a[k][j] = a[j][k];
            a[j][j] += lambda * n;
        }
        double[] w = solveSpd(a, rhs);
        double b = my;
        for (int j = 0; j < d; j++) b -= w[j] * mx[j];
        return new Ridge(w, b, lambda);
    }

    /** Fits each λ of the grid on train and keeps the one with the lowest validation MSE. */
    public static Ridge select(double[][] xTrain, double[] yTrain, double[][] xValid, double[] yValid, boolean withIntercept) {
        if (xValid.length == 0) throw new IllegalArgumentException("ridge: no validation rows to choose λ on");
        Ridge best = null;
        double bestMse = Double.POSITIVE_INFINITY;
        for (double l : LAMBDAS) {
            Ridge r = fit(xTrain, yTrain, l, withIntercept);
            double mse = r.mse(xValid, yValid);
            if (best == null || mse < bestMse) {
                best = r;
                bestMse = mse;
            }
        }
        return best;
    }

    public double predict(double[] x) {
        double s = intercept;
        for (int j = 0; j < weights.length; j++) s += weights[j] * x[j];
        return s;
    }

    public double mse(double[][] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += Math.pow(predict(x[i]) - y[i], 2);
        return s / Math.max(1, x.length);
    }

    /** Solves a symmetric positive definite system by Cholesky. */
    static double[] solveSpd(double[][] a, double[] b) {
        int n = b.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
                if (i == j) {
                    if (!(s > 0)) throw new IllegalArgumentException("ridge: the system is not positive definite (raise λ)");
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i][k] * z[k];
            z[i] = s / l[i][i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < n; k++) s -= l[k][i] * x[k];
            x[i] = s / l[i][i];
        }
        return x;
    }
}
