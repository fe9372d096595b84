package tagllm.data;

/**
 * Bad input data: the message starts with {@code file:line:} and says what was expected, so a user can fix the
 * file without a stack trace. Unchecked, because row conversions run inside lambdas.
 */
public class DatasetException extends RuntimeException {
    private final transient Origin origin;
    private final String reason;
    private final transient java.util.Map<String, String> known;

    public DatasetException(Origin origin, String reason) {
        this(origin, reason, java.util.Map.of());
    }

    /** known: the values a reader could still attribute to columns of a row it refuses (see {@link #known()}). */
    public DatasetException(Origin origin, String reason, java.util.Map<String, String> known) {
        super(origin + ": " + reason);
        this.origin = origin;
        this.reason = reason;
        this.known = java.util.Map.copyOf(known);
    }

    public DatasetException(Origin origin, String reason, Throwable cause) {
        super(origin + ": " + reason, cause);
        this.origin = origin;
        this.reason = reason;
        this.known = java.util.Map.of();
    }

    /** A copy to keep in a listing: origin and reason only, no stack trace, no row values. */
    private DatasetException(Origin origin, String reason, boolean listed) {
        super(origin + ": " + reason, null, false, false);
        this.origin = origin;
        this.reason = reason;
        this.known = java.util.Map.of();
    }

    /**
     * This problem as a listing keeps it ({@link RowIssues#listingAll}: every skipped row of a file): its message,
     * origin and reason without the stack trace and the row's values, so a file with many bad rows costs a small
     * object each.
     */
    public DatasetException listed() {
        return new DatasetException(origin, reason, true);
    }

    public static DatasetException of(String source, long line, String reason) {
        return new DatasetException(new Origin(source, line), reason);
    }

    public Origin origin() {
        return origin;
    }

    /**
     * Values of a refused row by column, as far as the reader could tell (a CSV record's fields by position, a FASTA
     * record's id): an output that keeps the row's place shows them, so the row can be found. Empty when none.
     */
    public java.util.Map<String, String> known() {
        return known;
    }

    /** The message without its {@code file:line:} prefix. */
    public String reason() {
        return reason;
    }
}
