package tagllm.head;

import java.util.Locale;

/**
 * How a new head's weights start. EMBEDDING: every row the mean token embedding (the official code).
 * ZERO: the head starts at its bias, so the first steps fit the head instead of undoing a large arbitrary
 * prediction. RIDGE: the closed-form ridge fit on the hidden states at the read position under the initial
 * tags (λ picked on the validation split), so training starts from a linear probe of tag-conditioned
 * features and can only move on from there.
 */
public enum HeadInit {
    EMBEDDING, ZERO, RIDGE;

    public String label() { return name().toLowerCase(Locale.ROOT); }

    public static HeadInit parse(String s) {
        for (HeadInit i : values()) if (i.label().equals(s)) return i;
        throw new IllegalArgumentException("expected embedding, zero or ridge, got '" + s + "'");
    }
}
