package tagllm.model;

import tagllm.tensor.Matrix;

/** One decoder layer's frozen weights; biases are null unless the architecture has them (Qwen2). */
public record LayerWeights(
        float[] inputNorm, Matrix q, Matrix k, Matrix v, Matrix o,
        float[] qBias, float[] kBias, float[] vBias,
        float[] postAttentionNorm, Matrix gate, Matrix up, Matrix down) {

    /** The layer's seven matrices: q, k, v, o, gate, up, down. */
    public Matrix[] matrices() {
        return new Matrix[]{q, k, v, o, gate, up, down};
    }
}
