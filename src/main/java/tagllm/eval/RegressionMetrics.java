package tagllm.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Regression metrics of predictions against gold values.
 *
 * <p>A metric that is mathematically undefined for the data (Pearson or Spearman when one side is constant,
 * R² when the gold values are constant) is NaN, and {@link #undefined()} says why, so a report can print the
 * reason instead of a bare NaN; an error metric too large for a double is infinite, with a line there too.
 * Pearson's r and R² are computed on values scaled by a power of two where needed, so values near either end of the
 * double's range (above 2^500 or below 2^-500) give their true value rather than an overflow or underflow.
 *
 * @param n         number of pairs
 * @param mse       mean squared error
 * @param mae       mean absolute error
 * @param rmse      square root of mse
 * @param pearson   Pearson's r
 * @param spearman  Spearman's rho (average ranks for ties)
 * @param r2        coefficient of determination 1 - SS_res / SS_tot (as sklearn's r2_score)
 * @param undefined one line per NaN or infinite metric (R² included), saying why; empty when all are defined and finite
 */
public record RegressionMetrics(int n, double mse, double mae, double rmse, double pearson, double spearman,
                                double r2, List<String> undefined) {

    public RegressionMetrics {
        undefined = List.copyOf(undefined);
    }

    /**
     * @throws IllegalArgumentException when the arrays differ in length, are empty, or hold NaN/infinite values
     */
    public static RegressionMetrics compute(double[] pred, double[] gold) {
        Inputs.requireSameLength(pred, gold, "pred", "gold");
        if (pred.length == 0) throw new IllegalArgumentException("no values: pred and gold are empty");
        Inputs.requireFinite(pred, "pred");
        Inputs.requireFinite(gold, "gold");
        int n = pred.length;

        double sq = 0, abs = 0;
        for (int i = 0; i < n; i++) {
            double e = pred[i] - gold[i];
            sq += e * e;
            abs += Math.abs(e);
        }
        double mse = sq / n, mae = abs / n;

        List<String> why = new ArrayList<>();
        if (!Double.isFinite(mse) || !Double.isFinite(mae)) {
            why.add((Double.isFinite(mae) ? "mse and rmse: " : "mse, mae and rmse: ") + "larger than the largest double ("
                    + "values up to " + Math.max(maxAbs(pred), maxAbs(gold)) + ")");
        }
        // Pearson's r and R² do not change when both sides are scaled by one factor; a power of two changes no bit of
        // them, and keeps squares and sums of values near the double's range finite, and those of tiny values (1e-200)
        // above the smallest double (their squares underflowed to 0: R² and r were NaN with no reason given)
        double scale = scaleFor(Math.max(maxAbs(pred), maxAbs(gold)));
        if (scale != 1) {
            pred = scaled(pred, scale);
            gold = scaled(gold, scale);
            sq = 0;
            for (int i = 0; i < n; i++) sq += (pred[i] - gold[i]) * (pred[i] - gold[i]);
        }
        boolean predConst = Correlation.isConstant(pred), goldConst = Correlation.isConstant(gold);
        String constant = n < 2 ? "only one pair"
                : predConst && goldConst ? "pred and gold are both constant"
                : predConst ? "pred is constant (all " + pred[0] + ")"
                : goldConst ? "gold is constant (all " + gold[0] + ")" : null;
        double pearson = Double.NaN, spearman = Double.NaN;
        if (constant == null) {
            pearson = Correlation.pearson(pred, gold);
            spearman = Correlation.spearman(pred, gold);
        } else {
            why.add("pearson: undefined because " + constant + " (zero variance)");
            why.add("spearman: undefined because " + constant + " (zero variance)");
        }

        double r2 = Double.NaN;
        if (goldConst) {
            why.add("r2: undefined because gold " + (n < 2 ? "has one value" : "is constant") + " (SS_tot = 0)");
        } else {
            double mean = Inputs.mean(gold), ssTot = 0;
            for (double g : gold) ssTot += (g - mean) * (g - mean);
            r2 = 1.0 - sq / ssTot;
            // scaling keeps SS_res and SS_tot finite, not their ratio: without a line here a JSON report's null had no reason
            if (r2 == Double.NEGATIVE_INFINITY) {
                why.add("r2: smaller than the most negative double (SS_res is over " + Double.MAX_VALUE + " times SS_tot)");
            }
        }
        return new RegressionMetrics(n, mse, mae, Math.sqrt(mse), pearson, spearman, r2, why);
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) m = Math.max(m, Math.abs(x));
        return m;
    }

    /**
     * 1 for values whose squares and sums stay finite and normal (and for all zeros); else the power of two that
     * brings the largest near 2^500 (large values) or near 1 (tiny ones).
     */
    static double scaleFor(double max) {
        if (max >= 0x1p500) return Math.scalb(1.0, 500 - Math.getExponent(max));
        return max == 0 || max >= 0x1p-500 ? 1 : Math.scalb(1.0, -Math.getExponent(max));
    }

    private static double[] scaled(double[] v, double scale) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] * scale;
        return out;
    }
}
