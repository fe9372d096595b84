package tagllm.compare;

import tagllm.eval.ClassificationMetrics;
import tagllm.eval.RegressionMetrics;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/** Seed spread and the paired bootstrap over test rows that the compare report gives (any metric of a row subset). */
public final class Stats {
    private Stats() {}

    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return v.length == 0 ? Double.NaN : s / v.length;
    }

    /**
     * Sample standard deviation (n − 1); NaN for a single value (n − 1 = 0: one seed has no spread, and 0 would draw
     * as a zero-width error bar; report.json writes null) and for none. Equal values give exactly 0: their rounded mean
     * can differ from them in the last bit (0.1 + 0.1 + 0.1 = 0.30000000000000004), which would report a spread of
     * 1e-17 to 1e-15 for seeds that repeat one fit (the probe, the baseline).
     */
    public static double std(double[] v) {
        if (v.length < 2) return Double.NaN;
        boolean equal = Double.isFinite(v[0]);
        for (double x : v) equal &= x == v[0];
        if (equal) return 0;
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }

    /** The q-quantile (0..1) with linear interpolation between order statistics (numpy's default, type 7). */
    public static double quantile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        double h = (s.length - 1) * q;
        int lo = (int) Math.floor(h), hi = (int) Math.ceil(h);
        return s[lo] + (h - lo) * (s[hi] - s[lo]);
    }

    /** A metric of predictions against gold on the rows idx (with repeats). */
    public static double metric(String name, double[] pred, double[] gold, int[] idx) {
        double[] p = new double[idx.length], g = new double[idx.length];
        for (int i = 0; i < idx.length; i++) {
            p[i] = pred[idx[i]];
            g[i] = gold[idx[i]];
        }
        return pick(name).applyAsDouble(RegressionMetrics.compute(p, g));
    }

    public static ToDoubleFunction<RegressionMetrics> pick(String name) {
        return switch (name) {
            case "mse" -> RegressionMetrics::mse;
            case "mae" -> RegressionMetrics::mae;
            case "rmse" -> RegressionMetrics::rmse;
            case "pearson" -> RegressionMetrics::pearson;
            case "spearman" -> RegressionMetrics::spearman;
            case "r2" -> RegressionMetrics::r2;
            default -> throw new IllegalArgumentException("unknown metric " + name);
        };
    }

    /** Classification metrics by report name, from ClassificationMetrics. */
    public static ToDoubleFunction<ClassificationMetrics> pickClass(String name) {
        return switch (name) {
            case "auroc" -> ClassificationMetrics::auroc;
            case "auprc" -> ClassificationMetrics::auprc;
            case "accuracy" -> ClassificationMetrics::accuracy;
            case "balanced_accuracy" -> ClassificationMetrics::balancedAccuracy;
            case "f1" -> ClassificationMetrics::f1;
            case "log_loss" -> ClassificationMetrics::logLoss;
            case "ece" -> ClassificationMetrics::ece;
            default -> throw new IllegalArgumentException("unknown classification metric " + name);
        };
    }

    /**
     * A classification metric of class probabilities against gold class indices on the rows idx (with repeats); NaN
     * where it is undefined on those rows (AUROC of rows of one class). Accuracy and log loss are means over rows,
     * defined whatever classes the rows hold: a bootstrap resample of one class keeps them rather than being left out
     * (which would drop exactly the resamples of the majority class alone and shift the interval). A macro mean over
     * classes (AUROC, AUPRC, balanced accuracy) of rows lacking a class that gold holds is NaN too: it would average
     * over fewer classes than the metric on all rows does, another quantity mixed into the interval.
     */
    public static double classMetric(String name, double[][] prob, int[] gold, List<String> classes, int[] idx) {
        double[][] p = new double[idx.length][];
        int[] g = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            p[i] = prob[idx[i]];
            g[i] = gold[idx[i]];
        }
        if (name.equals("accuracy")) return ClassificationMetrics.accuracy(p, g);
        if (name.equals("log_loss")) return ClassificationMetrics.logLoss(p, g);
        if (name.equals("auroc") || name.equals("auprc") || name.equals("balanced_accuracy")) {
            boolean[] inGold = new boolean[classes.size()], inRows = new boolean[classes.size()];
            for (int c : gold) inGold[c] = true;
            for (int c : g) inRows[c] = true;
            if (!Arrays.equals(inGold, inRows)) return Double.NaN;
        }
        try {
            return pickClass(name).applyAsDouble(ClassificationMetrics.compute(p, g, classes));
        } catch (IllegalArgumentException e) {
            return Double.NaN;
        }
    }

    /** One prediction's metric on a multiset of row indices. */
    @FunctionalInterface
    public interface RowMetric {
        double on(int[] rows);
    }

    /** A paired difference with its 95 % bootstrap interval. */
    public record Interval(double diff, double lo, double hi, int rows, int resamples) {}

    /**
     * metric(method) − metric(reference) on the same test rows, averaged over seeds paired by index, with a 95 %
     * percentile interval from resampling the rows (the same resample for every seed and both methods).
     * preds: per seed, each method's predictions on the rows of gold, in the same order.
     */
    public static Interval pairedBootstrap(String metric, List<double[]> method, List<double[]> reference, double[] gold,
                                           int resamples, long seed) {
        List<RowMetric> m = method.stream().map(p -> (RowMetric) idx -> metric(metric, p, gold, idx)).toList();
        List<RowMetric> ref = reference.stream().map(p -> (RowMetric) idx -> metric(metric, p, gold, idx)).toList();
        return pairedBootstrap(m, ref, gold.length, resamples, seed);
    }

    /**
     * The same for any metric: method.get(s) and reference.get(s) score seed s's predictions on a multiset of the n
     * rows. A resample where a metric is undefined (NaN) is left out. Fewer than two rows give no interval (NaN bounds,
     * no resamples).
     */
    public static Interval pairedBootstrap(List<RowMetric> method, List<RowMetric> reference, int n, int resamples, long seed) {
        if (method.size() != reference.size() || method.isEmpty()) {
            throw new IllegalArgumentException("paired bootstrap: " + method.size() + " vs " + reference.size() + " seeds");
        }
        int[] all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        double point = 0;
        for (int s = 0; s < method.size(); s++) point += method.get(s).on(all) - reference.get(s).on(all);
        point /= method.size();
        // one row: every resample is that row again, and the interval would be the point itself, a 95 % interval of
        // width zero that reads as a clear difference; there is no spread over rows to estimate
        if (n < 2) return new Interval(point, Double.NaN, Double.NaN, n, 0);
        Random r = new Random(seed);
        double[] diffs = new double[resamples];
        int[] idx = new int[n];
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < n; i++) idx[i] = r.nextInt(n);
            double d = 0;
            for (int s = 0; s < method.size(); s++) d += method.get(s).on(idx) - reference.get(s).on(idx);
            diffs[b] = d / method.size();
        }
        // a resample can leave a metric undefined (a correlation of alike rows, an AUROC of one class): left out
        double[] finite = Arrays.stream(diffs).filter(Double::isFinite).toArray();
        if (finite.length == 0) return new Interval(point, Double.NaN, Double.NaN, n, 0);
        return new Interval(point, quantile(finite, 0.025), quantile(finite, 0.975), n, finite.length);
    }
}
