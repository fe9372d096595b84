package tagllm.chem;

import tagllm.data.ChunkedRows;
import tagllm.data.RowSink;
import tagllm.data.DatasetException;
import tagllm.data.FailedRowError;
import tagllm.data.Format;
import tagllm.data.OutputColumns;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tagllm.util.ParallelMap;

/**
 * Adds computed columns to every row of a data file (CSV, TSV, JSONL or FASTA as tagllm.data reads them)
 * and writes the result as the output's name says (CSV, TSV or JSONL: {@link RowSink}), keeping all other columns
 * (of JSONL input, every key any object has). Every input row has its output row: a row whose value
 * cannot be labelled (or that cannot be read) gets empty labels and the reason in the {@value #ERROR_COLUMN} column,
 * and goes to the {@link RowIssues} with its file and line; in strict mode the run stops before anything is written. Rows are labelled in parallel; the output keeps the input order and is written atomically.
 * An input column named as a computed column (or {@value #ERROR_COLUMN}) is replaced in the output, and the
 * {@link Summary} names it, so that the caller can say so.
 */
public final class CsvLabeler {
    /** The column naming why a row has no label (empty when it has one): no input row is left out of the output. */
    public static final String ERROR_COLUMN = "error";

    /** Computes the new cells for one input value; throws IllegalArgumentException saying what is wrong. */
    @FunctionalInterface
    public interface Labeler {
        List<String> label(String value);
    }

    /**
     * What a run wrote: rows, how many got labels, how many an error; replaced, the input's columns whose values the
     * output does not carry because a computed column (or the error column) of the same name took their place.
     */
    public record Summary(long rows, long labelled, long skipped, List<String> replaced) {
        public Summary {
            replaced = List.copyOf(replaced);
        }

        public Summary(long rows, long labelled, long skipped) {
            this(rows, labelled, skipped, List.of());
        }
    }

    private final List<String> newColumns;
    private final Labeler labeler;
    private final int threads;

    /**
     * @param newColumns names of the computed columns; an input column of the same name is replaced
     * @param threads    worker threads (CDK matchers are kept per thread)
     */
    public CsvLabeler(List<String> newColumns, Labeler labeler, int threads) {
        this.newColumns = List.copyOf(newColumns);
        this.labeler = labeler;
        this.threads = threads;
    }

    /**
     * Labels the values of {@code column}.
     *
     * @param format null to choose by the file's extension
     * @param issues receives rows that are malformed or cannot be labelled (strict: the first one is thrown)
     */
    public Summary label(Path input, Format format, String column, Path output, RowIssues issues) throws IOException {
        return label(input, format, column, output, issues, rowsRead -> { });
    }

    /** As {@link #label(Path, Format, String, Path, RowIssues)}, telling {@code progress} the rows read after each chunk. */
    public Summary label(Path input, Format format, String column, Path output, RowIssues issues, java.util.function.LongConsumer progress)
            throws IOException {
        long[] counts = new long[2];
        int[] errorColumn = {-1};
        List<String> replaced = new ArrayList<>();
        List<String> added = new ArrayList<>(newColumns);
        added.add(ERROR_COLUMN);
        long issuesBefore = issues.count();
        try (ParallelMap parallel = new ParallelMap(threads)) {
            AtomicFiles.write(output, out -> {
                RowSink sink = RowSink.of(out, RowSink.formatOf(output), java.util.Set.copyOf(newColumns), java.util.Set.of(ERROR_COLUMN));
                List<String> header = new ArrayList<>();
                int[] target = new int[newColumns.size()];
                ChunkedRows.scan(input, format, issues, new ChunkedRows.Handler() {
                    @Override
                    public void columns(List<String> columns) throws IOException {
                        ChunkedRows.requireColumn(input, format, column, columns);
                        OutputColumns placed = OutputColumns.place(columns, added);
                        header.addAll(placed.header());
                        for (int i = 0; i < target.length; i++) target[i] = placed.position(i);
                        errorColumn[0] = placed.position(target.length);
                        replaced.addAll(placed.replaced());
                        sink.header(header);
                    }

                    @Override
                    public void unreadable(DatasetException problem) throws IOException {
                        counts[0]++; // already recorded in issues by the reader (strict mode stopped there)
                        List<String> values = new ArrayList<>(header.size());
                        // what the reader could tell of the row's values, so that it can be found
                        for (String name : header) values.add(problem.known().getOrDefault(name, ""));
                        for (int t : target) values.set(t, "");
                        values.set(errorColumn[0], FailedRowError.of(problem.origin().line(), problem.reason()));
                        sink.row(values);
                    }

                    @Override
                    public void chunk(List<Row> rows) throws IOException {
                        List<Object> results = parallel.map(rows, row -> labelOrProblem(row, column));
                        for (int i = 0; i < rows.size(); i++) {
                            counts[0]++;
                            List<String> values = new ArrayList<>(header.size());
                            boolean[] json = new boolean[header.size()]; // a JSONL input's numbers, booleans, arrays, objects
                            for (int h = 0; h < header.size(); h++) {
                                Row row = rows.get(i);
                                // a key this row lacks has no value: null in JSONL, "" in CSV and TSV
                                values.add(row.has(header.get(h)) ? row.get(header.get(h)) : null);
                                json[h] = row.isJson(header.get(h));
                            }
                            for (int t : target) json[t] = false;
                            json[errorColumn[0]] = false;
                            values.set(errorColumn[0], "");
                            if (results.get(i) instanceof DatasetException problem) {
                                issues.record(problem); // strict: stops here, nothing is written
                                for (int t : target) values.set(t, "");
                                values.set(errorColumn[0], FailedRowError.of(rows.get(i).line(), problem.reason()));
                            } else {
                                @SuppressWarnings("unchecked")
                                List<String> cells = (List<String>) results.get(i);
                                for (int j = 0; j < target.length; j++) values.set(target[j], cells.get(j));
                                counts[1]++;
                            }
                            sink.row(values, json);
                        }
                        progress.accept(counts[0]);
                    }
                });
                sink.flush();
            });
        }
        return new Summary(counts[0], counts[1], issues.count() - issuesBefore, replaced);
    }

    private Object labelOrProblem(Row row, String column) {
        try {
            List<String> cells = labeler.label(row.get(column));
            if (cells.size() != newColumns.size())
                throw new IllegalStateException("labeler returned " + cells.size() + " cells for " + newColumns.size() + " columns");
            return cells;
        } catch (RuntimeException e) {
            return LabelFailures.of(row, column, e);
        } catch (StackOverflowError e) {
            return LabelFailures.tooLarge(row, column);
        }
    }
}
