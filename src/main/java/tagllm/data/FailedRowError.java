package tagllm.data;

/**
 * The {@code error} column of an output row that has no result (predict, chem): {@code line N: REASON}, N the row's
 * line in the input (a record spanning lines: its first). One form whatever failed (the reader, InputCheck, the
 * prompt's length, the model's output), so that a user who filters or parses the column meets one; the reader's
 * refusals had the prefix and the other reasons did not. A note on a row that has its result ({@code truncated: ...},
 * {@code output stopped at the model's context ...}) is no failure and keeps its own words. Spark's
 * {@code prediction_error} carries REASON alone: a Spark row has no line in general.
 */
public final class FailedRowError {
    private FailedRowError() {}

    /** {@code line N: REASON}. */
    public static String of(long line, String reason) {
        return "line " + line + ": " + reason;
    }
}
