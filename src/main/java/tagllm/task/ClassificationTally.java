package tagllm.task;

import tagllm.eval.ClassificationMetrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Classification scored a chunk of prompts at a time: each row keeps only its class probabilities and its label (or
 * multi-label targets), so that a large split is scored without holding every rendered prompt. Each prompt's
 * probabilities do not depend on the other prompts of its batch, so the metrics are those of {@link Evaluator#classification}
 * over all the examples at once.
 */
public final class ClassificationTally {
    private final TagPredictor predictor;
    private final TaskSpec task;
    private final List<double[]> probabilities = new ArrayList<>();
    /** The single-label tasks' class indices, the first labelCount of them (a builder would answer metrics() once). */
    private int[] labels = new int[64];
    private int labelCount;
    private final List<double[]> targets = new ArrayList<>();
    private String firstSource;
    /** Rows whose probabilities are not finite, and the first of them: "file:line: [NaN, NaN]". */
    private long nonFinite;
    private String firstNonFinite;

    public ClassificationTally(TagPredictor predictor, TaskSpec task) {
        this.predictor = predictor;
        this.task = task;
    }

    /** Scores a chunk of examples, in order after those added before. */
    public void add(List<Example> chunk) {
        if (chunk.isEmpty()) return;
        if (firstSource == null) firstSource = chunk.get(0).source();
        double[][] z = predictor.classProbabilities(task, chunk.stream().map(Example::sequence).toList());
        boolean multiLabel = task.classes().multiLabel();
        for (int i = 0; i < z.length; i++) {
            String why = TagPredictor.nonFiniteProbabilitiesError(z[i]);
            if (why != null && nonFinite++ == 0) firstNonFinite = chunk.get(i).source() + ":" + chunk.get(i).line() + ": " + Arrays.toString(z[i]);
            probabilities.add(z[i]);
            if (multiLabel) targets.add(chunk.get(i).targets());
            else {
                if (labelCount == labels.length) labels = Arrays.copyOf(labels, 2 * labels.length);
                labels[labelCount++] = (int) chunk.get(i).label();
            }
        }
    }

    /** The metrics of every example added; a split with a single class is refused (IllegalArgumentException). */
    public ClassificationMetrics metrics() {
        if (probabilities.isEmpty()) throw new IllegalArgumentException("task " + task.name() + ": no examples to evaluate");
        // as predict and serve call such a row an error: without it the metrics' own check said "row 0: probability NaN
        // is not in [0, 1]", a position among the scored rows rather than the file's line, and not why
        if (nonFinite > 0) {
            throw new NonFiniteOutputs(task.name(), NonFiniteOutputs.PROBABILITIES, nonFinite, probabilities.size(), firstNonFinite);
        }
        return Evaluator.classificationMetrics(task, probabilities.toArray(double[][]::new), Arrays.copyOf(labels, labelCount),
                targets.toArray(double[][]::new), firstSource);
    }
}
