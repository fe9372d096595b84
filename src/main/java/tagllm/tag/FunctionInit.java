package tagllm.tag;

import java.util.Locale;

/**
 * How a new function tag starts. MEAN is the paper's (§3.1): p copies of the rescaled mean embedding.
 * PROMPT copies the embeddings of the template tokens written right before the tag (prompt tuning's
 * initialisation from vocabulary words): the head then reads a state that starts out like the one at
 * the end of the tag-free prompt, instead of the state after p "average tokens", which is a worse
 * linear feature for a frozen model (docs/training.md, "Demo results").
 */
public enum FunctionInit {
    MEAN, PROMPT;

    public static FunctionInit parse(String s) {
        for (FunctionInit f : values()) if (f.label().equals(s.trim().toLowerCase(Locale.ROOT))) return f;
        throw new IllegalArgumentException("must be mean or prompt, got '" + s + "'");
    }

    public String label() { return name().toLowerCase(Locale.ROOT); }
}
