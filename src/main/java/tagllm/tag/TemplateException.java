package tagllm.tag;

/** A template that cannot be parsed, or a row it cannot render; the message says which and why. */
public final class TemplateException extends IllegalArgumentException {
    public TemplateException(String message) { super(message); }
}
