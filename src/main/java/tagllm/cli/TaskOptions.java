package tagllm.cli;

import picocli.CommandLine.Option;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The options predict and eval share: model, tag files, task, input data. */
final class TaskOptions {
    @picocli.CommandLine.Mixin
    ComputeOption compute = new ComputeOption();

    @Option(names = "--model", required = true, description = "base model folder or Hub id (the one the tags were trained on)")
    String model;

    @Option(names = "--tags", required = true, description = "tag file(s); several are merged (e.g. domain tags of one run + a function tag of another)")
    List<Path> tags = new ArrayList<>();

    @Option(names = "--task", required = true, description = "a task stored in the tag files, or a preset (QED, Descriptor, BA, DC, Translate:en-fr, …)")
    String task;

    @Option(converter = StandardStreams.In.class, names = "--input", required = true, description = "data file (.csv, .tsv, .jsonl, .fasta, .txt; also gzip-compressed, e.g. .csv.gz); - reads standard input (with --format)")
    Path input;

    @Option(names = "--format", description = "data format when the extension does not say (csv, tsv, jsonl, fasta, text)")
    String format;

    @Option(names = "--column", description = "read a placeholder from another column: PLACEHOLDER=COLUMN (repeatable)")
    Map<String, String> columns = new LinkedHashMap<>();

    @Option(names = "--label", description = "the column holding the true value (regression eval; default: the task's)")
    String label;

    @Option(names = "--strict", description = "stop at the first row that does not fit (and write nothing) instead of giving it an error "
            + "(predict) or leaving it out (eval)")
    boolean strict;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    @Option(names = "--max-tokens", defaultValue = "128", description = "text tasks: most tokens generated per row (default ${DEFAULT-VALUE}; refused for other tasks)")
    int maxTokens;

    /** The predictor for --model and --tags, computing as --compute says. */
    TagPredictor open(picocli.CommandLine cl) throws java.io.IOException {
        // as generate and serve refuse 0: a text task would give every row an empty output counted as a prediction
        if (maxTokens < 1) throw new picocli.CommandLine.ParameterException(cl, "--max-tokens must be at least 1, got " + maxTokens);
        return TagPredictor.open(compute.load(model, cl), tags);
    }

    TaskSpec resolve(TagPredictor p) {
        TaskSpec t = p.task(task);
        // only a text task generates: on any other --max-tokens would be read and change nothing
        String nothing = t.type().generatesNothing(t.name());
        if (nothing != null && mixee.commandLine().getParseResult().hasMatchedOption("--max-tokens")) {
            throw new UsageError("--max-tokens: " + nothing + " (leave out --max-tokens)");
        }
        // a mapping for a placeholder the template lacks would be ignored, and the run would read the column it meant to avoid
        java.util.Set<String> placeholders = t.parsedTemplate().columns();
        for (String placeholder : columns.keySet()) {
            if (!placeholders.contains(placeholder)) {
                throw new UsageError("--column " + placeholder + "=" + columns.get(placeholder) + ": task " + t.name()
                        + "'s template has no placeholder '" + placeholder + "' (it has: " + String.join(", ", placeholders) + ")");
            }
        }
        if (!columns.isEmpty()) t = t.withColumns(columns);
        if (label != null) t = t.withLabel(label);
        // the experiment reader refuses a template that reads the label as an input; a mapping given here must not
        // bring it back (the prompt would hold the answer, and eval would score the label against itself)
        if (t.type().readsHead()) {
            for (String placeholder : t.promptPlaceholders()) {
                String column = t.column(placeholder);
                if (t.labelColumns().contains(column)) {
                    String message = (columns.containsKey(placeholder) ? "--column " + placeholder + "=" + column : "--label " + column)
                            + ": task " + t.name() + "'s placeholder '" + placeholder + "' would read the label column '" + column
                            + "' as an input, so the prompt would hold the answer; map it to the input's column";
                    // the options given here are at fault (exit 2); without any, the tag file's own task is
                    if (columns.containsKey(placeholder) || label != null) throw new UsageError(message);
                    throw new IllegalArgumentException(message);
                }
            }
        }
        p.requireReady(t);
        return t;
    }
}
