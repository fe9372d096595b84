package tagllm.task;

import tagllm.head.Logits;

import java.util.List;
import java.util.Locale;

/**
 * What a classification task predicts. BINARY: two classes, one logit, p(second class) = σ(z) (the
 * first class is the negative one). MULTICLASS: three or more classes, one logit each, softmax. MULTILABEL:
 * several 0/1 label columns at once, one logit each, a sigmoid per column (an empty cell is a missing label
 * and costs nothing, as in MoleculeNet's Tox21).
 *
 * <p>{@code classes} is null until known: given by the task ({@code classes: [...]}) or taken from the
 * training rows ({@link ClassLabels#resolve}). {@code weights} (one per class; for multi-label one per column,
 * weighting its positives) is null for unweighted; {@code balanced} asks for n / (k · count) per class from the
 * training rows, as scikit-learn's {@code class_weight="balanced"}.
 */
public record ClassSpec(Kind kind, List<String> classes, List<String> labelColumns, List<Double> weights, boolean balanced)
        implements java.io.Serializable {

    public enum Kind {
        BINARY, MULTICLASS, MULTILABEL;

        public String label() { return name().toLowerCase(Locale.ROOT); }
    }

    public ClassSpec {
        classes = classes == null ? null : List.copyOf(classes);
        labelColumns = labelColumns == null ? List.of() : List.copyOf(labelColumns);
        weights = weights == null ? null : List.copyOf(weights);
        if (classes != null && kind == null) kind = classes.size() == 2 ? Kind.BINARY : Kind.MULTICLASS;
        if (kind == Kind.MULTILABEL) classes = labelColumns;
    }

    /** A single-column task whose classes are not known yet. */
    public static ClassSpec unresolved(List<Double> weights, boolean balanced) { return new ClassSpec(null, null, null, weights, balanced); }

    public boolean resolved() { return classes != null; }

    public int size() { return classes.size(); }

    /** Logits the head has: one for binary, one per class (or label column) otherwise. */
    public int outputs() { return kind == Kind.BINARY ? 1 : classes.size(); }

    public boolean multiLabel() { return kind == Kind.MULTILABEL; }

    /** The weight of class (or label column) c; 1 when unweighted. */
    public double weight(int c) { return weights == null ? 1 : weights.get(c); }

    public ClassSpec withClasses(List<String> cls, List<Double> w) { return new ClassSpec(null, cls, labelColumns, w, balanced); }

    public ClassSpec withWeights(List<Double> w) { return new ClassSpec(kind, kind == Kind.MULTILABEL ? null : classes, labelColumns, w, balanced); }

    /**
     * The index of a label value among the classes: the same string, or for numeric classes the same number
     * ("1" and "1.0" are one class). -1 when it is none of them.
     */
    public int indexOf(String value) {
        String v = value.strip();
        int i = classes.indexOf(v);
        if (i >= 0) return i;
        Double x = ClassLabels.number(v);
        if (x == null) return -1;
        for (int c = 0; c < classes.size(); c++) {
            Double y = ClassLabels.number(classes.get(c));
            if (y != null && y.doubleValue() == x.doubleValue()) return c;
        }
        return -1;
    }

    /**
     * Class probabilities from the head's logits: binary gives [1 − σ(z), σ(z)], multi-class the softmax,
     * multi-label σ per column (they need not sum to 1).
     */
    public double[] probabilities(double[] logits) {
        switch (kind) {
            case BINARY -> {
                double p = Logits.sigmoid(logits[0]);
                return new double[]{1 - p, p};
            }
            case MULTILABEL -> {
                double[] p = new double[logits.length];
                for (int i = 0; i < p.length; i++) p[i] = Logits.sigmoid(logits[i]);
                return p;
            }
            default -> {
                return Logits.softmax(logits);
            }
        }
    }

    /** The predicted class: the most probable one (binary and multi-class); for multi-label the columns with p ≥ 0.5, ';'-joined. */
    public String predicted(double[] probabilities) {
        if (kind == Kind.MULTILABEL) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < probabilities.length; i++) {
                if (probabilities[i] >= 0.5) b.append(b.isEmpty() ? "" : ";").append(classes.get(i));
            }
            return b.toString();
        }
        int best = 0;
        for (int i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
        return classes.get(best);
    }
}
