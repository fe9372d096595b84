package tagllm.train;

/**
 * One trainable array (a tag's p×d values or a head's weights) with its gradient accumulator.
 * value is the live array of the tag or head, so an optimizer step updates them in place.
 */
public record Param(String name, float[] value, float[] grad, double lrScale) {
    public Param(String name, float[] value) { this(name, value, 1.0); }

    /** lrScale multiplies the schedule's learning rate for this array (heads and tags may want different rates). */
    public Param(String name, float[] value, double lrScale) { this(name, value, new float[value.length], lrScale); }

    public void zeroGrad() { java.util.Arrays.fill(grad, 0f); }

    /**
     * Whether weight decay applies: not to a head's bias, as Hugging Face's Trainer (the official code's) leaves biases
     * out of its decayed parameter group; tags, head weights and LoRA matrices are decayed.
     */
    public boolean decayed() { return !name.endsWith(".bias"); }
}
