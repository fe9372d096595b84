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
        assertTrue(Double.isNaN(Stats.std(new double[]{0.3})), "one seed has no spread: n − 1 = 0, not a spread of 0");
        assertTrue(Double.isNaN(Stats.std(new double[]{Double.NaN})), "one seed with no value has no spread either");
    }

    @Test
    void equalSeedsHaveNoSpread() {
        // Python's statistics.stdev (exact rational arithmetic) gives 0.0 for each; the double mean of three 0.1s is
        // 0.10000000000000002, and the spread from it was 1.7e-17 (docs/results-compare-moleculenet.json: the
        // baseline's FreeSolv MSE, one fit repeated for three seeds, had std 1.09e-15)
        assertEquals(0.0, Stats.std(new double[]{0.1, 0.1, 0.1}));
        assertEquals(0.0, Stats.std(new double[]{6.557502534438462 / 3, 6.557502534438462 / 3, 6.557502534438462 / 3}));
        assertEquals(0.0, Stats.std(new double[]{2.56076, 2.56076, 2.56076, 2.56076, 2.56076, 2.56076, 2.56076}));
        assertTrue(Double.isNaN(Stats.std(new double[]{Double.NaN, Double.NaN})), "no value, no spread");
        assertEquals(0.5, Stats.std(new double[]{0.1, 0.1, 0.1, 0.1 + 1}), 1e-12, "unequal values keep their spread");
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

    @Test
    void classificationMetricsOfARowSubsetWithTies() {
        // p(positive) 0.9, 0.4, 0.4, 0.1 for gold 1, 1, 0, 0: pairs (0.9, 0.4) right, (0.9, 0.1) right, (0.4, 0.4) a tie
        // (one half), (0.4, 0.1) right: AUROC 3.5 / 4. Predicted classes 1, 0, 0, 0: accuracy 3 / 4.
        double[][] prob = {{0.1, 0.9}, {0.6, 0.4}, {0.6, 0.4}, {0.9, 0.1}};
        int[] gold = {1, 1, 0, 0};
        List<String> classes = List.of("0", "1");
        int[] all = {0, 1, 2, 3};
        assertEquals(0.875, Stats.classMetric("auroc", prob, gold, classes, all), 1e-15);
        assertEquals(0.75, Stats.classMetric("accuracy", prob, gold, classes, all), 1e-15);
        // log loss: −(ln 0.9 + ln 0.4 + ln 0.6 + ln 0.9) / 4
        assertEquals(-(Math.log(0.9) + Math.log(0.4) + Math.log(0.6) + Math.log(0.9)) / 4, Stats.classMetric("log_loss", prob, gold, classes, all), 1e-12);
        // rows 0 and 0 again and 2: the positive (0.9) beats the negative (0.4) in both pairs
        assertEquals(1.0, Stats.classMetric("auroc", prob, gold, classes, new int[]{0, 0, 2}), 1e-15);
        assertTrue(Double.isNaN(Stats.classMetric("auroc", prob, gold, classes, new int[]{0, 1, 1})), "one class only: undefined");
    }

    @Test
    void aurocDifferenceLeavesOutResamplesOfOneClass() {
        // two rows, one of each class: the method ranks them right (AUROC 1), the reference wrong (0). A resample holds
        // both rows with probability 1/2 (difference 1); otherwise AUROC is undefined and the resample is left out.
        int[] gold = {1, 0};
        List<String> classes = List.of("0", "1");
        double[][] right = {{0.2, 0.8}, {0.7, 0.3}}, wrong = {{0.7, 0.3}, {0.2, 0.8}};
        Stats.Interval in = Stats.pairedBootstrap(List.<Stats.RowMetric>of(idx -> Stats.classMetric("auroc", right, gold, classes, idx)),
                List.<Stats.RowMetric>of(idx -> Stats.classMetric("auroc", wrong, gold, classes, idx)), 2, 4000, 11);
        assertEquals(1.0, in.diff(), 1e-15);
        assertEquals(1.0, in.lo(), 1e-15);
        assertEquals(1.0, in.hi(), 1e-15);
        assertTrue(in.resamples() > 1800 && in.resamples() < 2200, "about half of 4000 resamples hold both classes: " + in.resamples());
    }
    @Test
    void accuracyAndLogLossAreDefinedOnResamplesOfOneClass() {
        // the same two rows: a resample of one class has no AUROC, but its accuracy and log loss are plain averages
        // over rows (scikit-learn gives both for rows of one class), so every resample counts. Method right on both
        // rows, reference wrong on both: the accuracy difference is 1 on every resample.
        int[] gold = {1, 0};
        List<String> classes = List.of("0", "1");
        double[][] right = {{0.2, 0.8}, {0.7, 0.3}}, wrong = {{0.7, 0.3}, {0.2, 0.8}};
        Stats.Interval acc = Stats.pairedBootstrap(List.<Stats.RowMetric>of(idx -> Stats.classMetric("accuracy", right, gold, classes, idx)),
                List.<Stats.RowMetric>of(idx -> Stats.classMetric("accuracy", wrong, gold, classes, idx)), 2, 4000, 11);
        assertEquals(1.0, acc.diff(), 1e-15);
        assertEquals(4000, acc.resamples(), "accuracy is defined on every resample, one class or two");
        assertEquals(1.0, acc.lo(), 1e-15);
        assertEquals(1.0, acc.hi(), 1e-15);
        // per row, method minus reference log loss: row 0 −ln 0.8 + ln 0.3, row 1 −ln 0.7 + ln 0.2
        double d0 = Math.log(0.3) - Math.log(0.8), d1 = Math.log(0.2) - Math.log(0.7);
        Stats.Interval ll = Stats.pairedBootstrap(List.<Stats.RowMetric>of(idx -> Stats.classMetric("log_loss", right, gold, classes, idx)),
                List.<Stats.RowMetric>of(idx -> Stats.classMetric("log_loss", wrong, gold, classes, idx)), 2, 4000, 11);
        assertEquals(4000, ll.resamples(), "log loss is defined on every resample");
        assertEquals((d0 + d1) / 2, ll.diff(), 1e-12);
        // resamples {0,0}: d0, {1,1}: d1 (each p 1/4), mixed: the mean; the 2.5 % and 97.5 % quantiles are the extremes
        assertEquals(Math.min(d0, d1), ll.lo(), 1e-12);
        assertEquals(Math.max(d0, d1), ll.hi(), 1e-12);
        // one row of class 1 only, as a resample gives it: the metrics by hand
        assertEquals(1.0, Stats.classMetric("accuracy", right, gold, classes, new int[]{0, 0}), 1e-15);
        assertEquals(0.0, Stats.classMetric("accuracy", wrong, gold, classes, new int[]{0, 0}), 1e-15);
        assertEquals(-Math.log(0.8), Stats.classMetric("log_loss", right, gold, classes, new int[]{0, 0}), 1e-12);
        assertTrue(Double.isNaN(Stats.classMetric("auroc", right, gold, classes, new int[]{0, 0})), "AUROC still has no value");
    }

    /**
     * Three classes: the macro one-vs-rest AUROC on all rows averages over a, b and c; a resample without any row of c
     * gave the mean over a and b only (0.8125 here), another quantity mixed into the interval, where now it has no
     * value (left out, as a resample of one class is). References: sklearn 1.2.1 roc_auc_score(y, P,
     * multi_class="ovr") = 0.9166666666666666 on all six rows and 0.9375 on rows [0, 1, 2, 2, 3, 4]; the mean of the
     * binary roc_auc_score of columns a and b on rows [0, 1, 3, 4] is 0.8125.
     */
    @Test
    void aMultiClassResampleLackingAClassHasNoMacroAuroc() {
        double[][] prob = {{0.6, 0.3, 0.1}, {0.2, 0.5, 0.3}, {0.1, 0.2, 0.7}, {0.3, 0.4, 0.3}, {0.4, 0.4, 0.2}, {0.3, 0.3, 0.4}};
        int[] gold = {0, 1, 2, 0, 1, 2};
        List<String> classes = List.of("a", "b", "c");
        assertEquals(0.9166666666666666, Stats.classMetric("auroc", prob, gold, classes, new int[]{0, 1, 2, 3, 4, 5}), 1e-15);
        assertEquals(0.9375, Stats.classMetric("auroc", prob, gold, classes, new int[]{0, 1, 2, 2, 3, 4}), 1e-15);
        assertTrue(Double.isNaN(Stats.classMetric("auroc", prob, gold, classes, new int[]{0, 1, 3, 4})), "no row of c: not a 3-class macro AUROC");
        assertTrue(Double.isNaN(Stats.classMetric("balanced_accuracy", prob, gold, classes, new int[]{0, 1, 3, 4})));
        assertEquals(0.5, Stats.classMetric("accuracy", prob, gold, classes, new int[]{0, 1, 3, 4}), 1e-15, "accuracy is defined on any rows");
    }
}
