package tagllm.model;

/** A model file (config, safetensors, tokenizer) that cannot be used; the message names the file and the part. */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) { super(message); }

    public ModelFormatException(String message, Throwable cause) { super(message, cause); }
}
