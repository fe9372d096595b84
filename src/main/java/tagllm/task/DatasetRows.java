package tagllm.task;

import tagllm.chem.Scaffolds;
import tagllm.chem.SmilesException;
import tagllm.data.Dataset;
import tagllm.data.DatasetException;
import tagllm.data.ScaffoldSplit;
import tagllm.data.Format;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.data.SeededSplit;
import tagllm.data.Split;
import tagllm.data.SplitColumn;
import tagllm.data.Splits;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a task's rows with tagllm.data and divides them into train/valid/test: by the split column when
 * the file has it, by a seeded random split when asked, else every row is training data (plain text,
 * FASTA). Files are read once and kept for the other splits.
 */
public final class DatasetRows {
    private final boolean strict;
    private final Map<String, Splits<Row>> cache = new HashMap<>();
    private final Map<String, String> notes = new HashMap<>();
    private final Map<String, List<tagllm.data.DatasetException>> skipped = new HashMap<>();
    /** strict: the first bad row of the read and the split, held until the caller's own checks may find an earlier one. */
    private final Map<String, DatasetException> held = new HashMap<>();

    /**
     * @param strict true: a malformed row (a missing column, an unreadable label) stops the read naming its file and
     *               line, as {@code --strict}; false: such rows are skipped and the first few reported
     */
    public DatasetRows(boolean strict) { this.strict = strict; }

    /** Every row of the file, in file order (prediction input). */
    public static List<Row> all(Path file, String format, boolean strict) {
        RowIssues issues = strict ? RowIssues.strict() : RowIssues.skipping(5);
        return Dataset.read(file, format != null ? Format.parse(format) : Format.detect(file), issues).rows();
    }

    /**
     * The rows of one split ("train", "valid" or "test"; also the names a split column accepts, such as "val"), read
     * from spec's file at the first call and kept for the others: one instance per run.
     */
    public List<Row> load(DataSpec spec, String split) {
        List<Row> rows = splits(spec).get(which(split));
        DatasetException first = held.get(key(spec));
        if (first != null) throw first;
        return rows;
    }

    /**
     * As {@link #load(DataSpec, String)} for a caller that checks the rows further (labels, lengths) with
     * {@code checks}. Strict: the first bad row that the read or the split found is recorded into {@code checks}, a
     * {@link RowIssues#firstInFileOrder()}, rather than thrown, and only the rows before it are returned: the caller
     * checks them, in file order, and calls {@code checks.throwFirst()}, so that a bad label at line 3 is reported
     * before a wrong field count at line 5. Not strict: {@code checks} is left alone (the reader's problems are in
     * {@link #note} and {@link #skipped}).
     */
    public List<Row> load(DataSpec spec, String split, RowIssues checks) {
        if (!strict) return load(spec, split);
        List<Row> rows = splits(spec).get(which(split));
        DatasetException first = held.get(key(spec));
        if (first == null) return rows;
        checks.record(first);
        return rows.stream().filter(r -> before(r, first)).toList();
    }

    private static boolean before(Row r, DatasetException problem) {
        return problem.origin() == null || !r.origin().source().equals(problem.origin().source()) || r.origin().line() < problem.origin().line();
    }

    private static Split which(String split) {
        // the names a split column accepts name the splits here too (val, dev, validation for valid)
        String name = split.strip().toLowerCase(java.util.Locale.ROOT);
        SplitColumn names = SplitColumn.DEFAULT;
        Split which = names.train().contains(name) ? Split.TRAIN : names.valid().contains(name) ? Split.VALID
                : names.test().contains(name) ? Split.TEST : null;
        if (which == null) {
            throw new IllegalArgumentException("unknown split '" + split + "' (train; valid, also val, dev, validation; test)");
        }
        return which;
    }

    /** Every row of the data file the reader (or its split) refused, with file, line and reason; read by a load first. */
    public List<tagllm.data.DatasetException> skipped(DataSpec spec) { return skipped.getOrDefault(key(spec), List.of()); }

    /** What the reader decided about splits (e.g. "no split column: all rows are training rows"), or null. */
    public String note(DataSpec spec) { return notes.get(key(spec)); }

    private static String key(DataSpec spec) {
        return spec.path() + "|" + spec.format() + "|" + spec.splitColumn() + "|" + spec.randomFractions() + "|" + spec.randomSeed()
                + "|" + spec.trainName() + "|" + spec.validName() + "|" + spec.testName() + "|" + spec.scaffoldColumn() + "|" + spec.scaffoldOrder();
    }

    /** Thrown by the reader's first problem to end a strict read there (the problem is held in the issues). */
    private static final class FirstProblem extends RuntimeException {
        FirstProblem() { super(null, null, false, false); }
    }

    /**
     * The rows of {@code file} before the reader's first problem, which is recorded into {@code issues} (a
     * {@link RowIssues#firstInFileOrder()}); the columns are those of the rows read, none when no row came before it.
     */
    private static Dataset readToFirstProblem(Path file, Format format, RowIssues issues) {
        List<Row> rows = new java.util.ArrayList<>();
        List<String> columns;
        try {
            columns = Dataset.scan(file, format, RowIssues.forwarding(issues, problem -> { throw new FirstProblem(); }), rows::add);
        } catch (FirstProblem stop) {
            columns = rows.isEmpty() ? List.of() : rows.getFirst().columns();
        }
        return new Dataset(file.toString(), format, columns, rows);
    }

    private Splits<Row> splits(DataSpec spec) {
        String k = key(spec);
        Splits<Row> s = cache.get(k);
        if (s != null) return s;
        Path p = spec.path();
        // strict: the read and the split are separate passes, so the first bad row by place is held and thrown after
        // both (by load, or by the caller's checks.throwFirst()), not the first the passes happened to meet
        RowIssues issues = strict ? RowIssues.firstInFileOrder() : RowIssues.skipping(5).listingAll();
        Format format = spec.format() != null ? Format.parse(spec.format()) : Format.detect(p);
        // strict, split by a column or not at all: each row's split is its own, so no row after the reader's first
        // problem can come before it or change the rows before it, and the rest of the file (gigabytes) is not read.
        // Not for a seeded or scaffold split (every row moves where the rows before it land) nor JSON Lines (the
        // columns are every key of the file)
        boolean stopAtFirst = strict && spec.scaffoldColumn() == null && spec.randomFractions() == null && format != Format.JSONL;
        Dataset ds = stopAtFirst ? readToFirstProblem(p, format, issues) : Dataset.read(p, format, issues);
        boolean noRowRead = ds.columns().isEmpty(); // stopped before any row: the header is not known here
        if (spec.scaffoldColumn() != null) {
            List<Double> f = spec.randomFractions();
            ScaffoldSplit.Order order = "largest_first".equals(spec.scaffoldOrder()) ? ScaffoldSplit.Order.LARGEST_FIRST : ScaffoldSplit.Order.BALANCED;
            ds.requireColumns(spec.scaffoldColumn());
            String col = spec.scaffoldColumn();
            s = new ScaffoldSplit(f.get(0), f.get(1), f.get(2), spec.randomSeed(), order).split(ds.rows(), row -> {
                try {
                    return Scaffolds.of(row.get(col));
                } catch (SmilesException e) {
                    throw new DatasetException(row.origin(), "column '" + col + "': " + e.getMessage());
                }
            }, issues);
        } else if (spec.randomFractions() != null) {
            List<Double> f = spec.randomFractions();
            s = new SeededSplit(f.get(0), f.get(1), f.get(2), spec.randomSeed()).split(ds.rows());
        } else if (spec.splitColumn() != null && ds.columns().contains(spec.splitColumn())) {
            // the default names take their usual aliases (val, dev, validation); names an experiment sets are taken as given
            boolean defaults = spec.trainName().equals("train") && spec.validName().equals("valid") && spec.testName().equals("test");
            SplitColumn col = defaults ? SplitColumn.named(spec.splitColumn())
                    : new SplitColumn(spec.splitColumn(), List.of(spec.trainName()), List.of(spec.validName()), List.of(spec.testName()));
            s = col.split(ds.rows(), issues);
        } else if (spec.splitColumnField() != null) {
            // a column the experiment names is meant to split the rows: with every row a training row instead, the stage's
            // validation and the test scores would be of no rows, or of the rows it trained on
            throw new tagllm.config.ConfigException(spec.splitColumnField() + ": " + p + " has no column '" + spec.splitColumn()
                    + "' (its columns: " + String.join(", ", ds.columns()) + ")");
        } else {
            Splits.Builder<Row> b = new Splits.Builder<>();
            ds.rows().forEach(r -> b.add(Split.TRAIN, r));
            s = b.build();
            if (spec.splitColumn() != null && !noRowRead) notes.put(k, p + ": no '" + spec.splitColumn() + "' column, so every row is a training row");
        }
        issues.first().ifPresent(e -> held.put(k, e));
        if (!strict && issues.count() > 0) notes.merge(k, p + ": " + issues.summary(), (a, b) -> a + "\n" + b);
        skipped.put(k, issues.all());
        cache.put(k, s);
        return s;
    }
}
