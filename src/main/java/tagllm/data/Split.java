package tagllm.data;

import java.util.Locale;

/** The three parts of a dataset. */
public enum Split {
    TRAIN, VALID, TEST;

    /** The usual lower-case name: train, valid, test. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
