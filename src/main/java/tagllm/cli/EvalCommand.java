package tagllm.cli;

import tagllm.util.Plural;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tagllm.compare.Report;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.task.DataSpec;
import tagllm.task.DatasetRows;
import tagllm.task.ClassificationTally;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.LanguageModelLoss;
import tagllm.task.TagPredictor;
import tagllm.task.NonFiniteOutputs;
import tagllm.task.MissingInputColumn;
import tagllm.task.TaskSpec;
import tagllm.task.TextTally;
import tagllm.eval.RegressionMetrics;
import tagllm.util.RowProgress;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** tagllm eval: scores trained tags on a split of a labelled file. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate trained tags on labelled data: MSE, MAE, RMSE, Pearson, Spearman, R² (regression), AUROC, AUPRC, accuracy, "
                + "balanced accuracy, F1, log loss, ECE and class counts (classification), BLEU and chrF (text), next-token loss (domain text).")
public final class EvalCommand implements Callable<Integer> {
    @Mixin
    TaskOptions opts;

    @Option(names = "--split", defaultValue = "test", description = "split to score when the file has a split column: train, valid, test "
            + "(default ${DEFAULT-VALUE}); a file without one is scored whole")
    String split;

    @Option(names = "--split-column", defaultValue = "split", description = "the column naming each row's split (default ${DEFAULT-VALUE})")
    String splitColumn;

    @Option(names = "--split-by", defaultValue = "column", description = "how rows are split: column (the --split-column), scaffold "
            + "(Bemis–Murcko over --smiles-column, seeded as a training run's split: {scaffold: ...}) or random (seeded as {random: ...}); "
            + "both cut at --split-fractions (default ${DEFAULT-VALUE})")
    String splitBy;

    @Option(names = "--split-fractions", defaultValue = "0.8,0.1,0.1", description = "train, valid and test fractions of a scaffold or "
            + "random split, adding up to 1 (default ${DEFAULT-VALUE}; use the training run's split: [...])")
    String splitFractions;

    @Option(names = "--scaffold-order", defaultValue = "balanced", description = "how a scaffold split orders its groups: balanced or "
            + "largest_first (default ${DEFAULT-VALUE}; use the training run's order:)")
    String scaffoldOrder;

    @Option(names = "--split-seed", defaultValue = "42", description = "seed of a random or balanced scaffold split (default ${DEFAULT-VALUE}; use the training run's; largest_first takes none)")
    long splitSeed;

    @Option(names = "--smiles-column", defaultValue = "smiles", description = "the SMILES column of a scaffold split (default ${DEFAULT-VALUE})")
    String smilesColumn;

    @Option(names = "--max-rows", defaultValue = "0", description = "score at most this many rows of the split (0 = all)")
    int maxRows;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Rows eval renders and scores at a time (package-private: a test may set fewer). */
    int chunkRows = tagllm.data.ChunkedRows.CHUNK;

    /** How the rows' progress is shown (package-private: a test draws the terminal's bar into its own writer). */
    ProgressMaker progress = RowProgress::of;

    /** Makes the progress of {@code total} rows labelled {@code label}, written to {@code err} unless quiet. */
    @FunctionalInterface
    interface ProgressMaker {
        RowProgress make(java.io.PrintWriter err, boolean quiet, String label, long total);
    }

    /** Told as each row is rendered (package-private: a test counts the renderings; nothing else listens). */
    Runnable onRendering = () -> {};

    /**
     * When no row was scored because the file lacks a column the task reads (a renamed label or input column), what to
     * write: the per-row reasons name the column, not --label or the placeholder --column takes (BA's {protein} reads
     * protein_seq). Empty when every column is there.
     */
    private static String columnsNoRowHas(TaskSpec task, List<Row> rows) {
        if (rows.isEmpty()) return "";
        List<String> hints = new java.util.ArrayList<>();
        for (MissingInputColumn m : task.missingInputColumns(c -> rows.stream().anyMatch(row -> row.has(c)))) {
            hints.add(m.named() + ": " + m.columnOption() + " reads it from another column");
        }
        String label = task.labelColumn();
        if (label != null && task.type().readsHead() && !task.promptColumns().contains(label) && rows.stream().noneMatch(row -> row.has(label))) {
            hints.add("'" + label + "' (the label): --label COLUMN names the column of the true values");
        }
        return hints.isEmpty() ? "" : "; no row has the column " + String.join("; ", hints);
    }

    @Override
    public Integer call() throws Exception {
        if (maxRows < 0) throw new UsageError("--max-rows: expected 0 (all) or more, got " + maxRows);
        DataSpec ds = dataSpec(); // its options checked before the model loads
        TagPredictor p = opts.open(spec.commandLine());
        TaskSpec task = opts.resolve(p);
        DatasetRows reader = new DatasetRows(opts.strict);
        // --strict: the reader, the split column and the task check the rows in separate passes; the first bad row in
        // file order is the one reported, whichever pass finds it (the reader's wrong field count at line 5 came first)
        RowIssues issues = opts.strict ? RowIssues.firstInFileOrder() : RowIssues.skipping(5);
        List<Row> rows = reader.load(ds, split, issues);
        String scope = split + " split";
        String note = reader.note(ds); // rows the reader could not read, and whether there is a split column
        if (note != null && note.contains("no '" + splitColumn + "' column")) {
            // a file without a split column (a test set of its own) is scored whole, unless a split was asked for by
            // name: scoring every row then would score training rows as if they were held out
            var parsed = spec.commandLine().getParseResult();
            for (String asked : List.of("--split-column", "--split")) {
                if (parsed.hasMatchedOption(asked)) {
                    throw new IllegalArgumentException(opts.input + ": no '" + splitColumn + "' column, so " + asked + " "
                            + (asked.equals("--split") ? split : splitColumn) + " cannot be honoured (leave out --split and "
                            + "--split-column to score every row, or --split-by scaffold|random to split it)");
                }
            }
            rows = reader.load(ds, "train", issues);
            scope = "all rows";
            spec.commandLine().getErr().println(opts.input + ": no '" + splitColumn + "' column, so all rows are scored");
            note = note.lines().filter(l -> !l.contains("no '" + splitColumn + "' column")).reduce((x, y) -> x + "\n" + y).orElse(null);
        }
        if (note != null && !note.isBlank()) spec.commandLine().getErr().println(note);
        ExampleRenderer r = p.renderer(task);
        // each row is rendered once and scored with its chunk: only chunkRows rendered prompts are held (the prompts of
        // the whole split, ~1.8 KB a row for QED on stories260K, ran out of a 256 MB heap at 1M rows). A first pass that
        // checked every row before scoring, so that the summary came first, rendered every row after the first chunk
        // twice; the summary and the left-out rows are now told once the rows are scored
        java.util.function.Function<Row, Example> render = row1 -> switch (task.type()) {
            case TEXT -> {
                onRendering.run();
                Example full = r.example(row1);
                Example prompt = r.prompt(row1);
                yield new Example(task, prompt.sequence(), Double.NaN, full.text(), row1.source(), row1.line());
            }
            default -> {
                onRendering.run();
                yield r.example(row1);
            }
        };
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode o = om.createObjectNode();
        // the bar counts scored rows out of those that may be (left-out rows are known only once rendered)
        long mayScore = maxRows > 0 ? Math.min(rows.size(), maxRows) : rows.size();
        RowProgress bar = progress.make(spec.commandLine().getErr(), quiet, "eval " + task.name(), mayScore);
        Scoring scoring = switch (task.type()) {
            case REGRESSION -> regression(p, task, bar);
            case TEXT -> text(p, bar);
            case CLASSIFICATION -> {
                ClassificationTally t = new ClassificationTally(p, task);
                // the predictor scores a chunk at once: the bar moves a chunk at a time
                yield new Scoring((done, chunk) -> {
                    t.add(chunk);
                    bar.to(done + chunk.size());
                }, out -> ScoreClassification.putMetrics(out, t.metrics()), bar);
            }
            case LANGUAGE_MODEL -> {
                LanguageModelLoss lm = new LanguageModelLoss(p.model(), p.tags());
                yield new Scoring((done, chunk) -> {
                    for (int k = 0; k < chunk.size(); k++) {
                        lm.add(chunk.get(k));
                        bar.to(done + k + 1);
                    }
                }, out -> {
                    // as the other tasks' metrics: a value that is not a number is null with its reason (Jackson wrote "NaN")
                    var loss = new tagllm.eval.NextTokenLoss(lm.mean(), "weights or tags too large for float, or a diverged training run");
                    Report.putMetrics(out, loss.metrics(), loss.undefined());
                }, bar);
            }
        };
        int n = 0; // rows scored
        int consumed = 0; // rows of the split read, up to --max-rows
        boolean capped = false; // --max-rows reached with rows of the split left unread
        List<Example> chunk = new ArrayList<>();
        for (Row row : rows) {
            if (maxRows > 0 && n >= maxRows) {
                capped = true;
                break;
            }
            consumed++;
            var e = issues.convert(row, render);
            if (e.isPresent()) {
                chunk.add(e.get());
                n++;
            }
            if (chunk.size() >= chunkRows) {
                scoreUnlessRefused(scoring, n - chunk.size(), chunk, issues);
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) scoreUnlessRefused(scoring, n - chunk.size(), chunk, issues);
        chunk.clear();
        scoring.bar.finish();
        if (opts.strict) issues.throwFirst(); // after every row: the one thrown is the first by place, not relying on a split keeping file order (SeededSplit and ScaffoldSplit do)
        if (issues.count() > 0) spec.commandLine().getErr().println(issues.summary());
        // the rows read are the split's only when --max-rows left none unread
        long read = n + issues.count();
        spec.commandLine().getErr().println(opts.input + ": " + (capped ? read + " of " + Plural.count(rows.size(), "row") + " (" + scope + ") read, to --max-rows " + maxRows
                : Plural.count(read, "row") + " (" + scope + ")") + ", " + n + " scored, " + issues.count() + " left out" + (issues.count() > 0 ? " (reasons above)" : "")
                + (note != null && !note.isBlank() ? "; unreadable rows are listed above" : ""));
        if (n == 0) {
            throw new IllegalArgumentException(opts.input + ": no usable rows (" + scope + ") for task " + task.name() + columnsNoRowHas(task, rows));
        }
        o.put("task", task.name());
        o.put("split", scope.equals("all rows") ? "all" : split);
        o.put("n", n);
        o.put("left_out", issues.count());
        scoring.metrics.accept(o);
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(om.writeValueAsString(o));
        } else {
            printText(out, task.name(), scope, n, o);
        }
        return 0;
    }

    /**
     * The text report: a heading, then one metric a line, the values in one column (the names padded to the longest:
     * "balanced_accuracy" overran a fixed 16), class counts and notes.
     */
    static void printText(java.io.PrintWriter out, String task, String scope, int n, ObjectNode o) {
        out.println("task " + task + ", " + scope + ", " + Plural.count(n, "row"));
        int width = 16; // as before, unless a name is longer
        for (var e : o.properties()) {
            if (isMetric(e.getKey(), e.getValue())) width = Math.max(width, e.getKey().length());
        }
        String format = "  %-" + width + "s %.6f%n", countsLabel = String.format(Locale.ROOT, "  %-" + width + "s ", "class counts");
        for (var e : o.properties()) {
            if (isMetric(e.getKey(), e.getValue())) {
                // null: a metric with no value (the reason is under "undefined")
                out.printf(Locale.ROOT, format, e.getKey(), e.getValue().isNull() ? Double.NaN : e.getValue().asDouble());
            } else if (e.getKey().equals("class_counts")) {
                List<String> c = new ArrayList<>();
                e.getValue().properties().forEach(x -> c.add(x.getKey() + ": " + x.getValue().asLong()));
                out.println(countsLabel + String.join(", ", c));
            } else if (e.getKey().equals("undefined")) {
                e.getValue().forEach(why -> out.println("  note: " + why.asText()));
            }
        }
    }

    private static boolean isMetric(String key, com.fasterxml.jackson.databind.JsonNode value) {
        return (value.isNumber() || value.isNull()) && !key.equals("n") && !key.equals("left_out");
    }


    /** What scores one chunk of rendered rows; {@code done} rows were scored before it. */
    @FunctionalInterface
    private interface ChunkScorer {
        void score(int done, List<Example> chunk);
    }

    /** How a task's chunks are scored, the progress that shows it and what writes its metrics once all are in. */
    private record Scoring(ChunkScorer scorer, java.util.function.Consumer<ObjectNode> metrics, RowProgress bar) {
    }

    /**
     * Scores a chunk unless --strict has found a bad row: the run is then refused once every row is checked, and
     * scoring the rest would be wasted (the rows before it were scored, as the refusal may name a row in any chunk).
     */
    private void scoreUnlessRefused(Scoring scoring, int done, List<Example> chunk, RowIssues issues) {
        if (opts.strict && issues.first().isPresent()) return;
        scoring.scorer.score(done, chunk);
    }

    private Scoring regression(TagPredictor p, TaskSpec task, RowProgress bar) {
        java.util.stream.DoubleStream.Builder pred = java.util.stream.DoubleStream.builder();
        java.util.stream.DoubleStream.Builder labels = java.util.stream.DoubleStream.builder();
        long[] nonFinite = {0}, scored = {0};
        String[] firstNonFinite = {null};
        return new Scoring((done, chunk) -> {
            double[] v = p.predictValues(task, chunk.stream().map(Example::sequence).toList(), k -> bar.to(done + k));
            for (int i = 0; i < v.length; i++) {
                pred.add(v[i]);
                labels.add(chunk.get(i).label());
                if (!Double.isFinite(v[i]) && nonFinite[0]++ == 0) firstNonFinite[0] = NonFiniteOutputs.at(chunk.get(i), v[i]);
            }
            scored[0] += v.length;
        }, o -> {
            // the metrics' own range check named a position among the scored rows, and not why
            if (nonFinite[0] > 0) throw new NonFiniteOutputs(task.name(), NonFiniteOutputs.PREDICTIONS, nonFinite[0], scored[0], firstNonFinite[0]);
            Report.putMetrics(o, RegressionMetrics.compute(pred.build().toArray(), labels.build().toArray())); // as report.json: a metric with no value is null, the reason under "undefined"
        }, bar);
    }

    private Scoring text(TagPredictor p, RowProgress bar) {
        TextTally t = new TextTally(p, opts.maxTokens);
        return new Scoring((done, chunk) -> {
            for (int k = 0; k < chunk.size(); k++) {
                t.add(chunk.get(k));
                bar.to(done + k + 1);
            }
        }, o -> {
            // chrf2 as score text --json names chrF with β 2 and no word n-grams (TextTally's), not a second name for it
            o.put("bleu", t.bleu().score()).put("chrf2", t.chrf());
            if (t.contextFull() > 0) {
                // as predict's error column: an output the context cut looks like one the model ended
                spec.commandLine().getErr().println("note: the output of " + Plural.count(t.contextFull(), "scored row")
                        + " stopped at the end of the model's context before --max-tokens " + opts.maxTokens
                        + " (scored as it is; `tagllm predict` names the rows in its error column)");
            }
        }, bar);
    }

    /** Where the rows come from and how they split, as the options say: checked before the model loads. */
    DataSpec dataSpec() {
        if (!List.of("column", "scaffold", "random").contains(splitBy)) {
            throw new UsageError("--split-by: expected column, scaffold or random, got '" + splitBy + "'");
        }
        List<Double> fractions = fractions();
        if (!List.of("balanced", "largest_first").contains(scaffoldOrder)) {
            throw new UsageError("--scaffold-order: expected balanced or largest_first, got '" + scaffoldOrder + "'");
        }
        var parsed = spec.commandLine().getParseResult();
        if (!splitBy.equals("scaffold") && parsed.hasMatchedOption("--scaffold-order")) {
            throw new UsageError("--scaffold-order: only a scaffold split takes it (--split-by scaffold)");
        }
        // largest_first places the groups by size alone, as the experiment's split: refuses a seed: beside it
        if (scaffoldOrder.equals("largest_first") && parsed.hasMatchedOption("--split-seed")) {
            throw new UsageError("--split-seed: --scaffold-order largest_first places scaffold groups by size alone and takes no seed;"
                    + " leave out --split-seed, or give --scaffold-order balanced, whose shuffle it seeds");
        }
        if (splitBy.equals("column") && parsed.hasMatchedOption("--split-fractions")) {
            throw new UsageError("--split-fractions: only a scaffold or random split takes them (--split-by scaffold|random)");
        }
        // as an experiment's split: refuses keys of another kind of split, which would be read and change nothing
        if (splitBy.equals("column") && parsed.hasMatchedOption("--split-seed")) {
            throw new UsageError("--split-seed: only a scaffold or random split takes it (--split-by scaffold|random); a split column names"
                    + " each row's split");
        }
        if (!splitBy.equals("scaffold") && parsed.hasMatchedOption("--smiles-column")) {
            throw new UsageError("--smiles-column: only a scaffold split takes it (--split-by scaffold)");
        }
        if (!splitBy.equals("column") && parsed.hasMatchedOption("--split-column")) {
            throw new UsageError("--split-column: --split-by " + splitBy + " splits the rows itself and reads no split column; leave out"
                    + " --split-column, or give --split-by column");
        }
        DataSpec ds = new DataSpec(opts.input.toAbsolutePath().normalize(), opts.format, splitColumn, "train", "valid", "test", null, 42, 0, maxRows);
        return switch (splitBy) {
            case "scaffold" -> new DataSpec(ds.path(), ds.format(), null, "train", "valid", "test", fractions, splitSeed, 0, maxRows,
                    smilesColumn, scaffoldOrder);
            case "random" -> ds.withSplit(null, fractions, splitSeed);
            default -> ds; // column
        };
    }

    /** --split-fractions: three numbers, none negative, adding up to 1 (as a run's split: [...] must). */
    private List<Double> fractions() {
        List<Double> out = new ArrayList<>();
        for (String f : splitFractions.split(",", -1)) {
            try {
                out.add(Double.parseDouble(f.strip()));
            } catch (NumberFormatException e) {
                throw new UsageError("--split-fractions: expected three numbers like 0.8,0.1,0.1, got '" + splitFractions + "'");
            }
        }
        if (!DataSpec.splitFractions(out)) {
            throw new UsageError("--split-fractions: expected three fractions (train, valid, test) that add up to 1, got '" + splitFractions + "'");
        }
        return out;
    }
}
