package tagllm.chem;

import tagllm.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * Writes a regression training CSV the way the Tag-LLM code builds its QED and Descriptor sets:
 * columns {@code input,label,label_text} (plus {@code split} when the source has one), where
 * {@code label_text} is {@link LabelText}. Like the paper, inputs longer than the length limit are
 * skipped, and repeated inputs are kept once (the first time they appear).
 */
public final class TrainingSetBuilder {
    public record Summary(long rows, long written, long tooLong, long duplicates, long invalid) {}

    private record Item(long line, String input, String split) {}

    private final ToDoubleFunction<String> label;
    private final UnaryOperator<String> normalise;
    private final int maxLength;
    private final boolean dedupe;
    private final boolean strict;
    private final int threads;
    private final Consumer<RowProblem> problems;

    /**
     * @param label     the label of one input; throws IllegalArgumentException naming what is wrong
     * @param normalise applied to each input before the length check (e.g. canonical SMILES); identity for none
     * @param maxLength inputs longer than this many characters are skipped (the paper: 512)
     */
    public TrainingSetBuilder(ToDoubleFunction<String> label, UnaryOperator<String> normalise, int maxLength,
                              boolean dedupe, boolean strict, int threads, Consumer<RowProblem> problems) {
        if (maxLength < 1) throw new IllegalArgumentException("max length must be at least 1, got " + maxLength);
        this.label = label;
        this.normalise = normalise;
        this.maxLength = maxLength;
        this.dedupe = dedupe;
        this.strict = strict;
        this.threads = threads;
        this.problems = problems;
    }

    /** From a CSV column; a {@code split} column, when present, is carried over. */
    public Summary fromCsv(Path input, String column, Path output) throws IOException {
        try (CsvSource source = CsvSource.open(input)) {
            int col = source.column(column);
            int splitCol = source.optionalColumn("split");
            List<Item> items = new ArrayList<>();
            List<CsvSource.Row> chunk;
            while (!(chunk = source.next(CsvLabeler.CHUNK)).isEmpty())
                for (CsvSource.Row r : chunk) items.add(new Item(r.line(), r.get(col).strip(), splitCol >= 0 ? r.get(splitCol) : null));
            return write(input, items, splitCol >= 0, output);
        }
    }

    /** From the sequences of a FASTA file (no split column). */
    public Summary fromFasta(Path input, Path output) throws IOException {
        List<Item> items = new ArrayList<>();
        for (FastaRecord r : FastaReader.read(input)) items.add(new Item(r.line(), r.sequence(), null));
        return write(input, items, false, output);
    }

    private Summary write(Path file, List<Item> items, boolean hasSplit, Path output) throws IOException {
        long[] c = new long[5]; // rows, written, tooLong, duplicates, invalid
        try (ParallelMap parallel = new ParallelMap(threads)) {
            AtomicFiles.write(output, out -> {
                CsvSink sink = new CsvSink(out);
                sink.row(hasSplit ? List.of("input", "label", "label_text", "split") : List.of("input", "label", "label_text"));
                Set<String> seen = new HashSet<>();
                for (int start = 0; start < items.size(); start += CsvLabeler.CHUNK) {
                    List<Item> chunk = items.subList(start, Math.min(items.size(), start + CsvLabeler.CHUNK));
                    List<Object> results = parallel.map(chunk, item -> labelled(file, item));
                    for (int i = 0; i < chunk.size(); i++) {
                        c[0]++;
                        Object r = results.get(i);
                        if (r instanceof RowProblem p) {
                            if (strict) throw new InvalidRowException(p);
                            problems.accept(p);
                            c[4]++;
                            continue;
                        }
                        Labelled l = (Labelled) r;
                        if (l.input().length() > maxLength) {
                            c[2]++;
                            continue;
                        }
                        if (dedupe && !seen.add(l.input())) {
                            c[3]++;
                            continue;
                        }
                        List<String> row = new ArrayList<>(List.of(l.input(), PythonFloat.repr(l.value()), LabelText.of(l.value())));
                        if (hasSplit) row.add(chunk.get(i).split());
                        sink.row(row);
                        c[1]++;
                    }
                }
                sink.flush();
            });
        }
        return new Summary(c[0], c[1], c[2], c[3], c[4]);
    }

    private record Labelled(String input, double value) {}

    private Object labelled(Path file, Item item) {
        try {
            if (item.input().isEmpty()) throw new IllegalArgumentException("empty input");
            if (item.input().length() > maxLength) return new Labelled(item.input(), Double.NaN);
            String input = normalise.apply(item.input());
            // the paper filters before labelling; too-long inputs are not labelled at all
            if (input.length() > maxLength) return new Labelled(input, Double.NaN);
            return new Labelled(input, label.applyAsDouble(input));
        } catch (IllegalArgumentException e) {
            return new RowProblem(file.toString(), item.line(), e.getMessage());
        }
    }
}
