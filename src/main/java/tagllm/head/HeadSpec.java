package tagllm.head;

/**
 * How a task's head is built: number of outputs, whether it has a bias, whether labels are standardised
 * (shift = training mean, scale = training standard deviation) before the loss, and its initial weights:
 * every row the mean token embedding (the official code), or zero (the head starts at the bias, so the
 * first steps fit the head instead of undoing a large arbitrary initial prediction).
 * The paper: one output, no bias, raw labels, mean-embedding init.
 */
public record HeadSpec(int outputs, boolean bias, boolean standardize, boolean zeroInit) {
    public static HeadSpec paper() { return new HeadSpec(1, false, false, false); }
}
