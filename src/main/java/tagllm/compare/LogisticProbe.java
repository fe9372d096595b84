package tagllm.compare;

import tagllm.util.Plural;
import tagllm.head.Logistic;

import java.util.Arrays;

/**
 * The probe of a classification task: L2 logistic regression ({@link Logistic}, the same fit that initialises a
 * classification head) on the frozen model's final hidden state, with an intercept, rows weighted by the task's
 * class weights as its loss weights them. λ is the one of {@link tagllm.head.Ridge#LAMBDAS} with the lowest
 * weighted valid log loss, the model fitted on the training rows; without valid rows λ is chosen on the last fifth
 * of the training rows and the model refitted on all of them (as the head's logistic init does).
 */
public final class LogisticProbe {
    private LogisticProbe() {}

    /**
     * The fit on the training rows, λ chosen on the valid rows (else as the class comment says).
     *
     * @param yTrain  class indices (binary: 0/1, one logit for class 1); {@code yValid} alike
     * @param sTrain  per-row weights (null: 1); {@code sValid} alike
     * @param classes the task's number of classes
     */
    public static Logistic fit(double[][] xTrain, int[] yTrain, double[] sTrain, double[][] xValid, int[] yValid, double[] sValid, int classes) {
        if (xTrain.length == 0) throw new IllegalArgumentException("logistic probe: no training rows");
        if (xValid.length > 0) return Logistic.select(xTrain, yTrain, sTrain, xValid, yValid, sValid, classes);
        if (xTrain.length < 5) throw new IllegalArgumentException("logistic probe: no valid rows and " + Plural.count(xTrain.length, "training row")
                + "; choosing λ needs a valid split or at least 5 training rows");
        int cut = xTrain.length - xTrain.length / 5;
        Logistic chosen = Logistic.select(Arrays.copyOf(xTrain, cut), Arrays.copyOf(yTrain, cut), sTrain == null ? null : Arrays.copyOf(sTrain, cut),
                Arrays.copyOfRange(xTrain, cut, xTrain.length), Arrays.copyOfRange(yTrain, cut, yTrain.length),
                sTrain == null ? null : Arrays.copyOfRange(sTrain, cut, sTrain.length), classes);
        return Logistic.fit(xTrain, yTrain, sTrain, classes, chosen.lambda());
    }
}
