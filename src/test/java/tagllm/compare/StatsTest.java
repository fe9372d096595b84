package tagllm.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** compare's statistics against values worked out by hand. */
class StatsTest {
    @Test
    void meanAndSampleStandardDeviation() {
        assertEquals(2.0, Stats.mean(new double[]{1, 2, 3}), 1e-15);
        // deviations -1, 0, 1: sum of squares 2, over n - 1 = 2: variance 1
        assertEquals(1.0, Stats.std(new double[]{1, 2, 3}), 1e-15);
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squares 9+1+1+1+0+0+4+16 = 32, /7
        assertEquals(Math.sqrt(32.0 / 7), Stats.std(new double[]{2, 4, 4, 4, 5, 5, 7, 9}), 1e-15);
        assertEquals(0.0, Stats.std(new double[]{0.3}), "one seed has no spread");
    }

    @Test
    void quantileInterpolatesLikeNumpy() {
        double[] v = {4, 1, 3, 2};
        // sorted 1 2 3 4; q = 0.25 → h = 0.75 → 1 + 0.75 × 1
        assertEquals(1.75, Stats.quantile(v, 0.25), 1e-15);
        assertEquals(2.5, Stats.quantile(v, 0.5), 1e-15);
        assertEquals(4.0, Stats.quantile(v, 1.0), 1e-15);
    }

    @Test
    void pairedDifferenceOfIdenticalErrorsIsExactlyZero() {
        double[] gold = {1, 2, 3, 4, 5};
        double[] a = {1.5, 2, 2, 4, 6};
        Stats.Interval in = Stats.pairedBootstrap("mse", List.of(a), List.of(a.clone()), gold, 500, 1);
        assertEquals(0.0, in.diff());
        assertEquals(0.0, in.lo());
        assertEquals(0.0, in.hi());
    }

    @Test
    void pairedDifferenceAndItsIntervalOnTwoRows() {
        // reference exact; the method is off by 1 on row 0 only: squared-error differences per row are {1, 0}.
        // Point: MSE difference = 0.5. A resample of 2 rows takes row 0 twice (p 1/4, diff 1), once (p 1/2, diff 0.5)
        // or never (p 1/4, diff 0): the 2.5 % and 97.5 % quantiles are 0 and 1.
        double[] gold = {0, 0};
        Stats.Interval in = Stats.pairedBootstrap("mse", List.of(new double[]{1, 0}), List.of(new double[]{0, 0}), gold, 4000, 7);
        assertEquals(0.5, in.diff(), 1e-15);
        assertEquals(0.0, in.lo(), 1e-15);
        assertEquals(1.0, in.hi(), 1e-15);
        assertEquals(4000, in.resamples());
    }

    @Test
    void seedsArePairedByIndexAndAveraged() {
        double[] gold = {0, 1, 2, 3};
        // seed 1: the method's MAE 1 vs reference 0; seed 2: 0.5 vs 0.5: mean difference (1 + 0) / 2
        List<double[]> method = List.of(new double[]{1, 2, 3, 4}, new double[]{0.5, 1.5, 2.5, 3.5});
        List<double[]> ref = List.of(new double[]{0, 1, 2, 3}, new double[]{-0.5, 0.5, 1.5, 2.5});
        Stats.Interval in = Stats.pairedBootstrap("mae", method, ref, gold, 300, 3);
        assertEquals(0.5, in.diff(), 1e-12);
        // every row contributes the same difference, so every resample does too
        assertEquals(0.5, in.lo(), 1e-12);
        assertEquals(0.5, in.hi(), 1e-12);
    }

    @Test
    void pearsonDifference() {
        double[] gold = {1, 2, 3, 4};
        // perfectly correlated vs anti-correlated predictions: r = 1 vs -1
        Stats.Interval in = Stats.pairedBootstrap("pearson", List.of(new double[]{2, 4, 6, 8}), List.of(new double[]{4, 3, 2, 1}), gold, 200, 5);
        assertEquals(2.0, in.diff(), 1e-12);
        assertEquals(2.0, in.lo(), 1e-12, "resamples where r is undefined (one distinct row) are left out; every other one gives 2");
        assertEquals(2.0, in.hi(), 1e-12);
        assertTrue(in.resamples() > 150 && in.resamples() <= 200);
    }
}
