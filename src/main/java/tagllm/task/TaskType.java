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

    /**
     * Why a limit on generated tokens (--max-tokens, Spark's maxTokens) means nothing for task {@code name} of this
     * type, or null for a text task, the only one that generates: predict, eval and spark score refuse the limit with it.
     */
    public String generatesNothing(String name) {
        if (this == TEXT) return null;
        return "task " + name + " is " + (this == LANGUAGE_MODEL ? "domain text (lm), scored by its next-token loss"
                : "a " + label() + " task, read through its head") + "; only a text task generates tokens";
    }

    /** A head reads the function tag's last slot (the sequence is cut right after it). */
    public boolean readsHead() { return this == REGRESSION || this == CLASSIFICATION; }
}
