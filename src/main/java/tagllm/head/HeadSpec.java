package tagllm.head;

/**
 * How a task's head is built: number of outputs, whether it has a bias, and whether labels are
 * standardised (shift = training mean, scale = training standard deviation) before the loss.
 * The paper: one output, no bias, raw labels.
 */
public record HeadSpec(int outputs, boolean bias, boolean standardize) {
    public static HeadSpec paper() { return new HeadSpec(1, false, false); }
}
