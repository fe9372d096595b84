package tagllm.cli;

import tagllm.util.Plural;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tagllm.data.ChunkedRows;
import tagllm.data.DatasetException;
import tagllm.data.Format;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.data.RowSink;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TagPredictor;
import tagllm.task.MissingInputColumn;
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

    @Option(converter = StandardStreams.Out.class, names = {"-o", "--output"}, description = "file to write (atomically), as its extension says (.csv, .tsv, .jsonl); standard output (CSV) when absent or -")
    Path output;

    @Option(names = "--output-format", paramLabel = "csv|tsv|jsonl", description = "format of the output when its extension does not say (--format is the input's)")
    String outputFormat;

    @Option(names = "--force", description = "replace an existing --output file")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Option(names = "--truncate", description = "an input too long for the prompt is cut instead of refused: the longest "
            + "value the prompt reads keeps as many leading characters as fit (a text task's leaving --max-tokens positions of the context to generate "
            + "into, a text row that fits but leaves fewer cut the same way; the 'error' column says how many); without it such a row gets an error. A SMILES is never cut (a cut one is "
            + "another molecule, or none): a row too long because of its SMILES keeps its error, which says so")
    boolean truncate;

    /**
     * A header without a column the prompt reads fails every row for one reason, the file's: said once, as a file
     * error (JSONL has no header; its objects are checked row by row).
     */
    private void requirePromptColumns(TaskSpec task, Format format, List<String> columns) {
        if (format != Format.CSV && format != Format.TSV) return;
        List<MissingInputColumn> missing = task.missingInputColumns(columns::contains);
        if (missing.isEmpty()) return;
        List<String> named = missing.stream().map(MissingInputColumn::named).toList();
        List<String> options = missing.stream().map(MissingInputColumn::columnOption).toList();
        throw DatasetException.of(opts.input.toString(), 1, (missing.size() == 1 ? "missing column " : "missing columns ")
                + String.join(", ", named) + ", which task " + task.name() + "'s prompt reads (the file has: " + String.join(", ", columns)
                + "); --column PLACEHOLDER=COLUMN reads a placeholder from another column (here " + String.join(" ", options) + ")");
    }

    /** The column naming why a row has no prediction, or that its input was truncated; empty otherwise. */
    static final String ERROR_COLUMN = "error";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Rows read, predicted and written at a time (tests set fewer, to cross chunk borders on a small file). */
    int chunkRows = ChunkedRows.CHUNK;

    /** The predictor the run uses, given the one --model and --tags open (tests give one whose model call fails). */
    java.util.function.UnaryOperator<TagPredictor> predictorOf = p -> p;

    @Override
    public Integer call() throws Exception {
        TableOutput format = TableOutput.of(outputFormat, output);
        OutputGuard.requireNew(output, force);
        if (opts.label != null) throw new UsageError("--label " + opts.label + ": predict reads no labels (eval and score do)");
        TagPredictor p = predictorOf.apply(opts.open(spec.commandLine()));
        TaskSpec task = opts.resolve(p);
        TagPredictor.requirePredictable(task);
        RowIssues issues = opts.strict ? RowIssues.strict() : RowIssues.skipping(5);
        Format inputFormat = opts.format != null ? Format.parse(opts.format) : Format.detect(opts.input);
        List<String> extra = new ArrayList<>();
        if (task.type() == TaskType.CLASSIFICATION) for (String c : task.classes().classes()) extra.add("prob_" + c);
        // the column score regression (--pred) and eval read by default
        String column = task.type() == TaskType.TEXT ? "output" : PREDICTION;
        java.util.Set<String> numeric = new java.util.HashSet<>(extra);
        if (task.type() == TaskType.REGRESSION) numeric.add(PREDICTION);
        var err = spec.commandLine().getErr();
        OutputGuard.removeLeftovers(output, err);
        RowProgress bar = RowProgress.overFile(err, quiet, "predict " + task.name(), opts.input);
        // rows are read, predicted and written a chunk at a time: memory stays that of a chunk whatever the file's size
        PredictChunks[] written = new PredictChunks[1];
        AtomicFiles.Writer table = out -> {
            RowSink sink = format.sink(out, numeric, java.util.Set.of(ERROR_COLUMN));
            PredictChunks chunks = new PredictChunks(p, task, truncate, opts.maxTokens, issues, sink, bar,
                    columns -> requirePromptColumns(task, inputFormat, columns), extra, column, ERROR_COLUMN);
            ChunkedRows.scan(opts.input, inputFormat, issues, chunkRows, chunks);
            sink.flush();
            written[0] = chunks;
        };
        // standard output gets the table once it is complete, as before: a run that fails (or --strict stops) prints
        // none of it; meanwhile it waits in a temporary file, not in memory. DELETE_ON_CLOSE unlinks it at once on
        // Linux and macOS (the open channel keeps it), so a killed run leaves no file behind.
        try (java.nio.channels.FileChannel spool = output != null ? null : java.nio.channels.FileChannel.open(
                java.nio.file.Files.createTempFile("tagllm-predict-", ".tmp"), java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.DELETE_ON_CLOSE)) {
            if (output != null) {
                AtomicFiles.write(output, table);
            } else {
                var out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(spool), 1 << 16) {
                    @Override
                    public void close() throws java.io.IOException { flush(); } // the channel stays open to be read back
                };
                table.write(out);
                out.flush();
            }
            bar.finish();
            PredictChunks done = written[0];
            long n = done.rows(), failed = done.failed();
            if (issues.count() > 0) err.println(issues.keptSummary("not predicted", ERROR_COLUMN));
            if (!done.placed().replaced().isEmpty()) err.println(ReplacedColumns.note(done.placed().replaced(), output, opts.input));
            err.println(opts.input + ": " + rows(n) + ", " + (n - failed) + " predicted, " + failed + " with an error"
                    + (failed > 0 ? " (the reason is in the '" + ERROR_COLUMN + "' column)" : ""));
            if (done.contextFull() > 0) {
                err.println("note: the output of " + rows(done.contextFull()) + " stopped at the end of the model's context before --max-tokens"
                        + " (said in the '" + ERROR_COLUMN + "' column; a shorter input leaves more room)");
            }
            if (output != null) {
                err.println("wrote " + rows(n) + " to " + output);
            } else {
                var stdout = spec.commandLine().getOut();
                spool.position(0);
                var in = java.nio.channels.Channels.newReader(spool, java.nio.charset.StandardCharsets.UTF_8);
                in.transferTo(stdout);
                stdout.flush();
            }
        } finally {
            bar.finish();
        }
        return 0;
    }

    /**
     * A too-long row cut to fit: its longest value the prompt reads (a SMILES excepted: see {@link #whyNot}) keeps the most leading characters that fit (bisection), leaving
     * {@code room} positions of the model's context free after the prompt (a text task's --max-tokens: cut only to
     * fit, the prompt would leave one token to generate).
     */
    record Truncated(Example prompt, String note) {
        /** The note a row gets when --truncate could not help because of a SMILES: the reason, then why not. */
        static DatasetException whyNot(DatasetException e, Row row, java.util.List<String> smiles, boolean tooLong) {
            for (String c : smiles) {
                if (!row.has(c) || row.get(c).isEmpty()) continue;
                // too long for the prompt with the row's other values cut as far as they go; or over the SMILES check's length
                boolean cause = tooLong || e.reason().startsWith(c + ": ") && e.reason().contains("longer than");
                if (cause) {
                    return new DatasetException(e.origin(), e.reason() + "; --truncate does not cut a SMILES ('" + c
                            + "', " + row.get(c).length() + " characters): a cut SMILES is another molecule, or none", e.known());
                }
            }
            return e;
        }

        static Truncated fit(ExampleRenderer r, Row row, int room, java.util.List<String> uncut) {
            String longest = null;
            // only a column the prompt reads: cutting another (an id, a note, a text task's reference output) shortens nothing
            for (String c : r.task().promptColumns()) {
                if (row.has(c) && !uncut.contains(c) && (longest == null || row.get(c).length() > row.get(longest).length())) longest = c;
            }
            if (longest == null) return null;
            String full = row.get(longest);
            int lo = 0, hi = full.length(); // lo fits (or is 0), hi does not
            Example best = null;
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                Example e = tryPrompt(r, row, longest, full.substring(0, mid));
                if (e != null && e.sequence().length() + room > r.context()) e = null;
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

    private static String rows(long n) { return Plural.count(n, "row"); }
}
