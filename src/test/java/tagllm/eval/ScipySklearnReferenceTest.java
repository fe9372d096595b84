package tagllm.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Metrics on random inputs with ties on both sides against scipy 1.10.1 and scikit-learn 1.2.1 (Debian's
 * python3-scipy / python3-sklearn). The inputs and expected values were printed by one script: numpy
 * default_rng(7); regression gold = round(normal(12), 1) with gold[3] = gold[7] = gold[5], pred = round(gold +
 * normal(0, 0.7), 1) with pred[0] = pred[8] = pred[1]; then binary y = integers(0, 2, 15), s = round(random(15), 1);
 * then 3 classes y3 = integers(0, 3, 14), P = dirichlet([1, 1, 1]) rounded to 2 places with column 2 = 1 − the others.
 * Expected: sklearn mean_squared_error, mean_absolute_error, r2_score, roc_auc_score (multi_class="ovr"),
 * average_precision_score (macro over one-hot labels), balanced_accuracy_score, f1_score, accuracy_score, log_loss
 * (predictions: s > 0.5, and P.argmax(1)); scipy.stats pearsonr and spearmanr.
 */
class ScipySklearnReferenceTest {
    @Test
    void regressionWithTiesOnBothSides() {
        double[] gold = {0.0, 0.3, -0.3, -1.0, -0.5, -1.0, 0.1, -1.0, -0.5, -0.6, 0.5, 0.4};
        double[] pred = {-0.4, -0.4, -0.3, -0.5, -1.4, -1.3, -1.2, -1.9, -0.4, -0.8, -0.4, 0.6};
        RegressionMetrics m = RegressionMetrics.compute(pred, gold);
        assertEquals(0.43333333333333335, m.mse(), 1e-14);
        assertEquals(0.5333333333333333, m.mae(), 1e-14);
        assertEquals(0.6582805886043833, m.rmse(), 1e-14);
        assertEquals(-0.5384615384615388, m.r2(), 1e-13);
        assertEquals(0.6082569998851393, m.pearson(), 1e-14);
        assertEquals(0.6517318244762358, m.spearman(), 1e-14);
        assertTrue(m.undefined().isEmpty(), m.undefined().toString());
    }

    @Test
    void binaryWithTiedScores() {
        int[] y = {0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0};
        double[] s = {0.0, 0.2, 0.7, 0.2, 0.4, 0.0, 0.8, 0.2, 0.3, 0.9, 0.5, 0.8, 0.6, 0.7, 0.1};
        double[][] prob = new double[s.length][];
        for (int i = 0; i < s.length; i++) prob[i] = new double[]{1 - s[i], s[i]};
        ClassificationMetrics m = ClassificationMetrics.compute(prob, y, List.of("0", "1"));
        assertEquals(0.6964285714285714, m.auroc(), 1e-14);
        assertEquals(0.746031746031746, m.auprc(), 1e-14);
        assertEquals(0.5267857142857143, m.balancedAccuracy(), 1e-14);
        assertEquals(0.4615384615384615, m.f1(), 1e-14);
        assertEquals(0.5333333333333333, m.accuracy(), 1e-14);
        assertEquals(0.6824449711608364, m.logLoss(), 1e-13);
        // ECE (no sklearn function): an independent numpy version, bins (lo, hi] at np.linspace(0, 1, 11) (0 in the
        // first), Σ |right − Σ confidence| / n over the bins of P.max(1) and P.argmax(1) with P = [1 − s, s]
        assertEquals(0.33333333333333326, m.ece(), 1e-14);
    }

    @Test
    void threeClassesWithATieForTheTopClass() {
        int[] y = {0, 0, 1, 2, 1, 1, 2, 2, 1, 1, 1, 0, 0, 1};
        double[][] p = {{0.07, 0.09, 0.84}, {0.36, 0.51, 0.13}, {0.43, 0.25, 0.32000000000000006}, {0.04, 0.71, 0.25},
                {0.44, 0.01, 0.55}, {0.39, 0.39, 0.21999999999999997}, {0.38, 0.44, 0.18}, {0.13, 0.62, 0.25},
                {0.68, 0.1, 0.21999999999999995}, {0.73, 0.26, 0.010000000000000009}, {0.28, 0.1, 0.62}, {0.37, 0.43, 0.2},
                {0.0, 0.92, 0.07999999999999996}, {0.42, 0.03, 0.55}};
        ClassificationMetrics m = ClassificationMetrics.compute(p, y, List.of("a", "b", "c"));
        assertEquals(0.24386209029066172, m.auroc(), 1e-14);
        assertEquals(0.2910312240669383, m.auprc(), 1e-14);
        // argmax [2, 1, 0, 1, 2, 0 (0.39 = 0.39: the first), 1, 1, 0, 0, 2, 1, 1, 2]: no row right
        assertEquals(0.0, m.f1(), 1e-15);
        assertEquals(0.0, m.balancedAccuracy(), 1e-15);
        assertEquals(0.0, m.accuracy(), 1e-15);
        assertEquals(4.399862779678471, m.logLoss(), 1e-13);
        assertEquals(0.6014285714285715, m.ece(), 1e-14); // the numpy ECE of binaryWithTiedScores
    }

    /**
     * A class with no test row that is never predicted: AUROC and AUPRC leave it out and say so; F1's macro mean
     * counts it as 0, as docs/data-and-metrics.md says, which is sklearn's f1_score(y, pred, average="macro",
     * labels=[0, 1, 2]) = 0.48888888888888893 (sklearn's default labels, those in y or pred, would give
     * 0.7333333333333334). y = [0, 1, 1, 1], pred = argmax = [0, 1, 0, 1]; balanced_accuracy_score = 0.8333333333333333;
     * mean of roc_auc_score / average_precision_score over the columns of the present classes: 1.0 each;
     * log_loss(y, P, labels=[0, 1, 2]) = 0.4003674356962311 (the 0 column clipped to ε and renormalised).
     */
    @Test
    void aClassWithNoRowAndNoPrediction() {
        double[][] p = {{0.9, 0.1, 0}, {0.2, 0.8, 0}, {0.6, 0.4, 0}, {0.3, 0.7, 0}};
        ClassificationMetrics m = ClassificationMetrics.compute(p, new int[]{0, 1, 1, 1}, List.of("a", "b", "c"));
        assertEquals(0.48888888888888893, m.f1(), 1e-15);
        assertEquals(0.8333333333333333, m.balancedAccuracy(), 1e-15);
        assertEquals(1.0, m.auroc(), 1e-15);
        assertEquals(1.0, m.auprc(), 1e-15);
        assertEquals(0.4003674356962311, m.logLoss(), 1e-14);
        assertEquals(List.of("AUROC and AUPRC leave out class 'c': no row of it; F1's macro mean counts it as 0 (never predicted either; scikit-learn's default labels would leave it out)"), m.undefined());
    }
}
