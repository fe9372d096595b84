package tagllm.task;

import tagllm.config.ConfigException;

import tagllm.data.Row;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds a classification task's classes in its training rows when the task does not list them, and its
 * balanced class weights. Numeric labels are one class per number ("1" and "1.0" together, sorted by value);
 * text labels are sorted as strings. A column that mixes numbers and words is refused, naming rows of
 * both, and so is a numeric column with too many distinct values to be classes (a regression label).
 */
public final class ClassLabels {
    private ClassLabels() {}

    /** Classes beyond this many distinct numbers look like a regression label. */
    public static final int MAX_INFERRED_CLASSES = 50;

    /** The task with classes (and balanced weights) filled in from the training rows; unchanged when already resolved. */
    public static TaskSpec resolve(TaskSpec task, List<Row> train) {
        ClassSpec cs = task.classes();
        if (cs == null) return task;
        if (cs.multiLabel()) {
            if (!cs.balanced() || cs.weights() != null) return task;
            return task.withClassSpec(cs.withWeights(positiveWeights(cs, train)));
        }
        ClassSpec out = cs;
        if (!cs.resolved()) out = cs.withClasses(infer(task.name(), task.labelColumn(), train), cs.weights());
        if (out.size() < 2) throw new ConfigException("task " + task.name() + ": classification needs at least two classes, got " + out.classes());
        if (out.weights() != null && out.weights().size() != out.size()) {
            throw new ConfigException("task " + task.name() + ": class_weights has " + out.weights().size() + " values for "
                    + out.size() + " classes " + out.classes());
        }
        if (out.balanced() && out.weights() == null) out = out.withWeights(balancedWeights(task, out, train));
        return task.withClassSpec(out);
    }

    /** The distinct labels of the rows, in class order; an error naming rows when they mix numbers and words. */
    static List<String> infer(String task, String column, List<Row> rows) {
        Map<String, Double> numeric = new LinkedHashMap<>();
        List<String> words = new ArrayList<>();
        List<String> numberRows = new ArrayList<>(), wordRows = new ArrayList<>();
        for (Row r : rows) {
            if (!r.has(column)) continue;
            String v = r.get(column).strip();
            if (v.isEmpty()) continue;
            Double x = number(v);
            if (x != null) {
                if (!numeric.containsValue(x)) numeric.put(canonical(x), x);
                if (numberRows.size() < 3) numberRows.add(r.origin() + " '" + Row.clip(v) + "'");
            } else {
                if (!words.contains(v)) words.add(v);
                if (wordRows.size() < 3) wordRows.add(r.origin() + " '" + Row.clip(v) + "'");
            }
        }
        if (!numeric.isEmpty() && !words.isEmpty()) {
            throw new ConfigException("task " + task + ": label column '" + column + "' mixes numbers (" + String.join(", ", numberRows)
                    + ") and words (" + String.join(", ", wordRows) + "); make the labels one kind or list them with classes: [...]");
        }
        if (numeric.isEmpty() && words.isEmpty()) throw new ConfigException("task " + task + ": label column '" + column + "' has no values in the training rows");
        if (numeric.size() > MAX_INFERRED_CLASSES) {
            throw new ConfigException("task " + task + ": label column '" + column + "' has " + numeric.size()
                    + " distinct numbers, which looks like a regression label (type: regression), or list the classes with classes: [...]");
        }
        if (!numeric.isEmpty()) {
            List<Map.Entry<String, Double>> e = new ArrayList<>(numeric.entrySet());
            e.sort(Map.Entry.comparingByValue());
            return e.stream().map(Map.Entry::getKey).toList();
        }
        words.sort(Comparator.naturalOrder());
        return words;
    }

    /** n / (k · count_c) per class over the rows with a known label, as scikit-learn's class_weight="balanced". */
    static List<Double> balancedWeights(TaskSpec task, ClassSpec cs, List<Row> rows) {
        long[] count = new long[cs.size()];
        long n = 0;
        for (Row r : rows) {
            if (!r.has(task.labelColumn())) continue;
            int c = cs.indexOf(r.get(task.labelColumn()));
            if (c < 0) continue;
            count[c]++;
            n++;
        }
        List<Double> w = new ArrayList<>();
        for (int c = 0; c < count.length; c++) {
            if (count[c] == 0) throw new ConfigException("task " + task.name() + ": class_weights: balanced, but class '" + cs.classes().get(c) + "' has no training rows");
            w.add((double) n / (count.length * (double) count[c]));
        }
        return w;
    }

    /** Multi-label: per column, negatives / positives (PyTorch's pos_weight for balanced columns). */
    static List<Double> positiveWeights(ClassSpec cs, List<Row> rows) {
        List<Double> w = new ArrayList<>();
        for (String col : cs.labelColumns()) {
            long pos = 0, neg = 0;
            for (Row r : rows) {
                if (!r.has(col)) continue;
                Double x = number(r.get(col).strip());
                if (x == null) continue;
                if (x == 1) pos++;
                else if (x == 0) neg++;
            }
            w.add(pos == 0 ? 1.0 : Math.max(neg, 1) / (double) pos);
        }
        return w;
    }

    /** The number a label holds, or null when it is not one. */
    static Double number(String s) {
        if (s.isEmpty()) return null;
        try {
            double d = Double.parseDouble(s);
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** 1.0 → "1", 0.5 → "0.5". */
    static String canonical(double x) {
        if (x == Math.rint(x) && Math.abs(x) < 1e15) return Long.toString((long) x);
        return Double.toString(x);
    }
}
