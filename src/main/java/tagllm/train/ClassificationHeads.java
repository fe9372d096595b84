package tagllm.train;

import tagllm.config.ConfigException;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.head.HeadInit;
import tagllm.head.Logistic;
import tagllm.head.RegressionHead;
import tagllm.model.Transformer;
import tagllm.tag.TagSet;
import tagllm.task.ClassLabels;
import tagllm.task.ClassSpec;
import tagllm.task.DataSpec;
import tagllm.task.Evaluator;
import tagllm.task.Example;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The classification side of a run: classes found in the training rows before the first stage, a new head per
 * classification function tag (one logit for binary, one per class otherwise; the same linear map as a
 * regression head, without label scaling), its logistic-regression initialisation, and the validation score.
 */
public final class ClassificationHeads {
    private ClassificationHeads() {}

    /** The experiment with every classification task's classes (and balanced weights) read from its training rows. */
    public static Experiment resolveClasses(Experiment exp, ExperimentRunner.RowLoader rows) throws IOException {
        return resolveClasses(exp, rows, false);
    }

    /**
     * As {@link #resolveClasses(Experiment, ExperimentRunner.RowLoader)}; {@code strict} (--strict): a bad row the read
     * or the split finds is not reported here, as the stage that renders the task's rows reports the first bad row in
     * file order (a bad label before it included): the classes come from the training rows before it. When those
     * rows give no classes, the bad row is reported here.
     */
    public static Experiment resolveClasses(Experiment exp, ExperimentRunner.RowLoader rows, boolean strict) throws IOException {
        Map<String, TaskSpec> tasks = new LinkedHashMap<>(exp.tasks());
        boolean changed = false;
        for (Map.Entry<String, TaskSpec> e : tasks.entrySet()) {
            TaskSpec t = e.getValue();
            if (t.type() != TaskType.CLASSIFICATION) continue;
            DataSpec ds = exp.data().get(e.getKey());
            ClassSpec cs = t.classes();
            boolean needsRows = !cs.resolved() || (cs.balanced() && cs.weights() == null);
            if (!needsRows) continue;
            if (ds == null) throw new IllegalArgumentException("task " + e.getKey() + ": its classes are not listed (classes: [...]) and it has no data to find them in");
            RowIssues held = RowIssues.firstInFileOrder();
            List<Row> train = strict ? rows.load(ds, "train", held) : rows.load(ds, "train");
            if (ds.maxTrain() > 0 && train.size() > ds.maxTrain()) train = train.subList(0, ds.maxTrain());
            try {
                e.setValue(ClassLabels.resolve(t, train));
            } catch (ConfigException cut) {
                // the rows before the bad one may be too few to show the classes: the bad row is what stops the run
                held.throwFirst();
                throw cut;
            }
            changed = true;
        }
        if (!changed) return exp;
        return exp.toBuilder().tasks(tasks).build();
    }

    /**
     * Refuses a binary or multi-class task whose training examples (the rows that fit, to max_train) are all of one
     * class: its head could only learn to answer that class, with a confidence the logistic start makes near 1 for
     * every input. The usual cause is a file sorted by label (DeepSol's first 1,000 rows are soluble), as max_train
     * takes the first rows of the split in file order. {@code where} begins the message (the stage, or compare).
     */
    public static void requireTwoClassesToTrain(String where, TaskSpec t, DataSpec ds, List<Example> train) {
        ClassSpec cs = t.classes();
        if (cs == null || cs.multiLabel() || train.isEmpty()) return;
        long[] count = new long[cs.size()];
        for (Example e : train) if (!Double.isNaN(e.label())) count[(int) e.label()]++;
        requireTwoClasses(where, t, ds, count, train.size());
    }

    /**
     * {@link #requireTwoClassesToTrain} on the rows' count per class ({@code rows} rows in all, none: nothing to say here,
     * the stage says it has no usable rows).
     */
    static void requireTwoClasses(String where, TaskSpec t, DataSpec ds, long[] count, long rows) {
        ClassSpec cs = t.classes();
        if (rows == 0) return;
        int present = 0, only = -1;
        for (int c = 0; c < count.length; c++) {
            if (count[c] > 0) {
                present++;
                only = c;
            }
        }
        if (present >= 2) return;
        throw new IllegalArgumentException(where + ": task " + t.name() + ": " + (rows == 1 ? "its only training row is"
                + " of class '" + cs.classes().get(only) + "'" : "all " + rows + " training rows used are of class '"
                + cs.classes().get(only) + "'") + " (classes " + cs.classes() + ") in " + ds.path() + ": a classifier needs rows of at least two"
                + " classes to learn from. max_train takes the first rows of the split that fit, in file order, so a file sorted by its label"
                + " gives one class: shuffle the file's rows, or raise max_train");
    }

    /** A new head: rows = the mean token embedding (the paper's init) or zero (zero and logistic), no label scaling. */
    public static void ensureHead(TagSet tags, TaskSpec t, float[] meanEmbedding) {
        String f = t.headKey();
        if (tags.head(f) != null) return;
        float[] rowInit = t.head().init() == HeadInit.EMBEDDING ? meanEmbedding : new float[meanEmbedding.length];
        tags.putHead(RegressionHead.initial(f, t.classes().outputs(), rowInit, t.head().bias(), null, null));
    }

    /**
     * Sets a new head to the L2 logistic regression of the classes on the hidden states at the read position
     * under the current tags, rows weighted by their class weights; λ chosen by validation log loss (without
     * valid rows: on the last fifth of the training rows, then refitted on all). Multi-label: one binary fit per
     * column on the rows that have its label. Returns the chosen λ (per column for multi-label).
     */
    public static String fitLogisticHead(Transformer model, TagSet tags, TaskSpec t, List<Example> train, List<Example> valid) {
        RegressionHead head = tags.head(t.headKey());
        ClassSpec cs = t.classes();
        HeadFitRows rows = HeadFitRows.of(t, train, valid);
        List<Example> fitOn = rows.fitOn(), pickOn = rows.pickOn();
        double[][] xFit = HiddenStates.atReadPositions(model, tags, fitOn), xPick = HiddenStates.atReadPositions(model, tags, pickOn);
        // the logistic fit on non-finite states named no row and no cause, as ridge's did
        tagllm.task.NonFiniteOutputs.check(t.name(), tagllm.task.NonFiniteOutputs.HIDDEN_STATES, xFit, fitOn);
        tagllm.task.NonFiniteOutputs.check(t.name(), tagllm.task.NonFiniteOutputs.HIDDEN_STATES, xPick, pickOn);
        double[][] xAll = !rows.refit() ? xFit : HiddenStates.atReadPositions(model, tags, train);
        int d = head.hidden();
        float[] w = head.weight();
        boolean bias = head.bias() != null;
        if (!cs.multiLabel()) {
            int classes = cs.size();
            Logistic chosen = Logistic.select(xFit, labels(fitOn), weights(cs, fitOn), xPick, labels(pickOn), weights(cs, pickOn), classes, bias);
            Logistic m = !rows.refit() ? chosen : Logistic.fit(xAll, labels(train), weights(cs, train), classes, chosen.lambda(), bias);
            for (int j = 0; j < w.length; j++) w[j] = (float) m.weights()[j];
            if (bias) for (int c = 0; c < head.bias().length; c++) head.bias()[c] = (float) m.intercept()[c];
            return Double.toString(m.lambda());
        }
        List<String> lambdas = new ArrayList<>();
        for (int c = 0; c < cs.size(); c++) {
            Column fit = column(xFit, fitOn, c, cs), pick = column(xPick, pickOn, c, cs), all = column(xAll, train, c, cs);
            if (distinct(fit.y) < 2 || pick.y.length == 0 || distinct(all.y) < 2) {
                lambdas.add("-");
                continue; // a column with one class in these rows keeps its zero start
            }
            Logistic chosen = Logistic.select(fit.x, fit.y, fit.s, pick.x, pick.y, pick.s, 2, bias);
            Logistic m = !rows.refit() ? chosen : Logistic.fit(all.x, all.y, all.s, 2, chosen.lambda(), bias);
            for (int j = 0; j < d; j++) w[c * d + j] = (float) m.weights()[j];
            if (bias) head.bias()[c] = (float) m.intercept()[0];
            lambdas.add(Double.toString(m.lambda()));
        }
        return String.join("/", lambdas);
    }

    private record Column(double[][] x, int[] y, double[] s) {}

    private static Column column(double[][] x, List<Example> ex, int c, ClassSpec cs) {
        List<double[]> xs = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        for (int i = 0; i < ex.size(); i++) {
            double v = ex.get(i).targets()[c];
            if (Double.isNaN(v)) continue;
            xs.add(x[i]);
            ys.add((int) v);
        }
        int[] y = ys.stream().mapToInt(Integer::intValue).toArray();
        double[] s = new double[y.length];
        for (int i = 0; i < y.length; i++) s[i] = y[i] == 1 ? cs.weight(c) : 1;
        return new Column(xs.toArray(double[][]::new), y, s);
    }

    private static long distinct(int[] y) { return java.util.Arrays.stream(y).distinct().count(); }

    private static int[] labels(List<Example> ex) { return ex.stream().mapToInt(e -> (int) e.label()).toArray(); }

    private static double[] weights(ClassSpec cs, List<Example> ex) { return ex.stream().mapToDouble(e -> cs.weight((int) e.label())).toArray(); }

    /** 1 − AUROC on the valid examples (lower is better); the mean log loss where the valid rows hold one class only. */
    public static double validationScore(TagPredictor p, TaskSpec t, List<Example> valid) {
        double[][] prob = p.classProbabilities(t, valid.stream().map(Example::sequence).toList());
        // not the log loss below: NaN probabilities give a NaN score, which training took as "no score at this step"
        tagllm.task.NonFiniteOutputs.check(t.name(), prob, valid);
        try {
            return 1 - Evaluator.classificationMetrics(t, prob, valid).auroc();
        } catch (IllegalArgumentException e) {
            double sum = 0;
            long n = 0;
            for (int i = 0; i < prob.length; i++) {
                Example ex = valid.get(i);
                if (ex.targets() == null) {
                    sum -= Math.log(Math.max(prob[i][(int) ex.label()], 1e-15));
                    n++;
                    continue;
                }
                for (int c = 0; c < prob[i].length; c++) {
                    double y = ex.targets()[c];
                    if (Double.isNaN(y)) continue;
                    sum -= Math.log(Math.max(y == 1 ? prob[i][c] : 1 - prob[i][c], 1e-15));
                    n++;
                }
            }
            return sum / Math.max(1, n);
        }
    }
}
