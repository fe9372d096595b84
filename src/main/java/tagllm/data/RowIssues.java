package tagllm.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What to do with a row that does not fit (missing or empty column, unparsable number, unknown split, a value
 * over a caller's length limit): refuse the whole file ({@link #strict()}), or skip the row and remember why
 * ({@link #skipping()}). Either way the problem is reported with file and line.
 *
 * <pre>{@code
 * RowIssues issues = RowIssues.skipping();
 * List<Example> examples = dataset.map(issues, row -> new Example(row.getNonEmpty("smiles"), row.getDouble("qed")));
 * if (issues.count() > 0) log.warn(issues.summary());
 * }</pre>
 *
 * Thread-safe, so rows may be converted in parallel.
 */
public final class RowIssues {
    /** How many skipped-row messages are kept by default; the count is always exact. */
    public static final int DEFAULT_KEEP = 20;

    private final boolean strict;
    private final int keep;
    private final List<String> messages = new ArrayList<>();
    private long count;
    /** When set, problems are recorded there and then handed to onSkip (see {@link #forwarding}). */
    private final RowIssues target;
    private final java.util.function.Consumer<DatasetException> onSkip;

    private RowIssues(boolean strict, int keep) {
        this(strict, keep, null, null);
    }

    private RowIssues(boolean strict, int keep, RowIssues target, java.util.function.Consumer<DatasetException> onSkip) {
        this.strict = strict;
        this.keep = keep;
        this.target = target;
        this.onSkip = onSkip;
    }

    /**
     * Records into {@code target} (which throws in strict mode), then tells {@code onSkip} about each skipped row:
     * for writers that keep a place for every input row (an output row with the reason instead of a value).
     */
    public static RowIssues forwarding(RowIssues target, java.util.function.Consumer<DatasetException> onSkip) {
        return new RowIssues(target.strict, 0, target, onSkip);
    }

    /** The first bad row throws its {@link DatasetException}. */
    public static RowIssues strict() {
        return new RowIssues(true, 0);
    }

    /** Bad rows are skipped; the first {@value #DEFAULT_KEEP} messages are kept. */
    public static RowIssues skipping() {
        return skipping(DEFAULT_KEEP);
    }

    /** Bad rows are skipped; the first {@code keep} messages are kept. */
    public static RowIssues skipping(int keep) {
        if (keep < 0) throw new IllegalArgumentException("keep must be >= 0, got " + keep);
        return new RowIssues(false, keep);
    }

    /**
     * Converts a row; a {@link DatasetException} thrown by the conversion (from {@link Row}'s accessors or from
     * {@link #reject}) skips the row in skipping mode and propagates in strict mode.
     *
     * @return the converted value, or empty when the row was skipped (or the conversion returned null, which
     *         drops a row on purpose without a message)
     */
    public <T> Optional<T> convert(Row row, Function<Row, T> conversion) {
        try {
            return Optional.ofNullable(conversion.apply(row));
        } catch (DatasetException e) {
            record(e);
            return Optional.empty();
        }
    }

    /** Reports a problem found by the caller (e.g. a sequence over the length limit); throws in strict mode. */
    public void reject(Origin where, String reason) {
        record(new DatasetException(where, reason));
    }

    public void reject(Row row, String reason) {
        reject(row.origin(), reason);
    }

    /** Records a row-level problem, or throws it in strict mode. */
    public void record(DatasetException problem) {
        if (target != null) {
            target.record(problem);
            onSkip.accept(problem);
            return;
        }
        if (strict) throw problem;
        synchronized (this) {
            count++;
            if (messages.size() < keep) messages.add(problem.getMessage());
        }
    }

    /** How many rows were skipped. */
    public synchronized long count() {
        return target != null ? target.count() : count;
    }

    /** The first messages, each {@code file:line: reason}. */
    public synchronized List<String> messages() {
        return target != null ? target.messages() : List.copyOf(messages);
    }

    /** One paragraph for a log: the count and the kept messages. */
    public synchronized String summary() {
        if (target != null) return target.summary();
        if (count == 0) return "no rows skipped";
        StringBuilder b = new StringBuilder().append(count).append(count == 1 ? " row" : " rows").append(" skipped");
        if (!messages.isEmpty()) {
            b.append(count > messages.size() ? " (first " + messages.size() + " shown)" : "").append(':');
            for (String m : messages) b.append("\n  ").append(m);
        }
        return b.toString();
    }
}
