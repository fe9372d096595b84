package tagllm.chem;

import tagllm.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Adds computed columns to a CSV file (or a FASTA file, turned into id,sequence rows), keeping every
 * other column. Rows whose input cannot be labelled are reported with file, line and reason and left out,
 * or, in strict mode, stop the run before anything is written. Output is written atomically.
 */
public final class CsvLabeler {
    /** Computes the new cells for one input value; throws IllegalArgumentException naming what is wrong. */
    @FunctionalInterface
    public interface Labeler {
        List<String> label(String value);
    }

    public record Summary(long rows, long labelled, long invalid) {}

    static final int CHUNK = 4096;

    private final List<String> newColumns;
    private final Labeler labeler;
    private final boolean strict;
    private final int threads;
    private final Consumer<RowProblem> problems;

    /**
     * @param newColumns names of the computed columns; a column of the same name in the input is replaced
     * @param threads    worker threads (CDK matchers are kept per thread)
     * @param problems   receives each row that was left out
     */
    public CsvLabeler(List<String> newColumns, Labeler labeler, boolean strict, int threads, Consumer<RowProblem> problems) {
        this.newColumns = List.copyOf(newColumns);
        this.labeler = labeler;
        this.strict = strict;
        this.threads = threads;
        this.problems = problems;
    }

    /** Labels the values of {@code column} of a CSV file. */
    public Summary labelCsv(Path input, String column, Path output) throws IOException {
        try (CsvSource source = CsvSource.open(input); ParallelMap parallel = new ParallelMap(threads)) {
            int col = source.column(column);
            List<String> header = new ArrayList<>(source.header());
            int[] target = new int[newColumns.size()];
            for (int i = 0; i < newColumns.size(); i++) {
                int existing = header.indexOf(newColumns.get(i));
                if (existing >= 0) {
                    target[i] = existing;
                } else {
                    target[i] = header.size();
                    header.add(newColumns.get(i));
                }
            }
            long[] counts = new long[3];
            AtomicFiles.write(output, out -> {
                CsvSink sink = new CsvSink(out);
                sink.row(header);
                List<CsvSource.Row> chunk;
                while (!(chunk = source.next(CHUNK)).isEmpty()) {
                    List<Object> results = parallel.map(chunk, row -> labelOrProblem(row.get(col), input, row.line()));
                    for (int i = 0; i < chunk.size(); i++) {
                        counts[0]++;
                        if (results.get(i) instanceof RowProblem p) {
                            report(p);
                            counts[2]++;
                            continue;
                        }
                        @SuppressWarnings("unchecked")
                        List<String> cells = (List<String>) results.get(i);
                        List<String> values = new ArrayList<>(chunk.get(i).values());
                        while (values.size() < header.size()) values.add("");
                        for (int j = 0; j < target.length; j++) values.set(target[j], cells.get(j));
                        sink.row(values);
                        counts[1]++;
                    }
                }
                sink.flush();
            });
            return new Summary(counts[0], counts[1], counts[2]);
        }
    }

    /** Labels the sequences of a FASTA file, writing id,sequence and the new columns. */
    public Summary labelFasta(Path input, Path output) throws IOException {
        List<FastaRecord> records = FastaReader.read(input);
        List<String> header = new ArrayList<>(List.of("id", "sequence"));
        header.addAll(newColumns);
        long[] counts = new long[3];
        try (ParallelMap parallel = new ParallelMap(threads)) {
            AtomicFiles.write(output, out -> {
                CsvSink sink = new CsvSink(out);
                sink.row(header);
                for (int start = 0; start < records.size(); start += CHUNK) {
                    List<FastaRecord> chunk = records.subList(start, Math.min(records.size(), start + CHUNK));
                    List<Object> results = parallel.map(chunk, r -> labelOrProblem(r.sequence(), input, r.line()));
                    for (int i = 0; i < chunk.size(); i++) {
                        counts[0]++;
                        if (results.get(i) instanceof RowProblem p) {
                            report(p);
                            counts[2]++;
                            continue;
                        }
                        @SuppressWarnings("unchecked")
                        List<String> cells = (List<String>) results.get(i);
                        List<String> values = new ArrayList<>(List.of(chunk.get(i).id(), chunk.get(i).sequence()));
                        values.addAll(cells);
                        sink.row(values);
                        counts[1]++;
                    }
                }
                sink.flush();
            });
        }
        return new Summary(counts[0], counts[1], counts[2]);
    }

    private Object labelOrProblem(String value, Path file, long line) {
        try {
            List<String> cells = labeler.label(value);
            if (cells.size() != newColumns.size())
                throw new IllegalStateException("labeler returned " + cells.size() + " cells for " + newColumns.size() + " columns");
            return cells;
        } catch (IllegalArgumentException e) {
            return new RowProblem(file.toString(), line, e.getMessage());
        }
    }

    private void report(RowProblem p) {
        if (strict) throw new InvalidRowException(p);
        problems.accept(p);
    }
}
