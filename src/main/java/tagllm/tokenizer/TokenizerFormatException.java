package tagllm.tokenizer;

/**
 * A tokenizer.json or tokenizer_config.json that cannot be used; the message names the file and the part.
 * (Its own type, so that the tokenizer does not depend on the model package; loading a model folder reports it as
 * the model's ModelFormatException.)
 */
public class TokenizerFormatException extends RuntimeException {
    public TokenizerFormatException(String message) { super(message); }

    public TokenizerFormatException(String message, Throwable cause) { super(message, cause); }
}
