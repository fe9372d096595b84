package tagllm.eval;

/**
 * Pearson and Spearman correlation. Both are undefined when either input is constant (zero variance);
 * they then return NaN rather than throw, so one degenerate evaluation split does not abort a training run.
 */
public final class Correlation {
    private Correlation() {}

    /** Pearson's r, clipped to [-1, 1] against rounding; NaN when x or y is constant or has fewer than 2 values. */
    public static double pearson(double[] x, double[] y) {
        Inputs.requireSameLength(x, y, "x", "y");
        int n = x.length;
        if (n < 2 || isConstant(x) || isConstant(y)) return Double.NaN;
        // r does not change when one side is scaled by a positive factor: a power of two changes no bit and keeps
        // squares of values above 2^500 from overflowing (r was 0 for 1e300) and of values below 2^-500 from
        // underflowing (r was ±1)
        x = scaled(x);
        y = scaled(y);
        double mx = Inputs.mean(x), my = Inputs.mean(y);
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        // one square root of the product is exact more often (perfect correlation gives exactly ±1);
        // fall back to the product of roots where sxx * syy would overflow or underflow
        double prod = sxx * syy;
        double denom = Double.isFinite(prod) && prod > Double.MIN_NORMAL ? Math.sqrt(prod) : Math.sqrt(sxx) * Math.sqrt(syy);
        double r = sxy / denom;
        return Math.max(-1.0, Math.min(1.0, r));
    }

    /** Spearman's rho: Pearson's r of the average ranks (ties share their mean rank). */
    public static double spearman(double[] x, double[] y) {
        Inputs.requireSameLength(x, y, "x", "y");
        return pearson(Ranks.average(x), Ranks.average(y));
    }

    private static double[] scaled(double[] v) {
        double max = 0;
        for (double d : v) max = Math.max(max, Math.abs(d));
        double scale = RegressionMetrics.scaleFor(max);
        if (scale == 1) return v;
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] * scale;
        return out;
    }

    static boolean isConstant(double[] v) {
        for (double d : v) if (d != v[0]) return false;
        return true;
    }
}
