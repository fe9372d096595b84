package tagllm.train;

import tagllm.head.HeadInit;
import tagllm.head.RegressionHead;
import tagllm.head.Ridge;
import tagllm.model.Transformer;
import tagllm.tag.TagSet;
import tagllm.task.Example;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;

import java.util.List;

/**
 * The regression side of a run's heads (ClassificationHeads is the classification side): a new head per
 * regression function tag, with its label scaling or standardisation, and its ridge initialisation.
 */
public final class RegressionHeads {
    private RegressionHeads() {}

    /** A new head for a regression task's function tag: rows = the mean token embedding as in the code, or zero. */
    static void create(TagSet tags, TaskSpec t, List<Example> train, EmbeddingStatistics embed) {
        String f = t.headKey();
        if (tags.head(f) != null) return;
        // the head learns z = (y - shift) / scale and reports y: label_scale (DC's 0.1, as the code scales its
        // targets) is a fixed scale, standardisation takes the training labels' mean and deviation instead
        double[] shift = null, scale = new double[]{1 / t.labelScale()};
        if (t.head().standardize()) {
            double mean = train.stream().mapToDouble(Example::label).average().orElse(0);
            double var = train.stream().mapToDouble(e -> (e.label() - mean) * (e.label() - mean)).average().orElse(1);
            shift = new double[]{mean};
            scale = new double[]{var > 0 ? Math.sqrt(var) : 1};
        }
        // ridge starts from zero too: fitRidge replaces the weights once the stage's tags exist
        float[] rowInit = t.head().init() == HeadInit.EMBEDDING ? embed.mean() : new float[embed.mean().length];
        tags.putHead(RegressionHead.initial(f, t.head().outputs(), rowInit, t.head().bias(), shift, scale));
    }

    /**
     * Sets a new head to the ridge fit of its head-space targets on the hidden states at the read position
     * under the current tags; λ is chosen on the valid examples (or, without any, on the last fifth of the
     * training ones), then the head is refitted on all training rows at that λ.
     */
    static Ridge fitRidge(Transformer model, TagSet tags, TaskSpec t, List<Example> train, List<Example> valid) {
        RegressionHead head = tags.head(t.headKey());
        HeadFitRows rows = HeadFitRows.of(t, train, valid);
        List<Example> fitOn = rows.fitOn(), pickOn = rows.pickOn();
        double[][] xFit = HiddenStates.atReadPositions(model, tags, fitOn), xPick = HiddenStates.atReadPositions(model, tags, pickOn);
        // ridge on non-finite states failed with "not positive definite (raise λ)", naming no row and no cause
        tagllm.task.NonFiniteOutputs.check(t.name(), tagllm.task.NonFiniteOutputs.HIDDEN_STATES, xFit, fitOn);
        tagllm.task.NonFiniteOutputs.check(t.name(), tagllm.task.NonFiniteOutputs.HIDDEN_STATES, xPick, pickOn);
        Ridge chosen = Ridge.select(xFit, targets(head, fitOn), xPick, targets(head, pickOn), head.bias() != null);
        Ridge r = !rows.refit() ? chosen
                : Ridge.fit(HiddenStates.atReadPositions(model, tags, train), targets(head, train), chosen.lambda(), head.bias() != null);
        float[] w = head.weight();
        for (int j = 0; j < w.length; j++) w[j] = (float) r.weights()[j];
        if (head.bias() != null) head.bias()[0] = (float) r.intercept();
        return r;
    }

    private static double[] targets(RegressionHead head, List<Example> ex) {
        return ex.stream().mapToDouble(e -> head.toHeadSpace(0, e.label())).toArray();
    }

    /**
     * The mean squared error in the head's space (standardised or scaled labels) on the valid examples, lower is
     * better: what early stopping follows for a regression task (ClassificationHeads.validationScore for classes).
     */
    public static double validationScore(TagPredictor p, RegressionHead head, TaskSpec t, List<Example> valid) {
        double[] pred = p.predictValues(t, valid.stream().map(Example::sequence).toList());
        // a NaN score would read as "no score at this step" and training would go on past an overflowing head
        tagllm.task.NonFiniteOutputs.check(t.name(), pred, valid);
        double se = 0;
        for (int i = 0; i < pred.length; i++) {
            double diff = head.toHeadSpace(0, pred[i]) - head.toHeadSpace(0, valid.get(i).label());
            se += diff * diff;
        }
        return se / pred.length;
    }
}
