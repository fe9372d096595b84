package tagllm.chem;

import tagllm.data.ChunkedRows;
import tagllm.data.RowSink;
import tagllm.data.DatasetException;
import tagllm.data.Format;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.task.LabelText;
import tagllm.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;
import tagllm.util.ParallelMap;
import tagllm.util.PythonFloat;

/**
 * Writes a regression training CSV the way the Tag-LLM code builds its QED and Descriptor sets:
 * columns {@code input,label,label_text} (plus {@code split} when the source has one), where
 * {@code label} is the value as Python prints it and {@code label_text} is {@link LabelText}. Like the
 * paper, inputs longer than the length limit are skipped, and a repeated input is kept once (first time).
 */
public final class TrainingSetBuilder {
    /**
     * @param rows       data rows read
     * @param written    rows in the output
     * @param tooLong    skipped for being longer than the limit
     * @param duplicates skipped as repeats of an earlier input
     * @param invalid    skipped because the input could not be labelled (or the row was malformed)
     */
    public record Summary(long rows, long written, long tooLong, long duplicates, long invalid) {}

    private record Labelled(String input, double value) {}

    /** Over the length limit: as given, or (normalised) only once normalised. */
    private record TooLong(int length, boolean normalised) {}

    private final ToDoubleFunction<String> label;
    private final UnaryOperator<String> normalise;
    private final int maxLength;
    private final boolean dedupe;
    private final int threads;

    /**
     * @param label     the label of one input; throws IllegalArgumentException saying what is wrong
     * @param normalise applied to each input before labelling (e.g. canonical SMILES); identity for none
     * @param maxLength inputs longer than this many characters are skipped (the paper: 512)
     */
    public TrainingSetBuilder(ToDoubleFunction<String> label, UnaryOperator<String> normalise, int maxLength,
                              boolean dedupe, int threads) {
        if (maxLength < 1) throw new IllegalArgumentException("max length must be at least 1, got " + maxLength);
        this.label = label;
        this.normalise = normalise;
        this.maxLength = maxLength;
        this.dedupe = dedupe;
        this.threads = threads;
    }

    /**
     * @param format null to choose by the file's extension (FASTA rows have id, description, sequence)
     * @param issues receives rows that cannot be labelled (strict: the first one is thrown, nothing written)
     */
    public Summary build(Path input, Format format, String column, Path output, RowIssues issues) throws IOException {
        return build(input, format, column, output, issues, rowsRead -> { });
    }

    /** As {@link #build(Path, Format, String, Path, RowIssues)}, telling {@code progress} the rows read after each chunk. */
    public Summary build(Path input, Format format, String column, Path output, RowIssues issues, java.util.function.LongConsumer progress)
            throws IOException {
        return build(input, format, column, output, issues, progress, leftOut -> { });
    }

    /**
     * As {@link #build(Path, Format, String, Path, RowIssues, java.util.function.LongConsumer)}, telling {@code leftOut}
     * each row left out of the output, in file order: a problem (after {@code issues} recorded it), over the length
     * limit, or a repeat (its reason names the line of the row it repeats). The last two are not problems
     * ({@code --strict} does not stop at them), so they do not go to {@code issues}; they used to be only counted.
     */
    public Summary build(Path input, Format format, String column, Path output, RowIssues issues, java.util.function.LongConsumer progress,
                         java.util.function.Consumer<DatasetException> leftOut) throws IOException {
        return build(input, format, column, output, issues, progress, leftOut, () -> { });
    }

    /**
     * As {@link #build(Path, Format, String, Path, RowIssues, java.util.function.LongConsumer, java.util.function.Consumer)},
     * flushing {@code leftOutFile} (where {@code leftOut} writes the rows, e.g. data build's --skipped file) after the
     * last row and before the output replaces its target: a list that cannot be written (a full disk) fails the build
     * while the earlier output is still in place, instead of after the new one replaced it.
     */
    public Summary build(Path input, Format format, String column, Path output, RowIssues issues, java.util.function.LongConsumer progress,
                         java.util.function.Consumer<DatasetException> leftOut, java.io.Flushable leftOutFile) throws IOException {
        long[] c = new long[4]; // rows, written, tooLong, duplicates
        long issuesBefore = issues.count();
        try (ParallelMap parallel = new ParallelMap(threads)) {
            AtomicFiles.write(output, out -> {
                RowSink sink = RowSink.of(out, RowSink.formatOf(output), Set.of("label"));
                boolean[] hasSplit = {false};
                // each input written, with the line it was written from: a repeat's reason names that line
                Map<String, Long> seen = new HashMap<>();
                // the inputs as given whose label was found (written, or a repeat of one written), with the line of the
                // row written for them: seen again, they are repeats without labelling them (a file of 1,000,000 rows
                // of 20,000 molecules labelled every row)
                Map<String, Long> labelledRaw = new HashMap<>();
                ChunkedRows.scan(input, format, issues, new ChunkedRows.Handler() {
                    @Override
                    public void columns(List<String> columns) throws IOException {
                        ChunkedRows.requireColumn(input, format, column, columns);
                        hasSplit[0] = columns.contains("split");
                        sink.header(hasSplit[0] ? List.of("input", "label", "label_text", "split")
                                : List.of("input", "label", "label_text"));
                    }

                    @Override
                    public void unreadable(DatasetException problem) {
                        c[0]++; // read and refused (the reader recorded it as invalid): "rows read" counts it
                        leftOut.accept(problem); // here, in its place: the reader recorded it when it read it, ahead of its chunk
                    }

                    @Override
                    public void chunk(List<Row> rows) throws IOException {
                        List<Object> results = labelledOnce(rows, parallel, column, hasSplit[0], labelledRaw);
                        for (int i = 0; i < rows.size(); i++) {
                            c[0]++;
                            Row row = rows.get(i);
                            if (results.get(i) == REPEAT) {
                                c[3]++;
                                leftOut.accept(repeat(row, labelledRaw.get(raw(row, column, hasSplit[0]))));
                                continue;
                            }
                            if (results.get(i) instanceof DatasetException problem) {
                                issues.record(problem);
                                leftOut.accept(problem);
                                continue;
                            }
                            if (results.get(i) instanceof TooLong t) {
                                c[2]++;
                                leftOut.accept(new DatasetException(row.origin(), (t.normalised() ? "normalised input is " : "")
                                        + t.length() + " characters, longer than the limit of " + maxLength));
                                continue;
                            }
                            Labelled l = (Labelled) results.get(i);
                            if (dedupe) {
                                Long first = seen.putIfAbsent(l.input(), row.origin().line());
                                labelledRaw.putIfAbsent(raw(row, column, hasSplit[0]), first != null ? first : row.origin().line());
                                if (first != null) {
                                    c[3]++;
                                    leftOut.accept(repeat(row, first));
                                    continue;
                                }
                            }
                            List<String> out = new ArrayList<>(4);
                            out.add(l.input());
                            out.add(PythonFloat.repr(l.value()));
                            out.add(LabelText.format(l.value()));
                            if (hasSplit[0]) out.add(rows.get(i).get("split"));
                            sink.row(out);
                            c[1]++;
                        }
                        progress.accept(c[0]);
                    }
                });
                sink.flush();
                leftOutFile.flush();
            });
        }
        return new Summary(c[0], c[1], c[2], c[3], issues.count() - issuesBefore);
    }

    /** Why a repeat is left out: the line of the row written for its input (null: unknown, not expected). */
    private static DatasetException repeat(Row row, Long firstLine) {
        return new DatasetException(row.origin(), "duplicate of line " + (firstLine == null ? "?" : firstLine) + " (the paper de-duplicates; "
                + "--keep-duplicates keeps repeats)");
    }

    /** A row whose input is one already labelled: a repeat, whatever its labelling would give. */
    private static final Object REPEAT = new Object();

    /**
     * Each row's {@link #labelled} result, or {@link #REPEAT} when de-duplicating and its input as given is in
     * {@code labelledRaw} or repeats an earlier row of the chunk whose label was found: only the first of each input
     * is labelled (normalising and labelling are functions of the input, so a repeat's input is the same). A repeat of
     * a row over the length limit or that could not be labelled gives that row's result again (its own line for a problem).
     */
    private List<Object> labelledOnce(List<Row> rows, ParallelMap parallel, String column, boolean withSplit, Map<String, Long> labelledRaw) {
        if (!dedupe) return parallel.map(rows, row -> labelled(row, column, withSplit));
        int n = rows.size();
        int[] first = new int[n]; // the chunk's row whose result this row takes, or -1: labelled itself, or a repeat of an earlier chunk
        java.util.Map<String, Integer> firstOf = new java.util.HashMap<>();
        List<Row> distinct = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        Object[] results = new Object[n];
        for (int i = 0; i < n; i++) {
            first[i] = -1;
            String raw = raw(rows.get(i), column, withSplit);
            if (raw != null && labelledRaw.containsKey(raw)) {
                results[i] = REPEAT;
                continue;
            }
            Integer f = raw == null ? null : firstOf.putIfAbsent(raw, i);
            if (f != null) {
                first[i] = f;
                continue;
            }
            distinct.add(rows.get(i));
            at.add(i);
        }
        List<Object> done = parallel.map(distinct, row -> labelled(row, column, withSplit));
        for (int k = 0; k < done.size(); k++) results[at.get(k)] = done.get(k);
        for (int i = 0; i < n; i++) {
            if (first[i] < 0) continue;
            Object r = results[first[i]];
            // a problem names its own row and line: labelled again (rare); too long is the same for a repeat
            results[i] = r instanceof Labelled ? REPEAT : r instanceof DatasetException ? labelled(rows.get(i), column, withSplit) : r;
        }
        return java.util.Arrays.asList(results);
    }

    /** The input as given (what {@link #labelled} starts from), or null when the row has none to read. */
    private static String raw(Row row, String column, boolean withSplit) {
        try {
            if (withSplit) row.get("split");
            return row.get(column).strip();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The labelled input, {@link TooLong} when it is over the length limit, or the problem. withSplit: the output has a split
     * column, so a row without one (a JSONL object without the key, or with null) is a problem of that row; it used to
     * be thrown while writing and ended the whole build.
     */
    private Object labelled(Row row, String column, boolean withSplit) {
        try {
            if (withSplit) row.get("split");
            String raw = row.get(column).strip();
            if (raw.isEmpty()) return new DatasetException(row.origin(), "column '" + column + "' is empty");
            // the paper filters by length before labelling, so over-long inputs are never parsed
            if (raw.length() > maxLength) return new TooLong(raw.length(), false);
            String input = normalise.apply(raw);
            if (input.length() > maxLength) return new TooLong(input.length(), true);
            return new Labelled(input, label.applyAsDouble(input));
        } catch (RuntimeException e) {
            return LabelFailures.of(row, column, e);
        } catch (StackOverflowError e) {
            // under a raised --max-length a long chain reaches CDK's recursion limit: that row is invalid, the build goes on
            return LabelFailures.tooLarge(row, column);
        }
    }
}
