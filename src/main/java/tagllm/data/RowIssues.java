package tagllm.data;

import tagllm.util.Plural;
import tagllm.util.FileErrors;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * Thread-safe, so rows may be converted in parallel. The messages kept are the first by place (files in the order
 * their first problem came, then lines, then arrival), not by arrival: a reader reports a malformed line while it
 * reads and a conversion reports a bad value later, and rows converted in parallel arrive in any order.
 */
public final class RowIssues {
    /** How many skipped-row messages are kept by default; the count is always exact. */
    public static final int DEFAULT_KEEP = 20;

    /** A kept message and its place: the file's rank (order of its first problem), the line, the arrival. */
    private record Kept(int file, long line, long arrival, String message) {}

    private static final Comparator<Kept> BY_PLACE = Comparator.comparingInt(Kept::file)
            .thenComparingLong(Kept::line).thenComparingLong(Kept::arrival);

    private final boolean strict;
    private final int keep;
    private final List<Kept> kept = new ArrayList<>();
    private final Map<String, Integer> fileRank = new HashMap<>();
    private long count;
    /** Every skipped row's problem, in arrival order, when {@link #listingAll} asked for them (else null). */
    private List<DatasetException> all;
    /** When set, problems are recorded there and then handed to onSkip (see {@link #forwarding}). */
    private final RowIssues target;
    private final java.util.function.Consumer<DatasetException> onSkip;
    /** {@link #firstInFileOrder}: problems are not thrown when they come but the first by place is held for {@link #throwFirst}. */
    private final boolean holding;
    private DatasetException first;
    private Kept firstPlace;

    private RowIssues(boolean strict, int keep) {
        this(strict, keep, null, null, false);
    }

    private RowIssues(boolean strict, int keep, RowIssues target, java.util.function.Consumer<DatasetException> onSkip, boolean holding) {
        this.strict = strict;
        this.keep = keep;
        this.target = target;
        this.onSkip = onSkip;
        this.holding = holding;
    }

    /**
     * Records into {@code target} (which throws in strict mode), then tells {@code onSkip} about each skipped row:
     * for writers that keep a place for every input row (an output row with the reason instead of a value).
     */
    public static RowIssues forwarding(RowIssues target, java.util.function.Consumer<DatasetException> onSkip) {
        return new RowIssues(target.strict, 0, target, onSkip, false);
    }

    /**
     * Strict for checks made in several passes (the reader's field counts, then the split column, then the task's
     * labels): a problem is not thrown when it comes, as a later pass may find an earlier row bad; the first by place
     * (file, line) is held, and {@link #throwFirst} throws it once the passes are done. Each pass may stop at its
     * first problem ({@link #first}), as rows after it cannot come before it.
     */
    public static RowIssues firstInFileOrder() {
        return new RowIssues(false, 0, null, null, true);
    }

    /** The first problem by place so far, of a {@link #firstInFileOrder} instance; empty for the others. */
    public synchronized Optional<DatasetException> first() {
        return Optional.ofNullable(first);
    }

    /** Throws the first problem by place of a {@link #firstInFileOrder} instance, if there was one. */
    public synchronized void throwFirst() {
        if (first != null) throw first;
    }

    /** Whether the first problem recorded is thrown at once ({@link #strict()}, or forwarding to it). */
    public boolean stopsAtFirst() {
        return target != null ? target.stopsAtFirst() : strict;
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
     * Also keeps every skipped row's problem (file, line, reason), not only the first few the summary shows: for a
     * listing of them all ({@link #all()}). Returns this.
     */
    public synchronized RowIssues listingAll() {
        if (target != null) throw new IllegalStateException("a forwarding RowIssues keeps nothing of its own");
        if (all == null) all = new ArrayList<>();
        return this;
    }

    /** Every skipped row's problem, sorted by place (file, line), when {@link #listingAll} was asked; else empty. */
    public synchronized List<DatasetException> all() {
        if (all == null) return List.of();
        List<DatasetException> r = new ArrayList<>(all);
        r.sort(Comparator.comparing((DatasetException e) -> e.origin() == null ? Integer.MAX_VALUE
                        : fileRank.getOrDefault(e.origin().source(), Integer.MAX_VALUE))
                .thenComparingLong(e -> e.origin() == null ? 0 : e.origin().line()));
        return r;
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

    /** As {@link #reject(Origin, String)}, with the row's values the reader could still attribute to columns. */
    public void reject(Origin where, String reason, java.util.Map<String, String> known) {
        record(new DatasetException(where, reason, known));
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
            Origin where = problem.origin();
            int file = where == null ? Integer.MAX_VALUE : fileRank.computeIfAbsent(where.source(), k -> fileRank.size());
            Kept k = new Kept(file, where == null ? 0 : where.line(), count++, problem.getMessage());
            if (holding) {
                if (firstPlace == null || BY_PLACE.compare(k, firstPlace) < 0) {
                    first = problem;
                    firstPlace = k;
                }
                return;
            }
            if (all != null) all.add(problem.listed()); // every row's problem is kept: small copies, not the exceptions
            if (kept.size() < keep) {
                kept.add(k);
            } else if (keep > 0) {
                // full: the new one replaces the last kept by place when it comes before it
                int last = 0;
                for (int i = 1; i < kept.size(); i++) if (BY_PLACE.compare(kept.get(i), kept.get(last)) > 0) last = i;
                if (BY_PLACE.compare(k, kept.get(last)) < 0) kept.set(last, k);
            }
        }
    }

    /** How many rows were skipped. */
    public synchronized long count() {
        return target != null ? target.count() : count;
    }

    /** The first messages by place (file, line), each {@code file:line: reason}. */
    public synchronized List<String> messages() {
        return target != null ? target.messages() : kept.stream().sorted(BY_PLACE).map(Kept::message).toList();
    }

    /** One paragraph for a log: the count and the kept messages. */
    public synchronized String summary() {
        if (target != null) return target.summary();
        return summary(count == 0 ? "no rows skipped" : rows(count) + " skipped");
    }

    /**
     * As {@link #summary()}, for a writer that keeps every such row in its output with the reason in an error column
     * (predict, chem): "1 row not predicted, kept in the output with the reason in the 'error' column:". "Skipped"
     * would say the row is gone, where nothing is lost.
     *
     * @param notDone what did not happen to the rows, "not predicted"
     */
    public synchronized String keptSummary(String notDone, String errorColumn) {
        if (target != null) return target.keptSummary(notDone, errorColumn);
        long n = count();
        return summary(n == 0 ? "no row with an error"
                : rows(n) + " " + notDone + ", kept in the output with the reason in the '" + errorColumn + "' column");
    }

    private static String rows(long n) { return Plural.count(n, "row"); }

    private String summary(String head) {
        StringBuilder b = new StringBuilder(head);
        List<String> first = messages();
        if (!first.isEmpty()) {
            b.append(count > first.size() ? " (first " + first.size() + " shown)" : "").append(':');
            // a quoted CSV field with a CR LF would break the listing; the rows' own error columns keep the message as it is
            for (String m : first) b.append("\n  ").append(FileErrors.visible(m));
        }
        return b.toString();
    }
}
