package tagllm.task;

/**
 * REGRESSION: a head reads the function tag (MSE). CLASSIFICATION: a head reads it as class logits
 * (cross-entropy; binary, multi-class or multi-label, {@link ClassSpec}). TEXT: the model writes the output text
 * (cross-entropy, greedy generation). LANGUAGE_MODEL: stage-1 domain text, next-token prediction only.
 */
public enum TaskType {
    REGRESSION, TEXT, LANGUAGE_MODEL, CLASSIFICATION;

    public static TaskType parse(String s, String where) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "regression" -> REGRESSION;
            case "classification" -> CLASSIFICATION;
            case "text", "generation" -> TEXT;
            case "lm", "language_model", "domain_text" -> LANGUAGE_MODEL;
            default -> throw new IllegalArgumentException(where + ": task type '" + s + "' is not known (regression, classification, text, lm)");
        };
    }

    public String label() {
        return switch (this) {
            case REGRESSION -> "regression";
            case TEXT -> "text";
            case LANGUAGE_MODEL -> "lm";
            case CLASSIFICATION -> "classification";
        };
    }

    /** A head reads the function tag's last slot (the sequence is cut right after it). */
    public boolean readsHead() { return this == REGRESSION || this == CLASSIFICATION; }
}
