package tagllm.task;

import tagllm.util.Plural;

import java.util.Arrays;
import java.util.List;

/**
 * Scored rows whose class probabilities, regression predictions (or, for the probes, final hidden states) came out non-finite: a hidden
 * state or head beyond float's range makes σ or the softmax NaN, and no metric is defined over them. Its own type so
 * that compare records the run as failed, as a diverged one, where eval, train and the suite fail with it (an
 * IllegalArgumentException, exit 1). The message names how many rows and the first one's file and line, as predict
 * names such a row ({@link TagPredictor#nonFiniteProbabilitiesError}); the metrics' own range check named a position
 * among the scored rows, and not why.
 */
public final class NonFiniteOutputs extends IllegalArgumentException {
    public static final String PROBABILITIES = "class probabilities";
    public static final String HIDDEN_STATES = "final hidden states";
    /** A regression head's values (a head over an overflowing hidden state gives NaN or ±Infinity). */
    public static final String PREDICTIONS = "predictions";

    public NonFiniteOutputs(String task, String what, long count, long total, String first) {
        super("task " + task + ": the model gave non-finite " + what + " for " + count + " of " + Plural.count(total, "scored row")
                + " (the first: " + first + "): no metric is defined (a diverged head or tags, or activations beyond float's range)");
    }

    /** Throws when any example's regression prediction is not finite. */
    public static void check(String task, double[] predictions, List<Example> examples) {
        long count = 0;
        String first = null;
        for (int i = 0; i < predictions.length; i++) {
            if (Double.isFinite(predictions[i])) continue;
            if (count++ == 0) first = at(examples.get(i), predictions[i]);
        }
        if (count > 0) throw new NonFiniteOutputs(task, PREDICTIONS, count, predictions.length, first);
    }

    /** How the first non-finite prediction is named: its row's file and line, and the value. */
    public static String at(Example e, double prediction) { return e.source() + ":" + e.line() + ": " + prediction; }

    /** Throws when any example's class probabilities are not all finite. */
    public static void check(String task, double[][] prob, List<Example> examples) { check(task, PROBABILITIES, prob, examples); }

    /** Throws when any example's row of values (what: {@link #PROBABILITIES}, {@link #HIDDEN_STATES}) is not all finite. */
    public static void check(String task, String what, double[][] rows, List<Example> examples) {
        long count = 0;
        String first = null;
        for (int i = 0; i < rows.length; i++) {
            if (Arrays.stream(rows[i]).allMatch(Double::isFinite)) continue;
            if (count++ == 0) {
                String values = what.equals(PROBABILITIES) ? Arrays.toString(rows[i]) : "[" + rows[i].length + " values, not all finite]";
                first = examples.get(i).source() + ":" + examples.get(i).line() + ": " + values;
            }
        }
        if (count > 0) throw new NonFiniteOutputs(task, what, count, rows.length, first);
    }
}
