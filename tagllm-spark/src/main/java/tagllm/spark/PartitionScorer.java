package tagllm.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import tagllm.data.DatasetException;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Scores one partition as a stream: rows are checked and rendered into prompts as predict does (a row the reader
 * could not read, an invalid SMILES or protein, a null, a prompt too long: no prompt, predict's reason as the
 * error), packed into batches of up to batchRows positions (as predict packs its input), each batch goes through
 * the model in one call, and every input row comes out once, with its prediction or with the reason it has none
 * (a non-finite regression output, or class probabilities that are not all finite, is no prediction, as in
 * predict). A regression row gets its number, a classification row predict's class probabilities (one double per
 * class) then its predicted class, a text row the generated text (and, when the model's context cut it before
 * maxTokens, predict's note in the error column).
 * A row's result does not depend on the rows batched with it (the engine's row results are independent of their
 * batch), so it equals predict's.
 */
final class PartitionScorer implements Iterator<Row> {
    /** How the error of a row begins when the model call failed on it (not its input): spark score counts them. */
    static final String BATCH_FAILED = "batch failed: ", GENERATION_FAILED = "generation failed: ";
    private final Iterator<Row> input;
    private final TagPredictor predictor;
    private final TaskSpec task;
    private final ExampleRenderer renderer;
    private final ScoreSpec spec;
    private final String source;
    private final List<Row> out = new ArrayList<>();
    private int next;
    private long line;

    PartitionScorer(ScoreSpec spec, Iterator<Row> input, int partition) {
        this.spec = spec;
        this.input = input;
        this.predictor = ExecutorModels.predictor(spec.model(), spec.precision(), spec.tagFiles(), spec.tagNames());
        // the placeholders read from other columns, as predict --column maps them: the renderer and InputCheck look
        // each placeholder's value up under its data column
        this.task = predictor.task(spec.task()).withColumns(spec.columns());
        predictor.requireReady(task);
        this.renderer = predictor.renderer(task);
        this.source = "partition " + partition;
    }

    @Override
    public boolean hasNext() {
        if (next < out.size()) return true;
        out.clear();
        next = 0;
        if (!input.hasNext()) return false;
        fill();
        return true;
    }

    @Override
    public Row next() {
        if (!hasNext()) throw new NoSuchElementException();
        return out.get(next++);
    }

    /** Reads rows until the rendered prompts fill a batch (or batchRows rows are read), scores them, and queues every row read. */
    private void fill() {
        List<Row> rows = new ArrayList<>();
        List<Example> prompts = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int positions = 0;
        // rows as well as positions: a row without a prompt (an invalid or null input) takes no position, and a
        // partition of such rows was read whole into one batch, however many millions it held
        while (input.hasNext() && positions < spec.batchRows() && rows.size() < spec.batchRows()) {
            Row r = input.next();
            line++;
            rows.add(r);
            String unreadable = spec.readErrorCol() == null ? null : r.getString(r.fieldIndex(spec.readErrorCol()));
            if (unreadable != null) {
                prompts.add(null);
                errors.add(unreadable);
                continue;
            }
            try {
                tagllm.data.Row row = tagllm.data.Row.of(source, line, fields(r));
                Example e = renderer.checkedPrompt(row);
                prompts.add(e);
                errors.add(null);
                positions += e.sequence().length();
            } catch (DatasetException e) {
                // the reason alone, as predict's error column has it: the partition and its row count mean nothing to a reader
                prompts.add(null);
                errors.add(e.reason());
            } catch (IllegalArgumentException e) {
                prompts.add(null);
                errors.add(e.getMessage());
            }
        }
        Object[][] results = predict(prompts, errors);
        int added = outputs();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Object[] v = new Object[r.size() + added + 1];
            for (int c = 0; c < r.size(); c++) v[c] = r.get(c);
            // a row without a prediction: every added value null
            if (results[i] != null) System.arraycopy(results[i], 0, v, r.size(), added);
            v[r.size() + added] = errors.get(i);
            out.add(RowFactory.create(v));
        }
    }

    /** The values added before the error column, in TagLlmScorer's schema: the classes' probabilities and the class, or the prediction. */
    private int outputs() {
        return task.type() == TaskType.CLASSIFICATION ? task.classes().size() + 1 : 1;
    }

    /** Each row's added values (null when it has no prediction; errors then says why). */
    private Object[][] predict(List<Example> prompts, List<String> errors) {
        Object[][] results = new Object[prompts.size()][];
        List<Integer> ok = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) if (prompts.get(i) != null) ok.add(i);
        if (ok.isEmpty()) return results;
        ExecutorModels.COMPUTE.lock();
        try {
            if (task.type() == TaskType.CLASSIFICATION) {
                // as predict: the head's probabilities (binary [p(first), p(second)], softmax, or a sigmoid per label
                // column), then ClassSpec.predicted (the most probable class; multi-label: the columns with p >= 0.5)
                double[][] p = predictor.classProbabilities(task, ok.stream().map(i -> prompts.get(i).sequence()).toList());
                for (int k = 0; k < p.length; k++) {
                    // as predict: probabilities that are not all finite (a normed hidden state that overflows a float
                    // makes them NaN) are no prediction, where argmax over NaN would name the first class
                    String nonFinite = TagPredictor.nonFiniteProbabilitiesError(p[k]);
                    if (nonFinite != null) {
                        errors.set(ok.get(k), nonFinite);
                        continue;
                    }
                    Object[] v = new Object[p[k].length + 1];
                    for (int c = 0; c < p[k].length; c++) v[c] = p[k][c];
                    v[p[k].length] = task.classes().predicted(p[k]);
                    results[ok.get(k)] = v;
                }
            } else if (task.type() == TaskType.REGRESSION) {
                double[] v = predictor.predictValues(task, ok.stream().map(i -> prompts.get(i).sequence()).toList());
                for (int k = 0; k < v.length; k++) {
                    // as predict: an infinite or NaN output (a head whose label scale overflows, say) is no prediction
                    if (Double.isFinite(v[k])) results[ok.get(k)] = new Object[]{v[k]};
                    else errors.set(ok.get(k), TagPredictor.nonFiniteError(v[k]));
                }
            } else {
                for (int i : ok) {
                    try {
                        TagPredictor.Generation g = predictor.generation(prompts.get(i).sequence(), spec.maxTokens());
                        results[i] = new Object[]{g.text()};
                        // as predict: the output is kept, and its note says the context ended it, not the model
                        if (g.contextFull()) {
                            errors.set(i, TagPredictor.contextFullNote(renderer.context(), prompts.get(i).sequence().length(), spec.maxTokens()));
                        }
                    } catch (RuntimeException e) {
                        errors.set(i, GENERATION_FAILED + TagPredictor.modelFailureReason(e));
                    }
                }
            }
        } catch (RuntimeException e) {
            // a failure of the whole batch (not of one row's input): every row of it says so, none is dropped
            for (int i : ok) {
                results[i] = null;
                // in words, as predict's stop message says it (e.toString() began with the exception's class name)
                errors.set(i, BATCH_FAILED + TagPredictor.modelFailureReason(e));
            }
        } finally {
            ExecutorModels.COMPUTE.unlock();
        }
        return results;
    }

    /** The row's input columns by name (the task maps its placeholders to them); a null value is a row error naming the column. */
    private Map<String, String> fields(Row r) {
        Map<String, String> f = new LinkedHashMap<>();
        for (String c : spec.inputCols()) {
            Object v = r.get(r.fieldIndex(c));
            if (v == null) throw DatasetException.of(source, line, "column '" + c + "' is null");
            f.put(c, v.toString());
        }
        return f;
    }
}
