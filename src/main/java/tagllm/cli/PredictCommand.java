package tagllm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.task.DatasetRows;
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
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * tagllm predict: each input row through the task's prompt; regression tasks read the head, text tasks
 * generate greedily. Writes the input columns plus "prediction" (or "output") as CSV, TSV or JSONL; classification
 * tasks add a "prob_CLASS" column per class before "prediction" (the most probable class).
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

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TableOutput format = TableOutput.of(outputFormat, output);
        OutputGuard.requireNew(output, force);
        TagPredictor p = opts.open(spec.commandLine());
        TaskSpec task = opts.resolve(p);
        if (task.type() == TaskType.LANGUAGE_MODEL) throw new IllegalArgumentException("task " + task.name() + " is domain text: nothing to predict (use eval for its loss)");
        List<Row> rows = DatasetRows.all(opts.input, opts.format, opts.strict);
        ExampleRenderer r = p.renderer(task);
        RowIssues issues = opts.strict ? RowIssues.strict() : RowIssues.skipping(5);
        List<Row> kept = new ArrayList<>();
        List<Example> prompts = new ArrayList<>();
        for (Row row : rows) {
            issues.convert(row, r::prompt).ifPresent(e -> {
                kept.add(row);
                prompts.add(e);
            });
        }
        if (issues.count() > 0) spec.commandLine().getErr().println(issues.summary());
        if (prompts.isEmpty()) throw new IllegalArgumentException(opts.input + ": no row could be used for task " + task.name());
        List<String> out = new ArrayList<>();
        RowProgress bar = RowProgress.of(spec.commandLine().getErr(), quiet, "predict " + task.name(), prompts.size());
        List<String> extra = new ArrayList<>();
        List<List<String>> extraValues = new ArrayList<>();
        if (task.type() == TaskType.CLASSIFICATION) {
            // one probability column per class (multi-label: per label column), then the predicted class
            var cs = task.classes();
            for (String c : cs.classes()) extra.add("prob_" + c);
            for (double[] pr : p.classProbabilities(task, prompts.stream().map(Example::sequence).toList())) {
                List<String> v = new ArrayList<>();
                for (double x : pr) v.add(String.format(Locale.ROOT, "%.6g", x));
                extraValues.add(v);
                out.add(cs.predicted(pr));
            }
            bar.to(prompts.size());
        } else if (task.type() == TaskType.REGRESSION) {
            for (double v : p.predictValues(task, prompts.stream().map(Example::sequence).toList(), bar::to)) out.add(String.format(Locale.ROOT, "%.6g", v));
        } else {
            for (Example e : prompts) {
                out.add(p.generate(e.sequence(), opts.maxTokens));
                bar.advance(1);
            }
        }
        bar.finish();
        // the column score regression (--pred) and eval read by default
        String column = task.type() == TaskType.TEXT ? "output" : PREDICTION;
        List<String> header = new ArrayList<>(kept.get(0).columns());
        int inputColumns = header.size();
        header.addAll(extra);
        header.add(column);
        List<List<String>> records = new ArrayList<>();
        for (int i = 0; i < kept.size(); i++) {
            List<String> rec = new ArrayList<>();
            for (String c : header.subList(0, inputColumns)) rec.add(kept.get(i).has(c) ? kept.get(i).get(c) : "");
            if (!extra.isEmpty()) rec.addAll(extraValues.get(i));
            rec.add(out.get(i));
            records.add(rec);
        }
        java.util.Set<String> numeric = new java.util.HashSet<>(extra);
        if (task.type() == TaskType.REGRESSION) numeric.add(PREDICTION);
        String text = format.render(header, records, numeric);
        if (output != null) {
            AtomicFiles.writeString(output, text);
            spec.commandLine().getErr().println("wrote " + kept.size() + " predictions to " + output);
        } else {
            spec.commandLine().getOut().print(text);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
