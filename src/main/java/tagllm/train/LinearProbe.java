package tagllm.train;

import tagllm.model.ForwardPass;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.TagSet;
import tagllm.tag.Template;
import tagllm.tag.TextEncoder;
import tagllm.data.Row;
import tagllm.task.LabelText;
import tagllm.task.TaskSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * The paper's linear-probing baseline in closed form: ridge regression (with an intercept) on the frozen
 * model's final-norm hidden state at the last position of the task's prompt with every tag dropped
 * (the template ends right before the label, "...is "). The ridge strength is picked on a validation set.
 */
public final class LinearProbe {
    private static final int MAX_BATCH_ROWS = 4096;
    private static final double[] LAMBDAS = {1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100};

    private final double[] w;
    private final double b;
    private final double lambda;

    private LinearProbe(double[] w, double b, double lambda) {
        this.w = w;
        this.b = b;
        this.lambda = lambda;
    }

    public double lambda() { return lambda; }

    /** Tag-free prompts for rows of a regression task; labels go to labelsOut. Rows that do not fit are skipped. */
    public static List<Sequence> prompts(TaskSpec task, List<Row> rows, TextEncoder enc, int limit, List<Double> labelsOut) {
        Template t = task.parsedTemplate().withoutTags();
        List<Sequence> out = new ArrayList<>();
        for (Row r : rows) {
            double y;
            try {
                y = r.getDouble(task.labelColumn());
            } catch (RuntimeException e) {
                continue;
            }
            try {
                Sequence s = t.render(p -> {
                    if (!r.has(task.column(p)) && p.equals(task.outputPlaceholder())) return LabelText.format(y * task.labelScale());
                    return r.get(task.column(p));
                }, new Template.TagLookup() {
                    public tagllm.tag.TagKind kind(String name) { throw new IllegalStateException(); }

                    public int length(String name) { throw new IllegalStateException(); }
                }, enc, new Template.RenderOptions(task.bos(), false, task.outputPlaceholder(), false, false));
                if (s.length() > limit || s.length() == 0) continue;
                out.add(s);
                labelsOut.add(y);
            } catch (RuntimeException e) {
                // rows the task itself would skip are skipped here too
            }
        }
        return out;
    }

    /** Final-norm hidden state at the last position of each prompt (n × d). */
    public static double[][] features(Transformer model, List<Sequence> prompts) {
        int d = model.config().hiddenSize();
        double[][] x = new double[prompts.size()][];
        TagSet none = new TagSet(null, null);
        int i = 0;
        while (i < prompts.size()) {
            List<Sequence> chunk = new ArrayList<>();
            int rows = 0;
            while (i + chunk.size() < prompts.size() && (chunk.isEmpty() || rows + prompts.get(i + chunk.size()).length() <= MAX_BATCH_ROWS)) {
                rows += prompts.get(i + chunk.size()).length();
                chunk.add(prompts.get(i + chunk.size()));
            }
            SequencePacker.Packed packed = SequencePacker.pack(chunk, none, model::embed, d, n -> false);
            ForwardPass pass = model.forward(packed.batch(), false);
            for (int k = 0; k < chunk.size(); k++) {
                int row = packed.row(k, chunk.get(k).length() - 1);
                double[] f = new double[d];
                for (int j = 0; j < d; j++) f[j] = pass.normed()[row * d + j];
                x[i + k] = f;
            }
            i += chunk.size();
        }
        return x;
    }

    /** Fits ridge on train for each λ in a grid and keeps the one with the lowest validation MSE. */
    public static LinearProbe fit(double[][] xTrain, double[] yTrain, double[][] xValid, double[] yValid) {
        LinearProbe best = null;
        double bestMse = Double.POSITIVE_INFINITY;
        for (double l : LAMBDAS) {
            LinearProbe p = fit(xTrain, yTrain, l);
            double mse = 0;
            for (int i = 0; i < xValid.length; i++) mse += Math.pow(p.predict(xValid[i]) - yValid[i], 2);
            mse /= Math.max(1, xValid.length);
            if (best == null || mse < bestMse) {
                best = p;
                bestMse = mse;
            }
        }
        return best;
    }

    /** Ridge with an unpenalised intercept: centre x and y, solve (XᵀX + λ n I) w = Xᵀy by Cholesky. */
    public static LinearProbe fit(double[][] x, double[] y, double lambda) {
        int n = x.length;
        if (n == 0) throw new IllegalArgumentException("linear probe: no training rows");
        int d = x[0].length;
        double[] mx = new double[d];
        double my = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) mx[j] += x[i][j] / n;
            my += y[i] / n;
        }
        double[][] a = new double[d][d];
        double[] rhs = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double xj = x[i][j] - mx[j];
                rhs[j] += xj * (y[i] - my);
                for (int k = 0; k <= j; k++) a[j][k] += xj * (x[i][k] - mx[k]);
            }
        }
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < j; k++) a[k][j] = a[j][k];
            a[j][j] += lambda * n;
        }
        double[] w = Cholesky.solve(a, rhs);
        double b = my;
        for (int j = 0; j < d; j++) b -= w[j] * mx[j];
        return new LinearProbe(w, b, lambda);
    }

    public double predict(double[] x) {
        double s = b;
        for (int j = 0; j < w.length; j++) s += w[j] * x[j];
        return s;
    }

    /** Solves a symmetric positive definite system. */
    static final class Cholesky {
        private Cholesky() {}

        static double[] solve(double[][] a, double[] b) {
            int n = b.length;
            double[][] l = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    double s = a[i][j];
                    for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
                    if (i == j) {
                        if (s <= 0) throw new IllegalArgumentException("linear probe: the system is not positive definite (raise the ridge strength)");
                        l[i][i] = Math.sqrt(s);
                    } else {
                        l[i][j] = s / l[j][j];
                    }
                }
            }
            double[] z = new double[n];
            for (int i = 0; i < n; i++) {
                double s = b[i];
                for (int k = 0; k < i; k++) s -= l[i][k] * z[k];
                z[i] = s / l[i][i];
            }
            double[] x = new double[n];
            for (int i = n - 1; i >= 0; i--) {
                double s = z[i];
                for (int k = i + 1; k < n; k++) s -= l[k][i] * x[k];
                x[i] = s / l[i][i];
            }
            return x;
        }
    }
}
