package tagllm.model;

/**
 * The activations of one forward pass over a {@link PackedBatch}, in arrays allocated once for the pass.
 * With keepForBackward every layer keeps what its backward needs (residual inputs, rstd of both norms, q and k
 * after RoPE, v, attention log-sum-exp per row and head, gate and up); otherwise one set of buffers is reused by
 * all layers and only the final-norm output survives.
 */
public final class ForwardPass {
    /** What one decoder layer leaves behind for its backward. */
    static final class LayerActivations {
        final float[] xIn, xMid, rstd1, rstd2, q, k, v, lse, gate, up;

        LayerActivations(float[] xIn, float[] xMid, int rows, ModelConfig c) {
            this.xIn = xIn;
            this.xMid = xMid;
            rstd1 = new float[rows];
            rstd2 = new float[rows];
            q = new float[rows * c.qDim()];
            k = new float[rows * c.kvDim()];
            v = new float[rows * c.kvDim()];
            lse = new float[rows * c.numHeads()];
            gate = new float[rows * c.intermediateSize()];
            up = new float[rows * c.intermediateSize()];
        }
    }

    final PackedBatch batch;
    final ModelConfig config;
    final int rows;
    final boolean kept;
    final float[] cos, sin;
    final int[] keyLo, keyHi;
    final LayerActivations[] layers;
    /** Residual stream after the last layer (input of the final norm). */
    final float[] residual;
    final float[] rstdFinal;
    final float[] normed;

    ForwardPass(ModelConfig c, PackedBatch batch, boolean keep) {
        this.batch = batch;
        this.config = c;
        this.rows = batch.rows();
        this.kept = keep;
        int d = c.hiddenSize(), half = c.headDim() / 2;
        cos = new float[rows * half];
        sin = new float[rows * half];
        keyLo = new int[rows];
        keyHi = new int[rows];
        residual = new float[rows * d];
        rstdFinal = new float[rows];
        normed = new float[rows * d];
        layers = new LayerActivations[c.numLayers()];
        if (keep) {
            for (int l = 0; l < layers.length; l++) {
                layers[l] = new LayerActivations(new float[rows * d], new float[rows * d], rows, c);
            }
        } else {
            LayerActivations shared = new LayerActivations(residual, residual, rows, c);
            java.util.Arrays.fill(layers, shared);
        }
    }

    public int rows() { return rows; }

    public PackedBatch batch() { return batch; }

    public boolean keptForBackward() { return kept; }

    /** rows × hidden: the final RMSNorm output, input of the LM head and of Tag-LLM regression heads. */
    public float[] normed() { return normed; }

    /** The residual stream after decoder layer {@code layer} at {@code row} (only when kept for backward). */
    public float[] residualAfterLayer(int layer, int row) {
        if (!kept) throw new IllegalStateException("residuals are only kept by forward(batch, keepForBackward=true)");
        if (layer < 0 || layer >= layers.length) throw new IndexOutOfBoundsException("layer " + layer + " of " + layers.length);
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        int d = config.hiddenSize();
        float[] src = layerOutput(layer);
        return java.util.Arrays.copyOfRange(src, row * d, (row + 1) * d);
    }

    /** The array holding the output of layer l: the next layer's input, or the final residual. */
    float[] layerOutput(int l) {
        return l + 1 < layers.length ? layers[l + 1].xIn : residual;
    }
}
