package tagllm.task;

/**
 * Temperature 0 picks the most likely token each step: a setting that shapes or seeds a sample (top-k, top-p, the
 * seed) is then read and changes nothing. generate refuses its options and serve its request fields with these words.
 */
public final class GreedyDecoding {
    private GreedyDecoding() {}

    /**
     * Why {@code option} means nothing beside a temperature of 0, as the caller names its settings
     * ({@code --top-k} and {@code --temperature} on the command line, {@code top_k} and {@code temperature} in JSON).
     */
    public static String changesNothing(String option, String temperature) {
        return temperature + " 0 decodes greedily (the most likely token each step), so " + option
                + " would change nothing; leave it out, or give " + temperature + " above 0";
    }
}
