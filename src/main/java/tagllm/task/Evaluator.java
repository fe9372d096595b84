package tagllm.task;

import tagllm.util.Plural;
import tagllm.eval.ClassificationMetrics;
import tagllm.eval.RegressionMetrics;
import tagllm.model.Transformer;
import tagllm.tag.TagSet;

import java.util.List;

/** Scores tags on held-out examples: regression and classification metrics, next-token loss (eval's text scores: TextTally). */
public final class Evaluator {
    private Evaluator() {}

    public record RegressionResult(double[] predictions, double[] labels, RegressionMetrics metrics) {}

    /** Class probabilities per example (n × classes) and the metrics against the examples' labels. */
    public record ClassificationResult(double[][] probabilities, ClassificationMetrics metrics) {}

    /** Probabilities for classification examples and their metrics; a split with a single class is refused (IllegalArgumentException). */
    public static ClassificationResult classification(TagPredictor p, TaskSpec task, List<Example> examples) {
        if (examples.isEmpty()) throw new IllegalArgumentException("task " + task.name() + ": no examples to evaluate");
        double[][] prob = p.classProbabilities(task, examples.stream().map(Example::sequence).toList());
        return new ClassificationResult(prob, classificationMetrics(task, prob, examples));
    }

    /**
     * The metrics of given probabilities against the examples' labels (binary, multi-class or multi-label). Rows whose
     * probabilities are not finite are refused first ({@link NonFiniteOutputs}), naming the first one's file and line.
     */
    public static ClassificationMetrics classificationMetrics(TaskSpec task, double[][] prob, List<Example> examples) {
        NonFiniteOutputs.check(task.name(), prob, examples);
        boolean multiLabel = task.classes().multiLabel();
        return classificationMetrics(task, prob, multiLabel ? null : examples.stream().mapToInt(e -> (int) e.label()).toArray(),
                multiLabel ? examples.stream().map(Example::targets).toArray(double[][]::new) : null,
                examples.isEmpty() ? null : examples.get(0).source());
    }

    /**
     * The same from the labels (single-label tasks) or targets (multi-label) alone; {@code source}, the file of the
     * first row, names the rows in a refusal.
     */
    static ClassificationMetrics classificationMetrics(TaskSpec task, double[][] prob, int[] labels, double[][] targets, String source) {
        ClassSpec cs = task.classes();
        try {
            if (cs.multiLabel()) return ClassificationMetrics.multiLabel(prob, targets, cs.classes());
            return ClassificationMetrics.compute(prob, labels, cs.classes());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("task " + task.name() + " (" + Plural.count(prob.length, "row") + " from " + source + "): " + e.getMessage(), e);
        }
    }


    /**
     * Predictions for examples rendered as training examples (cut at the read position); labels from the rows. A
     * prediction that is not finite is refused ({@link NonFiniteOutputs}), naming the first one's file and line.
     */
    public static RegressionResult regression(TagPredictor p, TaskSpec task, List<Example> examples) {
        if (examples.isEmpty()) throw new IllegalArgumentException("task " + task.name() + ": no examples to evaluate");
        double[] pred = p.predictValues(task, examples.stream().map(Example::sequence).toList());
        NonFiniteOutputs.check(task.name(), pred, examples);
        double[] gold = examples.stream().mapToDouble(Example::label).toArray();
        return new RegressionResult(pred, gold, RegressionMetrics.compute(pred, gold));
    }

    /**
     * Mean next-token cross-entropy over every text target of the examples (tag slots are never targets):
     * the held-out loss that stage 1 lowers.
     */
    public static double languageModelLoss(Transformer model, TagSet tags, List<Example> examples) {
        LanguageModelLoss loss = new LanguageModelLoss(model, tags);
        examples.forEach(loss::add);
        return loss.mean();
    }
}
