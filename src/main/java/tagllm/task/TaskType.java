package tagllm.task;

/**
 * REGRESSION: a head reads the function tag (MSE). TEXT: the model writes the output text
 * (cross-entropy, greedy generation). LANGUAGE_MODEL: stage-1 domain text, next-token prediction only.
 */
public enum TaskType {
    REGRESSION, TEXT, LANGUAGE_MODEL;

    public static TaskType parse(String s, String where) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "regression" -> REGRESSION;
            case "text", "generation" -> TEXT;
            case "lm", "language_model", "domain_text" -> LANGUAGE_MODEL;
            default -> throw new IllegalArgumentException(where + ": task type '" + s + "' is not known (regression, text, lm)");
        };
    }

    public String label() {
        return switch (this) {
            case REGRESSION -> "regression";
            case TEXT -> "text";
            case LANGUAGE_MODEL -> "lm";
        };
    }
}
