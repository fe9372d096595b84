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
import java.util.HashSet;
import java.util.List;
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
        long[] c = new long[4]; // rows, written, tooLong, duplicates
        long issuesBefore = issues.count();
        try (ParallelMap parallel = new ParallelMap(threads)) {
            AtomicFiles.write(output, out -> {
                RowSink sink = RowSink.of(out, RowSink.formatOf(output), Set.of("label"));
                boolean[] hasSplit = {false};
                Set<String> seen = new HashSet<>();
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
                    }

                    @Override
                    public void chunk(List<Row> rows) throws IOException {
                        List<Object> results = parallel.map(rows, row -> labelled(row, column, hasSplit[0]));
                        for (int i = 0; i < rows.size(); i++) {
                            c[0]++;
                            if (results.get(i) instanceof DatasetException problem) {
                                issues.record(problem);
                                continue;
                            }
                            Labelled l = (Labelled) results.get(i);
                            if (l == null) {
                                c[2]++;
                                continue;
                            }
                            if (dedupe && !seen.add(l.input())) {
                                c[3]++;
                                continue;
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
            });
        }
        return new Summary(c[0], c[1], c[2], c[3], issues.count() - issuesBefore);
    }

    /**
     * The labelled input, null when it is over the length limit, or the problem. withSplit: the output has a split
     * column, so a row without one (a JSONL object without the key, or with null) is a problem of that row; it used to
     * be thrown while writing and ended the whole build.
     */
    private Object labelled(Row row, String column, boolean withSplit) {
        try {
            if (withSplit) row.get("split");
            String raw = row.get(column).strip();
            if (raw.isEmpty()) return new DatasetException(row.origin(), "column '" + column + "' is empty");
            // the paper filters by length before labelling, so over-long inputs are never parsed
            if (raw.length() > maxLength) return null;
            String input = normalise.apply(raw);
            if (input.length() > maxLength) return null;
            return new Labelled(input, label.applyAsDouble(input));
        } catch (RuntimeException e) {
            return LabelFailures.of(row, column, e);
        } catch (StackOverflowError e) {
            // under a raised --max-length a long chain reaches CDK's recursion limit: that row is invalid, the build goes on
            return LabelFailures.tooLarge(row, column);
        }
    }
}
