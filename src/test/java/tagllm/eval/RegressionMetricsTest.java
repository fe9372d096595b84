package tagllm.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RegressionMetricsTest {

    @Test
    void sklearnDocumentedExample() {
        // sklearn docs (mean_squared_error, mean_absolute_error, r2_score): y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0.0, 2, 8]
        RegressionMetrics m = RegressionMetrics.compute(new double[]{2.5, 0.0, 2, 8}, new double[]{3, -0.5, 2, 7});
        assertEquals(4, m.n());
        assertEquals(0.375, m.mse(), 1e-15);
        assertEquals(0.5, m.mae(), 1e-15);
        assertEquals(Math.sqrt(0.375), m.rmse(), 1e-15);
        // 1 - 1.5 / 29.1875, as documented: 0.948...
        assertEquals(0.9486081370449679, m.r2(), 1e-15);
        assertTrue(m.undefined().isEmpty());
    }

    @Test
    void handComputedSmallCase() {
        // errors 0, 0, -1; gold mean 7/3, SS_tot = 42/9; sxy = 3, sxx = 2 -> r = 9 / sqrt(84)
        RegressionMetrics m = RegressionMetrics.compute(new double[]{1, 2, 3}, new double[]{1, 2, 4});
        assertEquals(1.0 / 3, m.mse(), 1e-15);
        assertEquals(1.0 / 3, m.mae(), 1e-15);
        assertEquals(Math.sqrt(1.0 / 3), m.rmse(), 1e-15);
        assertEquals(1 - 9.0 / 42, m.r2(), 1e-15);
        assertEquals(9 / Math.sqrt(84), m.pearson(), 1e-15);
        assertEquals(1.0, m.spearman(), 1e-15);
    }

    /**
     * Values near the double's range: the hand-computed small case scaled by 2^1000 has the same r and R² (both are
     * scale-free), where the squares used to overflow to a NaN r and R²; the error metrics, 2^1000 and 2^2000 times
     * larger, are infinite and said so. And the tester's case: [1e308, -1e308] against its negation, r = -1 exactly.
     */
    @Test
    void valuesNearTheDoublesRangeKeepTheirCorrelationAndSayWhatOverflows() {
        double big = 0x1p1000;
        RegressionMetrics m = RegressionMetrics.compute(new double[]{big, 2 * big, 3 * big}, new double[]{big, 2 * big, 4 * big});
        assertEquals(1 - 9.0 / 42, m.r2(), 1e-15);
        assertEquals(9 / Math.sqrt(84), m.pearson(), 1e-15);
        assertEquals(1.0, m.spearman(), 1e-15);
        assertEquals(Double.POSITIVE_INFINITY, m.mse());
        assertEquals(big / 3, m.mae(), 0); // the mean absolute error is still a double
        assertTrue(m.undefined().stream().anyMatch(w -> w.startsWith("mse and rmse: larger than the largest double")), m.undefined().toString());
        RegressionMetrics opposite = RegressionMetrics.compute(new double[]{1e308, -1e308}, new double[]{-1e308, 1e308});
        assertEquals(-1.0, opposite.pearson(), 0);
        assertEquals(-1.0, opposite.spearman(), 0);
        assertEquals(-3.0, opposite.r2(), 1e-15); // 1 - (2·(2e308)²) / (2·(1e308)²)
        assertTrue(opposite.undefined().stream().anyMatch(w -> w.startsWith("mse, mae and rmse: larger than the largest double")),
                opposite.undefined().toString());
        // ordinary values: the same bits as before (no scaling)
        assertEquals(Correlation.pearson(new double[]{1, 2, 3}, new double[]{1, 2, 4}),
                RegressionMetrics.compute(new double[]{1, 2, 3}, new double[]{1, 2, 4}).pearson(), 0);
    }

    /**
     * An R² beyond the double's range was -Infinity with no line in undefined(), so score --json and eval --json wrote
     * "r2": null without saying why, against their rule (every null metric has its line). By hand: gold [0, 1], pred
     * [1e300, 0]: SS_res = 1e600 + 1, SS_tot = 0.5, R² = 1 - 2e600 - 2, below -Double.MAX_VALUE.
     */
    @Test
    void anR2BeyondTheDoublesRangeSaysSo() {
        RegressionMetrics m = RegressionMetrics.compute(new double[]{1e300, 0}, new double[]{0, 1});
        assertEquals(Double.NEGATIVE_INFINITY, m.r2());
        assertTrue(m.undefined().stream().anyMatch(w -> w.startsWith("r2: smaller than the most negative double")),
                m.undefined().toString());
    }

    /**
     * Tiny values (below 2^-500) underflowed the other way: gold 2^-700·[1, 2, 3] against pred 2^-700·[1, 3, 2] had
     * squares of 2^-1400, below the smallest double, so SS_tot and SS_res were 0: R² and r came out NaN with no line in
     * undefined(). By hand (the same as on [1, 2, 3] vs [1, 3, 2], both metrics being scale-free): SS_res = 2, SS_tot =
     * 2 → R² = 0; sxy = 1, sxx = syy = 2 → r = 0.5 (scipy.stats.pearsonr([1e-200, 3e-200, 2e-200], [1, 2, 3]) = 0.5).
     * Correlation.pearson alone did not scale: r was 1 for those tiny values and 0 for 1e300·[1, 3, 2] against [1, 2, 3]
     * (scipy: 0.4999999999999999).
     */
    @Test
    void tinyValuesKeepTheirCorrelationAndR2() {
        double tiny = 0x1p-700;
        RegressionMetrics m = RegressionMetrics.compute(new double[]{tiny, 3 * tiny, 2 * tiny}, new double[]{tiny, 2 * tiny, 3 * tiny});
        assertEquals(0.0, m.r2(), 1e-15);
        assertEquals(0.5, m.pearson(), 1e-15);
        assertEquals(0.5, m.spearman(), 1e-15);
        assertTrue(m.undefined().isEmpty(), m.undefined().toString());
        assertEquals(0.5, Correlation.pearson(new double[]{1e-200, 3e-200, 2e-200}, new double[]{1, 2, 3}), 1e-15);
        assertEquals(0.5, Correlation.pearson(new double[]{1e300, 3e300, 2e300}, new double[]{1, 2, 3}), 1e-15);
        assertEquals(0.5, Correlation.pearson(new double[]{1, 2, 3}, new double[]{Double.MIN_VALUE, 3 * Double.MIN_VALUE, 2 * Double.MIN_VALUE}), 1e-15);
    }

    @Test
    void scipyPearsonDocumentedExample() {
        // scipy.stats.pearsonr docs: x = [1..7], y = [10, 9, 2.5, 6, 4, 3, 2] -> -0.8285038835884277
        double r = Correlation.pearson(new double[]{1, 2, 3, 4, 5, 6, 7}, new double[]{10, 9, 2.5, 6, 4, 3, 2});
        assertEquals(-0.8285038835884277, r, 1e-15);
    }

    @Test
    void scipySpearmanDocumentedExampleWithTies() {
        // scipy.stats.spearmanr docs: [1,2,3,4,5] vs [5,6,7,8,7] (two 7s tie) -> 0.8207826816681233
        RegressionMetrics m = RegressionMetrics.compute(new double[]{1, 2, 3, 4, 5}, new double[]{5, 6, 7, 8, 7});
        assertEquals(0.8207826816681233, m.spearman(), 1e-15);
    }

    @Test
    void averageRanksForTies() {
        // scipy.stats.rankdata docs: rankdata([0, 2, 3, 2]) -> [1, 2.5, 4, 2.5]
        assertArrayEquals(new double[]{1, 2.5, 4, 2.5}, Ranks.average(new double[]{0, 2, 3, 2}));
        assertArrayEquals(new double[]{2, 2, 2}, Ranks.average(new double[]{7, 7, 7}));
        assertArrayEquals(new double[]{3, 1, 2}, Ranks.average(new double[]{-1, -5, -3}));
    }

    @Test
    void perfectNegativeCorrelationIsMinusOne() {
        RegressionMetrics m = RegressionMetrics.compute(new double[]{3, 2, 1, 0}, new double[]{0, 10, 20, 30});
        assertEquals(-1.0, m.pearson(), 0);
        assertEquals(-1.0, m.spearman(), 0);
    }

    @Test
    void constantPredictionsGiveNaNWithReason() {
        RegressionMetrics m = RegressionMetrics.compute(new double[]{5, 5, 5}, new double[]{1, 2, 3});
        assertTrue(Double.isNaN(m.pearson()));
        assertTrue(Double.isNaN(m.spearman()));
        assertEquals(29.0 / 3, m.mse(), 1e-15); // errors 4, 3, 2
        assertEquals(1 - 29.0 / 2, m.r2(), 1e-15); // SS_res 29, SS_tot 2
        assertEquals(2, m.undefined().size());
        assertTrue(m.undefined().get(0).contains("pearson") && m.undefined().get(0).contains("pred is constant"),
                m.undefined().toString());
    }

    @Test
    void constantGoldMakesR2Undefined() {
        RegressionMetrics m = RegressionMetrics.compute(new double[]{1, 2, 3}, new double[]{2, 2, 2});
        assertTrue(Double.isNaN(m.r2()));
        assertTrue(Double.isNaN(m.pearson()));
        assertEquals(2.0 / 3, m.mse(), 1e-15);
        assertTrue(m.undefined().stream().anyMatch(s -> s.startsWith("r2") && s.contains("gold is constant")), m.undefined().toString());
    }

    @Test
    void singlePairHasErrorsButNoCorrelation() {
        RegressionMetrics m = RegressionMetrics.compute(new double[]{1.5}, new double[]{1});
        assertEquals(0.25, m.mse(), 0);
        assertEquals(0.5, m.mae(), 0);
        assertTrue(Double.isNaN(m.pearson()));
        assertTrue(m.undefined().get(0).contains("only one pair"));
    }

    @Test
    void lengthMismatchIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegressionMetrics.compute(new double[]{1, 2, 3}, new double[]{1, 2}));
        assertEquals("length mismatch: pred has 3 values, gold has 2", e.getMessage());
    }

    @Test
    void emptyAndNonFiniteInputsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RegressionMetrics.compute(new double[0], new double[0]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegressionMetrics.compute(new double[]{1, Double.NaN}, new double[]{1, 2}));
        assertTrue(e.getMessage().contains("pred[1]"), e.getMessage());
    }

    @Test
    void pearsonIsInvariantToShiftAndScale() {
        double[] x = {0.3, 1.7, -2.2, 4.1, 0.0, 2.5};
        double[] y = {1.1, 0.4, -0.7, 3.3, 0.2, 1.9};
        double[] x2 = new double[x.length];
        for (int i = 0; i < x.length; i++) x2[i] = 1e6 + 3 * x[i];
        assertEquals(Correlation.pearson(x, y), Correlation.pearson(x2, y), 1e-9);
    }
}
