package tagllm.cli;

import tagllm.data.ChunkedRows;
import tagllm.data.DatasetException;
import tagllm.data.FailedRowError;
import tagllm.data.Origin;
import tagllm.data.OutputColumns;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.data.RowSink;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;
import tagllm.util.RowProgress;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * predict's rows as {@link ChunkedRows} hands them over (the reader chem uses): each chunk rendered, predicted and
 * written before the next is read, so that predict holds one chunk whatever the file's size (it held every row, its
 * prompt and the whole output text until the end: ~2.6 KB a row, 745 MB for 200k rows). A row the reader refuses
 * comes between chunks, in its place. Prediction is row by row in its result (the engine computes the same bits
 * whatever the other rows of a pass), so the output is the one a single pass over the whole file gave.
 */
final class PredictChunks implements ChunkedRows.Handler {
    private final TagPredictor predictor;
    private final TaskSpec task;
    private final ExampleRenderer renderer;
    private final boolean truncate;
    /** The columns checked as SMILES, which --truncate does not cut (a cut SMILES is another molecule, or none). */
    private final List<String> smilesColumns;
    private final int maxTokens;
    private final RowIssues issues;
    private final RowSink sink;
    private final RowProgress bar;
    private final Consumer<List<String>> checkColumns;
    /** The classification's probability columns (none for other tasks), then the prediction and the error column. */
    private final List<String> extra;
    private final List<String> added;

    private List<String> columns;
    private OutputColumns placed;
    private long rows;
    private long failed;
    private long contextFull;
    /** How a text row's note begins when the context ended its output; such a row is predicted, not failed. */
    static final String CONTEXT_FULL = TagPredictor.CONTEXT_FULL;

    /**
     * @param checkColumns throws when the input's columns cannot serve the prompt (a file error, said once)
     * @param valueColumn  "prediction" or, for text tasks, "output"
     */
    PredictChunks(TagPredictor predictor, TaskSpec task, boolean truncate, int maxTokens, RowIssues issues, RowSink sink,
                  RowProgress bar, Consumer<List<String>> checkColumns, List<String> extra, String valueColumn, String errorColumn) {
        this.predictor = predictor;
        this.task = task;
        this.renderer = predictor.renderer(task);
        this.truncate = truncate;
        this.smilesColumns = tagllm.task.InputCheck.of(task).checkedColumns().entrySet().stream()
                .filter(c -> c.getValue().equals("SMILES")).map(Map.Entry::getKey).toList();
        this.maxTokens = maxTokens;
        this.issues = issues;
        this.sink = sink;
        this.bar = bar;
        this.checkColumns = checkColumns;
        this.extra = List.copyOf(extra);
        List<String> a = new ArrayList<>(extra);
        a.add(valueColumn);
        a.add(errorColumn);
        this.added = List.copyOf(a);
    }

    /** The output's columns: known once the input's header (or, for JSONL, every key) is read. */
    OutputColumns placed() { return placed; }

    /** Rows written, one per input row. */
    long rows() { return rows; }

    /** Rows written without a value, with the reason. */
    long failed() { return failed; }

    /** Text rows whose output the model's context cut before --max-tokens (they have an output, and a note saying so). */
    long contextFull() { return contextFull; }

    @Override
    public void columns(List<String> columns) throws IOException {
        checkColumns.accept(columns);
        this.columns = List.copyOf(columns);
        // the added columns after the input's, or in place of an input column of the same name (a note says which)
        placed = OutputColumns.place(columns, added);
        sink.header(placed.header());
    }

    @Override
    public void unreadable(DatasetException problem) throws IOException {
        // already recorded by the reader (strict: never called, the scan throws it after the rows before it); it keeps what it could tell of its values, so that it can be found
        write(null, problem.origin().line(), problem.known(), null, null, problem.reason());
        bar.to(rows);
    }

    @Override
    public void chunk(List<Row> chunk) throws IOException {
        int n = chunk.size();
        long before = rows;
        String[] errors = new String[n];
        String[] values = new String[n];
        List<String>[] extraValues = newLists(n);
        List<Integer> usable = new ArrayList<>();
        List<Example> prompts = new ArrayList<>();
        // a text row cut to fit keeps room for the output asked for, as far as the context allows
        int room = task.type() == TaskType.TEXT ? Math.min(maxTokens, renderer.context() - 1) : 0;
        for (int k = 0; k < n; k++) {
            Row row = chunk.get(k);
            try {
                Example prompt = renderer.checkedPrompt(row);
                int left = renderer.context() - prompt.sequence().length();
                if (truncate && left < room) {
                    // it fits, but would stop at the context before --max-tokens: --truncate cuts it to leave the room, as it does a row that does not fit
                    PredictCommand.Truncated t = PredictCommand.Truncated.fit(renderer, row, room, smilesColumns);
                    if (t != null) {
                        prompt = t.prompt();
                        errors[k] = t.note() + " (the whole prompt left " + left + " of the " + maxTokens + " positions --max-tokens asks for)";
                    }
                }
                prompts.add(prompt);
                usable.add(k);
            } catch (DatasetException e) {
                boolean tooLong = e.reason().startsWith("too long");
                PredictCommand.Truncated t = truncate && tooLong ? PredictCommand.Truncated.fit(renderer, row, room, smilesColumns) : null;
                if (t == null) {
                    DatasetException why = truncate ? PredictCommand.Truncated.whyNot(e, row, smilesColumns, tooLong) : e;
                    issues.record(why); // strict: stops here, nothing is written
                    errors[k] = why.reason();
                    continue;
                }
                prompts.add(t.prompt());
                usable.add(k);
                errors[k] = t.note();
            }
        }
        if (!prompts.isEmpty()) predict(chunk, prompts, usable, values, errors, extraValues, before);
        for (int k = 0; k < n; k++) write(chunk.get(k), chunk.get(k).origin().line(), Map.of(), extraValues[k], values[k], errors[k]);
        bar.to(rows);
    }

    private void predict(List<Row> chunk, List<Example> prompts, List<Integer> usable, String[] values, String[] errors,
                         List<String>[] extraValues, long before) {
        if (task.type() == TaskType.CLASSIFICATION) {
            // one probability column per class (multi-label: per label column), then the predicted class
            var cs = task.classes();
            double[][] probs;
            try {
                probs = predictor.classProbabilities(task, prompts.stream().map(Example::sequence).toList());
            } catch (CancellationException e) {
                throw e;
            } catch (RuntimeException e) {
                throw modelFailure(chunk, usable, e);
            }
            for (int i = 0; i < probs.length; i++) {
                int k = usable.get(i);
                String nonFinite = TagPredictor.nonFiniteProbabilitiesError(probs[i]);
                if (nonFinite != null) {
                    // as a regression row's non-finite value: no prediction, and the reason, rather than NaN columns
                    values[k] = "";
                    errors[k] = nonFinite;
                    issues.record(new DatasetException(chunk.get(k).origin(), nonFinite));
                    continue;
                }
                List<String> v = new ArrayList<>();
                for (double x : probs[i]) v.add(Double.toString(x));
                extraValues[k] = v;
                values[k] = cs.predicted(probs[i]);
            }
        } else if (task.type() == TaskType.REGRESSION) {
            double[] v;
            try {
                v = predictor.predictValues(task, prompts.stream().map(Example::sequence).toList(), done -> bar.to(before + done));
            } catch (CancellationException e) {
                throw e;
            } catch (RuntimeException e) {
                throw modelFailure(chunk, usable, e);
            }
            for (int i = 0; i < v.length; i++) {
                int k = usable.get(i);
                if (Double.isFinite(v[i])) {
                    // the shortest text that reads back as the same double: the bits serve and Spark give
                    values[k] = Double.toString(v[i]);
                } else {
                    values[k] = "";
                    errors[k] = TagPredictor.nonFiniteError(v[i]);
                    issues.record(new DatasetException(chunk.get(k).origin(), errors[k]));
                }
            }
        } else {
            for (int i = 0; i < prompts.size(); i++) {
                int k = usable.get(i);
                TagPredictor.Generation g;
                try {
                    g = predictor.generation(prompts.get(i).sequence(), maxTokens);
                } catch (CancellationException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw modelFailure(chunk, List.of(k), e);
                }
                values[k] = g.text();
                if (g.contextFull()) {
                    // as generate says on stderr: without a word an output cut by the context looks like one the model ended
                    String cut = TagPredictor.contextFullNote(renderer.context(), prompts.get(i).sequence().length(), maxTokens);
                    errors[k] = errors[k] == null ? cut : errors[k] + "; " + cut;
                    contextFull++;
                }
                bar.to(before + i + 1);
            }
        }
    }

    /**
     * A failure of the model call itself (an engine fault, not a reason in a row: those are checked before it runs)
     * stops predict as before, but named as predict's other errors are, by file and line: the engine's message names
     * no row, and a chunk is thousands of them. The rows are those of the call that failed: the chunk's rows that had
     * a prompt, or the one row a text task was generating. Ctrl-C (a CancellationException) is not a failure and is
     * not caught.
     */
    private static IllegalStateException modelFailure(List<Row> chunk, List<Integer> rows, RuntimeException e) {
        Origin first = chunk.get(rows.getFirst()).origin();
        long last = chunk.get(rows.getLast()).origin().line();
        String which = rows.size() == 1 ? "this row"
                : "the batch of rows on lines " + first.line() + "-" + last + " (" + rows.size() + " rows)";
        return new IllegalStateException(first + ": the model failed predicting " + which + ": " + TagPredictor.modelFailureReason(e), e);
    }

    /**
     * One output row: the input's values (or what the reader could tell of them), then the added ones. A failed row's
     * error is {@link FailedRowError} ({@code line N: REASON}), whatever failed (the reader, InputCheck, the length, the model's output); a
     * note on a predicted row stays as it is.
     */
    private void write(Row row, long line, Map<String, String> known, List<String> extraValues, String value, String error) throws IOException {
        List<String> header = placed.header();
        List<String> rec = new ArrayList<>(header.size());
        boolean[] raw = new boolean[header.size()]; // a JSONL input's numbers, booleans, arrays and objects, written back as such
        for (String c : columns) {
            if (row != null && row.isJson(c)) raw[rec.size()] = true;
            // a key this row lacks (JSON Lines: the header is every row's keys) has no value: null in JSONL, "" in CSV
            rec.add(row != null && row.has(c) ? row.get(c) : known.get(c));
        }
        while (rec.size() < header.size()) rec.add("");
        for (int a = 0; a < added.size(); a++) raw[placed.position(a)] = false;
        for (int e = 0; e < extra.size(); e++) rec.set(placed.position(e), extraValues == null ? "" : extraValues.get(e));
        // no value, or an empty one with its reason; a multi-label row with no label (and a text task's empty
        // output) is a prediction, not a failure
        boolean failedRow = value == null || value.isEmpty() && error != null && !error.isEmpty() && !error.startsWith("truncated")
                && !error.startsWith(CONTEXT_FULL);
        if (failedRow) {
            failed++;
            error = FailedRowError.of(line, error);
        }
        rec.set(placed.position(extra.size()), value == null ? "" : value);
        rec.set(placed.position(extra.size() + 1), error == null ? "" : error);
        rows++;
        sink.row(rec, raw);
    }

    @SuppressWarnings("unchecked")
    private static List<String>[] newLists(int n) {
        return (List<String>[]) new List[n];
    }
}
