package tagllm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tagllm.data.Dataset;
import tagllm.data.DatasetException;
import tagllm.data.Format;
import tagllm.data.OutputColumns;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;
import tagllm.util.AtomicFiles;
import tagllm.util.RowProgress;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * tagllm predict: each input row through the task's prompt; regression tasks read the head, text tasks
 * generate greedily. Writes the input columns plus "prediction" (or "output") and "error" as CSV, TSV or JSONL: every
 * input row has its output row, one that cannot be read, rendered or predicted with an empty value and the reason;
 * classification tasks add a "prob_CLASS" column per class before "prediction" (the most probable class). An input
 * column with the name of one it adds (a file that went through predict before) is replaced in place, with a note.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict with trained tags: --task QED --input data.csv --output preds.csv.")
public final class PredictCommand implements Callable<Integer> {
    /** The column of regression predictions: what {@code score regression --pred} reads by default. */
    static final String PREDICTION = "prediction";

    @Mixin
    TaskOptions opts;

    @Option(names = {"-o", "--output"}, description = "file to write (atomically), as its extension says (.csv, .tsv, .jsonl); standard output (CSV) when absent")
    Path output;

    @Option(names = "--output-format", paramLabel = "csv|tsv|jsonl", description = "format of the output when its extension does not say (--format is the input's)")
    String outputFormat;

    @Option(names = "--force", description = "replace an existing --output file")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Option(names = "--truncate", description = "an input too long for the prompt is cut instead of refused: the row's longest "
            + "value keeps as many leading characters as fit (the 'error' column says how many); without it such a row gets an error")
    boolean truncate;

    /**
     * A header without a column the prompt reads fails every row for one reason, the file's: said once, as a file
     * error (JSONL has no header; its objects are checked row by row).
     */
    private void requirePromptColumns(TaskSpec task, Format format, List<String> columns) {
        if (format != Format.CSV && format != Format.TSV) return;
        List<String> missing = new ArrayList<>();
        for (String c : task.promptColumns()) if (!columns.contains(c)) missing.add("'" + c + "'");
        if (missing.isEmpty()) return;
        throw DatasetException.of(opts.input.toString(), 1, (missing.size() == 1 ? "missing column " : "missing columns ")
                + String.join(", ", missing) + ", which task " + task.name() + "'s prompt reads (the file has: " + String.join(", ", columns)
                + "); --column PLACEHOLDER=COLUMN reads a placeholder from another column");
    }

    /** The column naming why a row has no prediction, or that its input was truncated; empty otherwise. */
    static final String ERROR_COLUMN = "error";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TableOutput format = TableOutput.of(outputFormat, output);
        OutputGuard.requireNew(output, force);
        if (opts.label != null) throw new IllegalArgumentException("--label " + opts.label + ": predict reads no labels (eval and score do)");
        TagPredictor p = opts.open(spec.commandLine());
        TaskSpec task = opts.resolve(p);
        if (task.type() == TaskType.LANGUAGE_MODEL) throw new IllegalArgumentException("task " + task.name() + " is domain text: nothing to predict (use eval for its loss)");
        // every input row in file order, read or not: each gets its output row
        List<Object> entries = new ArrayList<>();
        RowIssues issues = opts.strict ? RowIssues.strict() : RowIssues.skipping(5);
        Format inputFormat = opts.format != null ? Format.parse(opts.format) : Format.detect(opts.input);
        List<String> columns = Dataset.scan(opts.input, inputFormat, RowIssues.forwarding(issues, entries::add), entries::add);
        requirePromptColumns(task, inputFormat, columns);
        ExampleRenderer r = p.renderer(task);
        int n = entries.size();
        String[] errors = new String[n];
        List<Integer> usable = new ArrayList<>();
        List<Example> prompts = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            if (entries.get(k) instanceof DatasetException unreadable) {
                errors[k] = "line " + unreadable.origin().line() + ": " + unreadable.reason();
                continue;
            }
            Row row = (Row) entries.get(k);
            try {
                prompts.add(r.checkedPrompt(row));
                usable.add(k);
            } catch (DatasetException e) {
                Truncated t = truncate && e.reason().startsWith("too long") ? Truncated.fit(r, row) : null;
                if (t == null) {
                    issues.record(e); // strict: stops here
                    errors[k] = e.reason();
                    continue;
                }
                prompts.add(t.prompt());
                usable.add(k);
                errors[k] = t.note();
            }
        }
        String[] values = new String[n];
        RowProgress bar = RowProgress.of(spec.commandLine().getErr(), quiet, "predict " + task.name(), prompts.size());
        List<String> extra = new ArrayList<>();
        List<String>[] extraValues = new List[n];
        if (task.type() == TaskType.CLASSIFICATION) {
            // one probability column per class (multi-label: per label column), then the predicted class
            var cs = task.classes();
            for (String c : cs.classes()) extra.add("prob_" + c);
            List<double[]> probs = prompts.isEmpty() ? List.of() : java.util.Arrays.asList(p.classProbabilities(task, prompts.stream().map(Example::sequence).toList()));
            for (int i = 0; i < probs.size(); i++) {
                int k = usable.get(i);
                List<String> v = new ArrayList<>();
                for (double x : probs.get(i)) v.add(Double.toString(x));
                extraValues[k] = v;
                values[k] = cs.predicted(probs.get(i));
            }
            bar.to(prompts.size());
        } else if (task.type() == TaskType.REGRESSION) {
            double[] v = prompts.isEmpty() ? new double[0] : p.predictValues(task, prompts.stream().map(Example::sequence).toList(), bar::to);
            for (int i = 0; i < v.length; i++) {
                int k = usable.get(i);
                if (Double.isFinite(v[i])) {
                    // the shortest text that reads back as the same double: the bits serve and Spark give
                    values[k] = Double.toString(v[i]);
                } else {
                    values[k] = "";
                    errors[k] = "the model gave a non-finite value (" + v[i] + ")";
                    issues.record(new DatasetException(((Row) entries.get(k)).origin(), errors[k]));
                }
            }
        } else {
            for (int i = 0; i < prompts.size(); i++) {
                values[usable.get(i)] = p.generate(prompts.get(i).sequence(), opts.maxTokens);
                bar.advance(1);
            }
        }
        bar.finish();
        // the column score regression (--pred) and eval read by default
        String column = task.type() == TaskType.TEXT ? "output" : PREDICTION;
        // the added columns after the input's, or in place of an input column of the same name (a note says which)
        List<String> added = new ArrayList<>(extra);
        added.add(column);
        added.add(ERROR_COLUMN);
        OutputColumns placed = OutputColumns.place(columns, added);
        List<String> header = placed.header();
        List<List<String>> records = new ArrayList<>();
        List<boolean[]> json = new ArrayList<>(); // a JSONL input's numbers, booleans, arrays and objects, written back as such
        long failed = 0;
        for (int k = 0; k < n; k++) {
            List<String> rec = new ArrayList<>(header.size());
            Row row = entries.get(k) instanceof Row x ? x : null;
            // a row the reader refused keeps what it could tell of its values, so that it can be found
            var known = entries.get(k) instanceof DatasetException unreadable ? unreadable.known() : java.util.Map.<String, String>of();
            boolean[] raw = new boolean[header.size()];
            for (String c : columns) {
                if (row != null && row.isJson(c)) raw[rec.size()] = true;
                rec.add(row != null && row.has(c) ? row.get(c) : known.getOrDefault(c, ""));
            }
            while (rec.size() < header.size()) rec.add("");
            for (int a = 0; a < added.size(); a++) raw[placed.position(a)] = false;
            for (int e = 0; e < extra.size(); e++) rec.set(placed.position(e), extraValues[k] == null ? "" : extraValues[k].get(e));
            rec.set(placed.position(extra.size()), values[k] == null ? "" : values[k]);
            rec.set(placed.position(extra.size() + 1), errors[k] == null ? "" : errors[k]);
            // no value, or an empty one with its reason; a multi-label row with no label (and a text task's empty
            // output) is a prediction, not a failure
            if (values[k] == null || values[k].isEmpty() && errors[k] != null && !errors[k].isEmpty() && !errors[k].startsWith("truncated")) failed++;
            records.add(rec);
            json.add(raw);
        }
        java.util.Set<String> numeric = new java.util.HashSet<>(extra);
        if (task.type() == TaskType.REGRESSION) numeric.add(PREDICTION);
        String text = format.render(header, records, json, numeric);
        var err = spec.commandLine().getErr();
        if (issues.count() > 0) err.println(issues.summary());
        if (!placed.replaced().isEmpty()) err.println(ReplacedColumns.note(placed.replaced(), output, opts.input));
        err.println(opts.input + ": " + n + " rows, " + (n - failed) + " predicted, " + failed + " with an error"
                + (failed > 0 ? " (the reason is in the '" + ERROR_COLUMN + "' column)" : ""));
        if (output != null) {
            AtomicFiles.writeString(output, text);
            err.println("wrote " + n + " rows to " + output);
        } else {
            spec.commandLine().getOut().print(text);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    /** A too-long row cut to fit: its longest value keeps the most leading characters that fit (bisection). */
    private record Truncated(Example prompt, String note) {
        static Truncated fit(ExampleRenderer r, Row row) {
            String longest = null;
            for (String c : row.columns()) if (row.has(c) && (longest == null || row.get(c).length() > row.get(longest).length())) longest = c;
            if (longest == null) return null;
            String full = row.get(longest);
            int lo = 0, hi = full.length(); // lo fits (or is 0), hi does not
            Example best = null;
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                Example e = tryPrompt(r, row, longest, full.substring(0, mid));
                if (e != null) {
                    lo = mid;
                    best = e;
                } else {
                    hi = mid;
                }
            }
            if (best == null) return null;
            return new Truncated(best, "truncated: kept " + lo + " of " + full.length() + " characters of '" + longest + "'");
        }

        private static Example tryPrompt(ExampleRenderer r, Row row, String column, String value) {
            java.util.Map<String, String> values = new java.util.LinkedHashMap<>(row.values());
            values.put(column, value);
            try {
                return r.prompt(Row.of(row.source(), row.line(), values));
            } catch (DatasetException e) {
                return null;
            }
        }
    }
}
