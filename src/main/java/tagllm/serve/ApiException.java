package tagllm.serve;

/**
 * A request the API refuses, with the HTTP status to answer and a message for the caller. The message
 * names the field or value at fault and what was expected; it never carries internal details.
 */
public final class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public static ApiException badRequest(String message) { return new ApiException(400, message); }

    public int status() { return status; }
}
