package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tagllm.compare.Report;
import tagllm.data.ChunkedRows;
import tagllm.data.Dataset;
import tagllm.data.DatasetException;
import tagllm.data.Format;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.eval.ClassificationMetrics;
import tagllm.task.ClassSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tagllm score classification}: the classification metrics of a predictions file as {@code tagllm predict}
 * writes it: one {@code prob_CLASS} column per class and the gold label column. With several {@code --gold}
 * columns the task is multi-label: {@code prob_COLUMN} per gold column, gold values 0, 1 or empty (missing).
 */
@Command(name = "classification", mixinStandardHelpOptions = true,
        description = "AUROC, AUPRC, accuracy, balanced accuracy, F1, log loss, expected calibration error and class counts "
                + "of the prob_CLASS columns of a predictions file (tagllm predict's) against a gold label column.")
final class ScoreClassification implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Parameters(converter = StandardStreams.In.class, index = "0", paramLabel = "FILE", description = "predictions file (.csv, .tsv, .jsonl)")
    Path file;

    @Option(names = "--gold", required = true, split = ",", description = "the gold label column (several: a multi-label task)")
    List<String> gold;

    @Option(names = "--prob-prefix", defaultValue = "prob_", description = "prefix of the probability columns (default: ${DEFAULT-VALUE})")
    String prefix;

    @Option(names = "--format", description = "csv, tsv or jsonl (default: from the extension)")
    String format;

    @Option(names = "--skip-bad-rows", description = "skip rows without a usable label or probabilities (and report them) instead of stopping")
    boolean skipBadRows;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String g : gold) {
            if (!seen.add(g)) throw new UsageError("--gold names the column '" + g + "' twice: one column per label (several: a multi-label task)");
        }
        RowIssues issues = skipBadRows ? RowIssues.skipping() : RowIssues.strict();
        Format f = format == null ? Format.detect(file) : Format.parse(format);
        boolean multi = gold.size() > 1;
        // row by row, keeping only each row's probabilities and label: the rows themselves (every column as text)
        // were held until the end, and a predictions file of a million rows ran out of a 256 MB heap
        List<double[]> probs = new ArrayList<>(), labels = new ArrayList<>();
        java.util.function.BiConsumer<double[], double[]> keep = (p, y) -> {
            probs.add(p);
            labels.add(y);
        };
        List<String> probCols = new ArrayList<>(), classes = new ArrayList<>();
        ChunkedRows.scan(file, f, issues, new ChunkedRows.Handler() {
            @Override
            public void columns(List<String> columns) {
                if (multi) {
                    for (String g : gold) probCols.add(prefix + g);
                    Dataset.requireColumns(file.toString(), f, columns, gold.toArray(String[]::new));
                    Dataset.requireColumns(file.toString(), f, columns, probCols.toArray(String[]::new));
                    return;
                }
                for (String c : columns) if (c.startsWith(prefix) && c.length() > prefix.length()) probCols.add(c);
                if (probCols.size() < 2) {
                    throw DatasetException.of(file.toString(), 1, "expected at least two '" + prefix + "CLASS' columns (as tagllm predict writes them), got "
                            + probCols + " among " + columns);
                }
                Dataset.requireColumns(file.toString(), f, columns, gold.get(0));
                for (String c : probCols) classes.add(c.substring(prefix.length()));
            }

            @Override
            public void chunk(List<Row> rows) {
                ClassSpec cs = multi ? null : new ClassSpec(null, classes, null, null, false);
                for (Row row : rows) {
                    issues.convert(row, r -> {
                        if (multi) {
                            double[] p = probabilities(r, probCols), y = new double[gold.size()];
                            for (int c = 0; c < y.length; c++) {
                                String v = r.get(gold.get(c)).strip();
                                if (v.isEmpty()) y[c] = Double.NaN;
                                else if (v.equals("0") || v.equals("1") || v.equals("0.0") || v.equals("1.0")) y[c] = Double.parseDouble(v);
                                else throw new DatasetException(r.origin(), "column '" + gold.get(c) + "': expected 0, 1 or empty, got '" + Row.clip(v) + "'");
                            }
                            return new double[][]{p, y};
                        }
                        int c = cs.indexOf(r.get(gold.get(0)));
                        if (c < 0) throw new DatasetException(r.origin(), "column '" + gold.get(0) + "': expected one of the classes " + classes + ", got '" + Row.clip(r.get(gold.get(0))) + "'");
                        return new double[][]{classProbabilities(r, probCols), {c}};
                    }).ifPresent(x -> keep.accept(x[0], x[1]));
                }
            }
        });
        if (probs.isEmpty()) throw DatasetException.of(file.toString(), 0, "no usable rows");
        ClassificationMetrics m;
        if (multi) {
            m = ClassificationMetrics.multiLabel(probs.toArray(double[][]::new), labels.toArray(double[][]::new), gold);
        } else {
            try {
                m = ClassificationMetrics.compute(probs.toArray(double[][]::new), labels.stream().mapToInt(y -> (int) y[0]).toArray(), List.copyOf(classes));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (issues.count() > 0) spec.commandLine().getErr().println(issues.summary());
        if (json) {
            ObjectNode o = JSON.createObjectNode();
            o.put("n", m.n());
            putMetrics(o, m);
            out.println(JSON.writeValueAsString(o));
        } else {
            out.printf(Locale.ROOT, "n = %d%nAUROC = %.6g%nAUPRC = %.6g%naccuracy = %.6g%nbalanced accuracy = %.6g%nF1 = %.6g%nlog loss = %.6g%nECE = %.6g%n",
                    m.n(), m.auroc(), m.auprc(), m.accuracy(), m.balancedAccuracy(), m.f1(), m.logLoss(), m.ece());
            List<String> counts = new ArrayList<>();
            for (int c = 0; c < m.classes().size(); c++) counts.add(m.classes().get(c) + ": " + m.counts()[c]);
            out.println("class counts: " + String.join(", ", counts));
            for (String why : m.undefined()) out.println("note: " + why);
        }
        return 0;
    }

    /**
     * The metrics, the class counts and why a metric has no value, as compare's report.json writes them (a metric with
     * no value is null, its reason under "undefined"): score classification --json and eval --json.
     */
    static void putMetrics(ObjectNode o, ClassificationMetrics m) {
        Report.putMetrics(o, m);
        ObjectNode counts = o.putObject("class_counts");
        for (int c = 0; c < m.classes().size(); c++) counts.put(m.classes().get(c), m.counts()[c]);
    }

    /**
     * How far one row's class probabilities may sum from 1: files written with 4 decimals by another tool pass, scores of
     * another kind (one sigmoid per class, a multi-label file read as one label) do not. scikit-learn's roc_auc_score
     * refuses such rows for multi-class, and AUROC, F1 and ECE of them would be numbers of no defined meaning.
     */
    static final double SUM_TOLERANCE = 1e-3;

    /** The prob_CLASS values of a binary or multi-class row: each in [0, 1], together 1. */
    private static double[] classProbabilities(Row r, List<String> cols) {
        double[] p = probabilities(r, cols);
        double sum = 0;
        for (double v : p) sum += v;
        if (Math.abs(sum - 1) > SUM_TOLERANCE) {
            throw new DatasetException(r.origin(), "the columns " + String.join(", ", cols) + " sum to " + sum
                    + ", not 1: they are not one row's class probabilities (a multi-label file: give each label column to --gold)");
        }
        return p;
    }

    private static double[] probabilities(Row r, List<String> cols) {
        double[] p = new double[cols.size()];
        for (int c = 0; c < p.length; c++) {
            p[c] = r.getDouble(cols.get(c));
            if (!(p[c] >= 0 && p[c] <= 1)) throw new DatasetException(r.origin(), "column '" + cols.get(c) + "': a probability must be in [0, 1], got " + p[c]);
        }
        return p;
    }
}
