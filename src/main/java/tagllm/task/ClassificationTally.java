package tagllm.task;

import tagllm.eval.ClassificationMetrics;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

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
    private final IntStream.Builder labels = IntStream.builder();
    private final List<double[]> targets = new ArrayList<>();
    private String firstSource;

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
            probabilities.add(z[i]);
            if (multiLabel) targets.add(chunk.get(i).targets());
            else labels.add((int) chunk.get(i).label());
        }
    }

    /** The metrics of every example added; a split with a single class is refused (IllegalArgumentException). */
    public ClassificationMetrics metrics() {
        if (probabilities.isEmpty()) throw new IllegalArgumentException("task " + task.name() + ": no examples to evaluate");
        return Evaluator.classificationMetrics(task, probabilities.toArray(double[][]::new), labels.build().toArray(),
                targets.toArray(double[][]::new), firstSource);
    }
}
