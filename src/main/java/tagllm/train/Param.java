package tagllm.train;

/**
 * One trainable array (a tag's p×d values or a head's weights) with its gradient accumulator.
 * value is the live array of the tag or head, so an optimizer step updates them in place.
 */
public record Param(String name, float[] value, float[] grad) {
    public Param(String name, float[] value) { this(name, value, new float[value.length]); }

    public void zeroGrad() { java.util.Arrays.fill(grad, 0f); }
}
