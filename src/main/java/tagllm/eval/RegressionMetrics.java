package tagllm.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Regression metrics of predictions against gold values.
 *
 * <p>A metric that is mathematically undefined for the data (Pearson or Spearman when one side is constant,
 * R² when the gold values are constant) is NaN, and {@link #undefined()} says why, so a report can print the
 * reason instead of a bare NaN.
 *
 * @param n         number of pairs
 * @param mse       mean squared error
 * @param mae       mean absolute error
 * @param rmse      square root of mse
 * @param pearson   Pearson's r
 * @param spearman  Spearman's rho (average ranks for ties)
 * @param r2        coefficient of determination 1 - SS_res / SS_tot (as sklearn's r2_score)
 * @param undefined one line per NaN metric, saying why it is undefined; empty when all are defined
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
        }
        return new RegressionMetrics(n, mse, mae, Math.sqrt(mse), pearson, spearman, r2, why);
    }
}
