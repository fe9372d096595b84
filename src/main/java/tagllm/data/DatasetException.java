package tagllm.data;

/**
 * Bad input data: the message starts with {@code file:line:} and says what was expected, so a user can fix the
 * file without a stack trace. Unchecked, because row conversions run inside lambdas.
 */
public class DatasetException extends RuntimeException {
    private final transient Origin origin;
    private final String reason;

    public DatasetException(Origin origin, String reason) {
        super(origin + ": " + reason);
        this.origin = origin;
        this.reason = reason;
    }

    public DatasetException(Origin origin, String reason, Throwable cause) {
        super(origin + ": " + reason, cause);
        this.origin = origin;
        this.reason = reason;
    }

    public static DatasetException of(String source, long line, String reason) {
        return new DatasetException(new Origin(source, line), reason);
    }

    public Origin origin() {
        return origin;
    }

    /** The message without its {@code file:line:} prefix. */
    public String reason() {
        return reason;
    }
}
