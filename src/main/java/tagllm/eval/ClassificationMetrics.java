package tagllm.eval;

import tagllm.util.Plural;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Classification metrics from class probabilities, as scikit-learn 1.2 defines them.
 *
 * <ul>
 *   <li>AUROC: {@code roc_auc_score}; the trapezoid over distinct thresholds, which equals the Mann–Whitney
 *       statistic with a tied positive–negative pair counted one half. Multi-class: the macro mean of
 *       one-vs-rest AUROCs ({@code multi_class="ovr"}). A split with a single class has no AUROC: refused.</li>
 *   <li>AUPRC: {@code average_precision_score}, Σ (Rₖ − Rₖ₋₁)·Pₖ over distinct thresholds from the highest
 *       (no interpolation); multi-class: the macro one-vs-rest mean.</li>
 *   <li>accuracy, balanced accuracy (mean recall over the classes the gold labels hold), F1 (binary: of the
 *       second class, the positive one; multi-class: macro; no predicted and no true positives gives 0 as
 *       scikit-learn's zero_division default does), log loss ({@code log_loss}: probabilities clipped to
 *       [ε, 1 − ε] with ε the double's machine epsilon and each row renormalised), and the expected
 *       calibration error over 10 equal-width confidence bins (lo, hi] of the top class's probability
 *       (Guo et al. 2017).</li>
 * </ul>
 * Multi-label tasks score each label column as a binary task (rows with a missing label left out) and report
 * the macro mean over the columns whose rows hold both classes; {@link #undefined()} names the columns left out.
 *
 * @param counts gold rows per class (multi-label: positives per column)
 */
public record ClassificationMetrics(int n, List<String> classes, long[] counts, double auroc, double auprc, double accuracy,
                                    double balancedAccuracy, double f1, double logLoss, double ece, List<String> undefined) {

    public static final int ECE_BINS = 10;

    public ClassificationMetrics {
        classes = List.copyOf(classes);
        undefined = List.copyOf(undefined);
    }

    /**
     * Binary or multi-class: probabilities n × K (rows sum to 1; for two classes column 1 is the positive class) and
     * gold class indices.
     */
    public static ClassificationMetrics compute(double[][] prob, int[] gold, List<String> classes) {
        return compute(prob, gold, classes, false);
    }

    /** tiesToLast: a tie between the top classes predicts the last of them (a multi-label column at p = 0.5: positive). */
    private static ClassificationMetrics compute(double[][] prob, int[] gold, List<String> classes, boolean tiesToLast) {
        int n = gold.length, k = classes.size();
        if (n == 0) throw new IllegalArgumentException("no rows to score");
        if (prob.length != n) throw new IllegalArgumentException(prob.length + " probability rows for " + n + " labels");
        long[] counts = new long[k];
        for (int i = 0; i < n; i++) {
            if (gold[i] < 0 || gold[i] >= k) throw new IllegalArgumentException("row " + i + ": class index " + gold[i] + " is not one of " + classes);
            if (prob[i].length != k) throw new IllegalArgumentException("row " + i + ": " + prob[i].length + " probabilities for " + k + " classes");
            for (double p : prob[i]) if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("row " + i + ": probability " + p + " is not in [0, 1]");
            counts[gold[i]]++;
        }
        requireTwoClasses(counts, classes, n);
        int[] pred = new int[n];
        for (int i = 0; i < n; i++) pred[i] = argmax(prob[i], tiesToLast);
        double auroc, auprc, f1;
        List<String> undefined = new ArrayList<>();
        if (k == 2) {
            double[] s = column(prob, 1);
            boolean[] pos = is(gold, 1);
            auroc = auroc(s, pos);
            auprc = averagePrecision(s, pos);
            f1 = f1(pred, gold, 1);
        } else {
            double a = 0, p = 0, f = 0;
            int present = 0;
            for (int c = 0; c < k; c++) {
                f += f1(pred, gold, c);
                if (counts[c] == 0) {
                    // the macro F1 keeps such a class at 0 (scikit-learn's with every class as labels); its default labels,
                    // the classes in gold or predicted, would leave it out: a reader comparing the two is told which
                    boolean predicted = false;
                    for (int q : pred) predicted |= q == c;
                    undefined.add("AUROC and AUPRC leave out class '" + classes.get(c) + "': no row of it"
                            + (predicted ? "" : "; F1's macro mean counts it as 0 (never predicted either; scikit-learn's"
                            + " default labels would leave it out)"));
                    continue;
                }
                boolean[] pos = is(gold, c);
                double[] s = column(prob, c);
                a += auroc(s, pos);
                p += averagePrecision(s, pos);
                present++;
            }
            auroc = a / present;
            auprc = p / present;
            f1 = f / k;
        }
        long right = 0;
        double recall = 0;
        int present = 0;
        long[] hit = new long[k];
        for (int i = 0; i < n; i++) {
            if (pred[i] == gold[i]) {
                right++;
                hit[gold[i]]++;
            }
        }
        for (int c = 0; c < k; c++) {
            if (counts[c] == 0) continue;
            recall += (double) hit[c] / counts[c];
            present++;
        }
        return new ClassificationMetrics(n, classes, counts, auroc, auprc, (double) right / n, recall / present, f1, logLoss(prob, gold),
                ece(prob, gold, tiesToLast), undefined);
    }

    /** Multi-label: probabilities and 0/1/NaN gold per column; each column scored as a binary task, then the macro mean. */
    public static ClassificationMetrics multiLabel(double[][] prob, double[][] gold, List<String> columns) {
        int k = columns.size();
        if (gold.length == 0) throw new IllegalArgumentException("no rows to score");
        double a = 0, p = 0, acc = 0, bal = 0, f = 0, ll = 0, e = 0;
        int scored = 0;
        long[] positives = new long[k];
        List<String> undefined = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            List<double[]> pr = new ArrayList<>();
            List<Integer> g = new ArrayList<>();
            for (int i = 0; i < gold.length; i++) {
                if (Double.isNaN(gold[i][c])) continue;
                pr.add(new double[]{1 - prob[i][c], prob[i][c]});
                g.add((int) gold[i][c]);
                if (gold[i][c] == 1) positives[c]++;
            }
            if (positives[c] == 0 || positives[c] == g.size()) {
                undefined.add("column '" + columns.get(c) + "' left out: its " + Plural.count(g.size(), "labelled row") + " hold" + (g.size() == 1 ? "s" : "") + " one class only");
                continue;
            }
            // a column is predicted positive at p >= 0.5, as predict's prediction column and serve's predictions have it
            ClassificationMetrics m = compute(pr.toArray(double[][]::new), g.stream().mapToInt(Integer::intValue).toArray(), List.of("0", "1"), true);
            a += m.auroc;
            p += m.auprc;
            acc += m.accuracy;
            bal += m.balancedAccuracy;
            f += m.f1;
            ll += m.logLoss;
            e += m.ece;
            scored++;
        }
        if (scored == 0) throw new IllegalArgumentException("no label column holds both classes in these rows: the metrics are undefined");
        return new ClassificationMetrics(gold.length, columns, positives, a / scored, p / scored, acc / scored, bal / scored, f / scored,
                ll / scored, e / scored, undefined);
    }

    private static void requireTwoClasses(long[] counts, List<String> classes, int n) {
        int present = 0, only = -1;
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] > 0) {
                present++;
                only = c;
            }
        }
        if (present < 2) {
            throw new IllegalArgumentException((n == 1 ? "the only row is" : "all " + n + " rows are") + " of class '" + classes.get(only)
                    + "': AUROC, AUPRC and balanced accuracy need both positive and negative rows (choose another split or seed)");
        }
    }

    /** roc_auc_score for one positive class: the Mann–Whitney U statistic with average ranks (ties count one half). */
    public static double auroc(double[] score, boolean[] positive) {
        long p = 0;
        for (boolean b : positive) if (b) p++;
        long q = positive.length - p;
        if (p == 0 || q == 0) throw new IllegalArgumentException("AUROC needs positive and negative rows, got " + p + " positive and " + q + " negative");
        double[] r = Ranks.average(score);
        double sum = 0;
        for (int i = 0; i < r.length; i++) if (positive[i]) sum += r[i];
        return (sum - p * (p + 1) / 2.0) / ((double) p * q);
    }

    /** average_precision_score: Σ (Rₖ − Rₖ₋₁)·Pₖ over the distinct scores from the highest. */
    public static double averagePrecision(double[] score, boolean[] positive) {
        int n = score.length;
        long p = 0;
        for (boolean b : positive) if (b) p++;
        if (p == 0) throw new IllegalArgumentException("average precision needs positive rows");
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> score[i]).reversed());
        double ap = 0, lastRecall = 0;
        long tp = 0, fp = 0;
        for (int k = 0; k < n; ) {
            int j = k;
            while (j < n && score[order[j]] == score[order[k]]) {
                if (positive[order[j]]) tp++;
                else fp++;
                j++;
            }
            double recall = (double) tp / p, precision = (double) tp / (tp + fp);
            ap += (recall - lastRecall) * precision;
            lastRecall = recall;
            k = j;
        }
        return ap;
    }

    /** F1 of class c: 2·TP / (2·TP + FP + FN); 0 when there is neither a true nor a predicted c. */
    static double f1(int[] pred, int[] gold, int c) {
        long tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < pred.length; i++) {
            if (pred[i] == c && gold[i] == c) tp++;
            else if (pred[i] == c) fp++;
            else if (gold[i] == c) fn++;
        }
        return tp + fp + fn == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /** The share of rows whose most probable class (a tie: the first) is the gold one; defined for rows of one class too. */
    public static double accuracy(double[][] prob, int[] gold) {
        long right = 0;
        for (int i = 0; i < gold.length; i++) if (argmax(prob[i], false) == gold[i]) right++;
        return (double) right / gold.length;
    }

    /** log_loss: clip to [ε, 1 − ε], renormalise each row, mean −log p(gold); defined for rows of one class too. */
    public static double logLoss(double[][] prob, int[] gold) {
        double eps = Math.ulp(1.0), sum = 0;
        for (int i = 0; i < gold.length; i++) {
            double total = 0;
            for (double p : prob[i]) total += Math.min(Math.max(p, eps), 1 - eps);
            sum -= Math.log(Math.min(Math.max(prob[i][gold[i]], eps), 1 - eps) / total);
        }
        return sum / gold.length;
    }

    /** Expected calibration error: Σ_b |B_b|/n · |accuracy(B_b) − mean confidence(B_b)|, bins (b/10, (b+1)/10]. */
    static double ece(double[][] prob, int[] gold, boolean tiesToLast) {
        double[] conf = new double[ECE_BINS];
        long[] right = new long[ECE_BINS], count = new long[ECE_BINS];
        for (int i = 0; i < gold.length; i++) {
            int c = argmax(prob[i], tiesToLast);
            double p = prob[i][c];
            int b = Math.min(ECE_BINS - 1, Math.max(0, (int) Math.ceil(p * ECE_BINS) - 1));
            conf[b] += p;
            count[b]++;
            if (c == gold[i]) right[b]++;
        }
        double e = 0;
        for (int b = 0; b < ECE_BINS; b++) if (count[b] > 0) e += Math.abs(right[b] - conf[b]) / gold.length;
        return e;
    }

    static int argmax(double[] p, boolean tiesToLast) {
        int best = 0;
        for (int i = 1; i < p.length; i++) if (p[i] > p[best] || tiesToLast && p[i] == p[best]) best = i;
        return best;
    }

    private static double[] column(double[][] prob, int c) {
        double[] s = new double[prob.length];
        for (int i = 0; i < s.length; i++) s[i] = prob[i][c];
        return s;
    }

    private static boolean[] is(int[] gold, int c) {
        boolean[] b = new boolean[gold.length];
        for (int i = 0; i < b.length; i++) b[i] = gold[i] == c;
        return b;
    }
}
