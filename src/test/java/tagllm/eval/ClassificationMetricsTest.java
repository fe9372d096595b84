package tagllm.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Classification metrics against hand-computed values (worked out in the comments), scikit-learn's documented
 * examples, and a brute-force pair count for AUROC with many ties.
 */
class ClassificationMetricsTest {
    private static final List<String> BIN = List.of("0", "1");

    private static double[][] binary(double... p) {
        double[][] out = new double[p.length][];
        for (int i = 0; i < p.length; i++) out[i] = new double[]{1 - p[i], p[i]};
        return out;
    }

    /**
     * predict writes a multi-label column as predicted at p >= 0.5, but the metrics took p = 0.5 as negative (argmax of
     * [0.5, 0.5] picks the first class), so eval's F1 described other predictions than the file's. Labels [1, 0, 1, 0],
     * p [0.5, 0.2, 0.9, 0.5]: predicted [1, 0, 1, 1] (tp 2, fp 1, fn 0), sklearn's f1_score([1,0,1,0], [1,0,1,1]) = 0.8,
     * accuracy 3/4, balanced accuracy (1 + 1/2) / 2; the old code gave F1 2/3 (predicted [0, 0, 1, 0]).
     */
    @Test
    void aMultiLabelColumnAtOneHalfCountsAsPredictedLikePredictWritesIt() {
        double[][] p = {{0.5}, {0.2}, {0.9}, {0.5}};
        double[][] gold = {{1}, {0}, {1}, {0}};
        ClassificationMetrics m = ClassificationMetrics.multiLabel(p, gold, List.of("A"));
        assertEquals(0.8, m.f1(), 1e-15);
        assertEquals(0.75, m.accuracy(), 1e-15);
        assertEquals(0.75, m.balancedAccuracy(), 1e-15);
        var spec = new tagllm.task.ClassSpec(tagllm.task.ClassSpec.Kind.MULTILABEL, null, List.of("A"), null, false);
        assertEquals("A", spec.predicted(new double[]{0.5}), "predict's prediction column at p = 0.5");
    }

    @Test
    void scikitLearnDocumentedExamples() {
        // roc_auc_score and average_precision_score docstrings: y_true [0, 0, 1, 1], y_score [0.1, 0.4, 0.35, 0.8]
        boolean[] y = {false, false, true, true};
        double[] s = {0.1, 0.4, 0.35, 0.8};
        assertEquals(0.75, ClassificationMetrics.auroc(s, y), 1e-15);
        assertEquals(0.8333333333333333, ClassificationMetrics.averagePrecision(s, y), 1e-15);
    }

    /**
     * Values printed by scikit-learn 1.2.1 (Debian python3-sklearn) running
     * src/test/resources/tagllm/eval/sklearn_classification_reference.py on these arrays.
     */
    @Test
    void scikitLearnReferenceValues() {
        int[] y = {1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1};
        double[] p = {0.9, 0.3, 0.6, 0.6, 0.6, 0.1, 0.45, 0.45, 0.8, 0.3, 0.2, 0.99};
        ClassificationMetrics b = ClassificationMetrics.compute(binary(p), y, BIN);
        assertEquals(0.8571428571428572, b.auroc(), 1e-15);
        assertEquals(0.8738095238095238, b.auprc(), 1e-15);
        assertEquals(0.75, b.accuracy(), 1e-15);
        assertEquals(0.7571428571428571, b.balancedAccuracy(), 1e-15);
        assertEquals(0.7692307692307692, b.f1(), 1e-15);
        assertEquals(0.4634994078701475, b.logLoss(), 1e-14);
        double[][] pm = {{.5, .3, .2}, {.1, .2, .7}, {.2, .5, .3}, {.4, .4, .2}, {.3, .3, .4}, {.2, .2, .6}, {.3, .4, .3}, {.1, .8, .1}, {.6, .2, .2}};
        ClassificationMetrics m = ClassificationMetrics.compute(pm, new int[]{0, 2, 1, 1, 0, 2, 2, 1, 0}, List.of("a", "b", "c"));
        assertEquals(0.9351851851851851, m.auroc(), 1e-15);
        assertEquals(0.8833333333333333, m.auprc(), 1e-15); // average_precision_score on the one-hot labels, macro
        assertEquals(0.6666666666666666, m.accuracy(), 1e-15);
        assertEquals(0.6666666666666666, m.balancedAccuracy(), 1e-15);
        assertEquals(0.6666666666666666, m.f1(), 1e-15);
        assertEquals(0.7013333827145379, m.logLoss(), 1e-14);
    }

    @Test
    void binaryWithTiesByHand() {
        // scores 0.5 0.5 0.2 0.8 0.5, gold 1 0 0 1 1
        ClassificationMetrics m = ClassificationMetrics.compute(binary(0.5, 0.5, 0.2, 0.8, 0.5), new int[]{1, 0, 0, 1, 1}, BIN);
        // AUROC: 6 positive-negative pairs; the two 0.5-vs-0.5 ties count 1/2 each, the other 4 are won: 5/6
        assertEquals(5.0 / 6, m.auroc(), 1e-15);
        // AP: threshold 0.8 → P 1, R 1/3; 0.5 → P 3/4, R 1; 0.2 adds no recall: 1/3 · 1 + 2/3 · 3/4
        assertEquals(1.0 / 3 + 2.0 / 3 * 3 / 4, m.auprc(), 1e-15);
        // predictions (p > 0.5 → 1; a 0.5 tie goes to the first class): 0 0 0 1 0 → 3 of 5 right
        assertEquals(0.6, m.accuracy(), 1e-15);
        // recall of class 0: 2/2, of class 1: 1/3
        assertEquals((1 + 1.0 / 3) / 2, m.balancedAccuracy(), 1e-15);
        // F1 of class 1: TP 1, FP 0, FN 2 → 2/(2 + 0 + 2)
        assertEquals(0.5, m.f1(), 1e-15);
        // log loss: three rows at p(gold) 0.5, two at 0.8
        assertEquals(-(3 * Math.log(0.5) + 2 * Math.log(0.8)) / 5, m.logLoss(), 1e-15);
        // ECE: bin (0.4, 0.5]: 3 rows, confidence 1.5, 1 right → 0.5; bin (0.7, 0.8]: 2 rows, confidence 1.6, 2 right → 0.4
        assertEquals((0.5 + 0.4) / 5, m.ece(), 1e-15);
        assertArrayEquals(new long[]{2, 3}, m.counts());
    }

    @Test
    void multiClassByHand() {
        double[][] p = {{0.7, 0.2, 0.1}, {0.2, 0.5, 0.3}, {0.1, 0.3, 0.6}, {0.3, 0.3, 0.4}};
        int[] gold = {0, 1, 1, 2};
        ClassificationMetrics m = ClassificationMetrics.compute(p, gold, List.of("a", "b", "c"));
        // predictions 0 1 2 2
        assertEquals(0.75, m.accuracy(), 1e-15);
        assertEquals((1 + 0.5 + 1) / 3, m.balancedAccuracy(), 1e-15);
        // F1 per class: a 1; b TP 1 FN 1 → 2/3; c TP 1 FP 1 → 2/3; macro
        assertEquals((1 + 2.0 / 3 + 2.0 / 3) / 3, m.f1(), 1e-15);
        // one-vs-rest AUROC: a 1; b: (1 + 1 + 1 + 1/2)/4 (0.3 vs 0.3 tie); c: 2 of 3 negatives below 0.4
        assertEquals((1 + 3.5 / 4 + 2.0 / 3) / 3, m.auroc(), 1e-15);
        assertEquals(-(Math.log(0.7) + Math.log(0.5) + Math.log(0.3) + Math.log(0.4)) / 4, m.logLoss(), 1e-15);
        assertArrayEquals(new long[]{1, 2, 1}, m.counts());
    }

    @Test
    void aurocMatchesBruteForcePairCountWithManyTies() {
        Random r = new Random(5);
        for (int trial = 0; trial < 20; trial++) {
            int n = 30 + r.nextInt(40);
            double[] s = new double[n];
            boolean[] y = new boolean[n];
            for (int i = 0; i < n; i++) {
                s[i] = r.nextInt(6) / 5.0; // six distinct values: ties everywhere
                y[i] = r.nextDouble() < 0.4;
            }
            y[0] = true;
            y[1] = false;
            double won = 0;
            long pairs = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (!y[i] || y[j]) continue;
                    pairs++;
                    won += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                }
            }
            assertEquals(won / pairs, ClassificationMetrics.auroc(s, y), 1e-12);
        }
    }

    @Test
    void logLossClipsCertainWrongAnswers() {
        // p(gold) = 0 is clipped to machine epsilon as scikit-learn's log_loss does: finite, not infinite
        ClassificationMetrics m = ClassificationMetrics.compute(binary(1.0, 0.0), new int[]{0, 1}, BIN);
        assertEquals(-Math.log(Math.ulp(1.0)), m.logLoss(), 1e-9);
        assertEquals(0, m.accuracy());
    }

    @Test
    void aSplitWithOneClassIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.compute(binary(0.2, 0.9, 0.4), new int[]{1, 1, 1}, BIN));
        assertTrue(e.getMessage().contains("all 3 rows are of class '1'"), e.getMessage());
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.compute(binary(0.2), new int[]{1}, BIN));
        assertTrue(one.getMessage().startsWith("the only row is of class '1':"), one.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.auroc(new double[]{0.1, 0.2}, new boolean[]{false, false}));
    }

    @Test
    void multiLabelLeavesOutSingleClassColumnsAndMissingLabels() {
        double nan = Double.NaN;
        double[][] p = {{0.9, 0.2, 0.5}, {0.1, 0.8, 0.5}, {0.6, 0.3, 0.5}};
        double[][] gold = {{1, 0, 1}, {0, nan, 1}, {0, 1, nan}};
        ClassificationMetrics m = ClassificationMetrics.multiLabel(p, gold, List.of("x", "y", "z"));
        // x: scores .9 .1 .6, gold 1 0 0 → AUROC 1; y: rows 0 and 2 only, .2 (0) vs .3 (1) → 1; z: one class → left out
        assertEquals(1.0, m.auroc(), 1e-15);
        assertEquals(1, m.undefined().size());
        assertTrue(m.undefined().get(0).contains("'z'"));
        assertArrayEquals(new long[]{1, 1, 2}, m.counts());
        // accuracy: x 0.9→1 ✓, 0.1→0 ✓, 0.6→1 ✗ = 2/3; y: 0.2→0 ✓, 0.3→0 ✗ = 1/2
        assertEquals((2.0 / 3 + 0.5) / 2, m.accuracy(), 1e-15);
    }
}
