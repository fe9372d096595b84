package tagllm.head;

/**
 * How a task's head is built: number of outputs, whether it has a bias, whether labels are standardised
 * (shift = training mean, scale = training standard deviation) before the loss, and how its weights start
 * ({@link HeadInit}). The paper: one output, no bias, raw labels, mean-embedding init.
 */
public record HeadSpec(int outputs, boolean bias, boolean standardize, HeadInit init) implements java.io.Serializable {
    public static HeadSpec paper() { return new HeadSpec(1, false, false, HeadInit.EMBEDDING); }
}
