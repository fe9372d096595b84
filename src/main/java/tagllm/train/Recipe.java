package tagllm.train;

import tagllm.head.HeadInit;
import tagllm.head.HeadSpec;
import tagllm.tag.FunctionInit;

import java.util.Locale;

/**
 * A named set of defaults for an experiment ({@code recipe:} in the YAML; any key written in the file still
 * wins). PAPER is the paper's and the official code's (A.1.1, digest §2): p = 10, mean-embedding tags and head,
 * no head bias, raw labels, AdamW lr 1e-4, batch 4 × 8, domain tags frozen in stage 2. ROBUST is what trains
 * on a small frozen model in a few hundred steps (docs/training.md, "Recipes", with the measured numbers):
 * p = 4, function tags from the prompt words before them, heads with a bias on standardised labels starting
 * at the ridge fit, larger learning rates (stage 1 0.01, stage 2 0.005 with enrichment, stage 3 0.001), heads
 * at 0.1 × the tag rate, batch 8, validation every 100 steps keeping the best checkpoint.
 */
public enum Recipe {
    PAPER, ROBUST;

    public String label() { return name().toLowerCase(Locale.ROOT); }

    public static Recipe parse(String s) {
        for (Recipe r : values()) if (r.label().equals(s.trim().toLowerCase(Locale.ROOT))) return r;
        throw new IllegalArgumentException("expected paper or robust, got '" + s + "'");
    }

    public int tagLength() { return this == PAPER ? 10 : 4; }

    public FunctionInit functionInit() { return this == PAPER ? FunctionInit.MEAN : FunctionInit.PROMPT; }

    /**
     * The head of a regression or classification task that does not describe its own (a classification head takes
     * its bias and start, its fit being the logistic one; standardising applies to regression labels only).
     */
    public HeadSpec head() { return this == PAPER ? HeadSpec.paper() : new HeadSpec(1, true, true, HeadInit.RIDGE); }

    /** Stage 2 trains the domain tags too unless the stage says enrich: false. */
    public boolean enrich() { return this == ROBUST; }

    /** The hyper-parameters of a stage before the file's defaults: and the stage's own keys. */
    public Hyper hyper(int stage) {
        Hyper p = Hyper.paper();
        if (this == PAPER) return p;
        double lr = switch (stage) {
            case 1 -> 0.01;
            case 2 -> 0.005;
            default -> 0.001;
        };
        return p.toBuilder().lr(lr).batchSize(8).gradAccum(1).headLrScale(stage == 1 ? 1.0 : 0.1).evalEvery(stage == 1 ? 0 : 100).build();
    }
}
