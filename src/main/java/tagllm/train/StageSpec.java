package tagllm.train;

import java.util.List;

/**
 * One training stage. stage 1: domain tags by next-token prediction on domain text; stage 2: a
 * function tag and its head on single-domain data (domain tags frozen, or enriched: trainable with the
 * stage-1 loss kept on); stage 3: cross-domain function tags, domain tags always frozen.
 * train lists the tags to train; empty means the stage's default.
 */
public record StageSpec(String name, int stage, List<String> tasks, List<String> train, boolean enrich, Hyper hyper) {
    public static final String[] KEYS;

    static {
        List<String> k = new java.util.ArrayList<>(List.of("name", "stage", "tasks", "train", "enrich"));
        k.addAll(List.of(Hyper.KEYS));
        KEYS = k.toArray(new String[0]);
    }

    /** The same stage with enrichment (stage 1's loss kept on, domain tags trainable) on or off. */
    public StageSpec withEnrich(boolean on) { return new StageSpec(name, stage, tasks, train, on, hyper); }
}
