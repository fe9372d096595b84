package tagllm.cli;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
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

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * tagllm predict: each input row through the task's prompt; regression tasks read the head, text tasks
 * generate greedily. Writes the input columns plus "prediction" (or "output") as CSV.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict with trained tags: --task QED --input data.csv --output preds.csv.")
public final class PredictCommand implements Callable<Integer> {
    @Mixin
    TaskOptions opts;

    @Option(names = {"-o", "--output"}, description = "CSV to write (atomically); standard output when absent")
    Path output;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
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
        if (task.type() == TaskType.REGRESSION) {
            for (double v : p.predictValues(task, prompts.stream().map(Example::sequence).toList())) out.add(String.format(Locale.ROOT, "%.6g", v));
        } else {
            for (Example e : prompts) out.add(p.generate(e.sequence(), opts.maxTokens));
        }
        String column = task.type() == TaskType.REGRESSION ? "prediction" : "output";
        StringWriter sw = new StringWriter();
        List<String> header = new ArrayList<>(kept.get(0).columns());
        header.add(column);
        try (CSVPrinter csv = new CSVPrinter(sw, CSVFormat.DEFAULT.builder().setRecordSeparator("\n").get())) {
            csv.printRecord(header);
            for (int i = 0; i < kept.size(); i++) {
                List<String> rec = new ArrayList<>();
                for (String c : header.subList(0, header.size() - 1)) rec.add(kept.get(i).has(c) ? kept.get(i).get(c) : "");
                rec.add(out.get(i));
                csv.printRecord(rec);
            }
        }
        if (output != null) {
            AtomicFiles.writeString(output, sw.toString());
            spec.commandLine().getErr().println("wrote " + kept.size() + " predictions to " + output);
        } else {
            spec.commandLine().getOut().print(sw);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
