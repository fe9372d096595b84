package tagllm.train;

import tagllm.util.Plural;
import tagllm.head.Ridge;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.TagSet;

import java.util.Arrays;
import java.util.List;

/**
 * The paper's linear-probing baseline in closed form: ridge regression (with an intercept) on the frozen
 * model's final-norm hidden state at the last position of the task's prompt with every tag dropped
 * (the template ends right before the label, "...is "). The ridge strength is picked on a validation set
 * ({@link Ridge}).
 */
public final class LinearProbe {

    private final Ridge ridge;

    private LinearProbe(Ridge ridge) { this.ridge = ridge; }

    public double lambda() { return ridge.lambda(); }

    /** Final-norm hidden state at the last position of each prompt (n × d). */
    public static double[][] features(Transformer model, List<Sequence> prompts) {
        return HiddenStates.at(model, new TagSet(null, null), prompts, s -> s.length() - 1);
    }

    /**
     * Fits ridge on train for each λ in a grid and keeps the one with the lowest validation MSE. Without validation
     * rows λ is chosen on the last fifth of the training rows (fitted on the rest) and the probe refitted on all of
     * them at that λ, as a head's ridge init does: chosen on the rows it was fitted to, λ would always be the grid's
     * smallest, since less shrinkage always fits those rows better.
     */
    public static LinearProbe fit(double[][] xTrain, double[] yTrain, double[][] xValid, double[] yValid) {
        if (xValid.length > 0) return new LinearProbe(Ridge.select(xTrain, yTrain, xValid, yValid, true));
        if (xTrain.length < 5) {
            throw new IllegalArgumentException("linear probe: no valid rows and " + Plural.count(xTrain.length, "training row")
                    + "; choosing λ needs a valid split or at least 5 training rows");
        }
        int cut = xTrain.length - xTrain.length / 5;
        Ridge chosen = Ridge.select(Arrays.copyOf(xTrain, cut), Arrays.copyOf(yTrain, cut), Arrays.copyOfRange(xTrain, cut, xTrain.length),
                Arrays.copyOfRange(yTrain, cut, yTrain.length), true);
        return new LinearProbe(Ridge.fit(xTrain, yTrain, chosen.lambda(), true));
    }

    /** Ridge with an unpenalised intercept at one λ. */
    public static LinearProbe fit(double[][] x, double[] y, double lambda) {
        return new LinearProbe(Ridge.fit(x, y, lambda, true));
    }

    public double predict(double[] x) { return ridge.predict(x); }
}
