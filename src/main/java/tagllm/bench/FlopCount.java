package tagllm.bench;

import tagllm.model.ModelConfig;
import tagllm.model.PackedBatch;

/**
 * Floating-point operations of the benchmarked work, counted as 2·M·N·K per matrix product (a multiply-add is
 * two operations); element-wise work (norms, RoPE, SwiGLU, softmax) is not counted.
 *
 * <ul>
 *   <li>forward, per row and layer: the projections 2·d·(q + 2·kv) + 2·q·d, the MLP 3·2·d·f, and attention
 *       QKᵀ plus P·V: 2·2·hd·keys per query head, keys = the row's visible positions;</li>
 *   <li>backward (weights frozen: activation gradients only), per trainable row: the same projection and MLP
 *       products once (dX = dY·W), attention 5 products per head (the scores recomputed, dP = dO·Vᵀ,
 *       dQ = dS·K, dK = dSᵀ·Q, dV = Pᵀ·dO): 5·2·hd·keys;</li>
 *   <li>the LM head: 2·d·vocab per row it is applied to.</li>
 * </ul>
 */
public final class FlopCount {
    private FlopCount() {}

    /** Projection and MLP products of one row through one layer. */
    static double linearPerRowLayer(ModelConfig c) {
        double d = c.hiddenSize(), q = c.qDim(), kv = c.kvDim(), f = c.intermediateSize();
        return 2 * d * (q + 2 * kv) + 2 * q * d + 3 * 2 * d * f;
    }

    /** Forward over every row of the batch (no LM head). */
    public static double forward(ModelConfig c, PackedBatch b) {
        double keys = 0;
        for (int r = 0; r < b.rows(); r++) keys += visibleKeys(c, b, r);
        return c.numLayers() * (b.rows() * linearPerRowLayer(c) + 2.0 * 2 * c.headDim() * c.numHeads() * keys);
    }

    /** Backward to the inputs over the rows from each sequence's first trainable row. */
    public static double backward(ModelConfig c, PackedBatch b) {
        double rows = 0, keys = 0;
        for (int s = 0; s < b.sequences(); s++) {
            for (int r = Math.max(b.seqStart(s), b.gradFrom(s)); r < b.seqEnd(s); r++) {
                rows++;
                keys += visibleKeys(c, b, r);
            }
        }
        return c.numLayers() * (rows * linearPerRowLayer(c) + 5.0 * 2 * c.headDim() * c.numHeads() * keys);
    }

    /** One row at cache position `position` (decode), attention over position + 1 keys, plus the LM head. */
    public static double decodeStep(ModelConfig c, int position) {
        int keys = c.slidingWindow() == null ? position + 1 : Math.min(position + 1, c.slidingWindow());
        return c.numLayers() * (linearPerRowLayer(c) + 2.0 * 2 * c.headDim() * c.numHeads() * keys) + lmHead(c, 1);
    }

    /** A prompt of n rows into an empty cache (no LM head). */
    public static double prefill(ModelConfig c, int n) {
        double keys = 0;
        for (int i = 0; i < n; i++) keys += c.slidingWindow() == null ? i + 1 : Math.min(i + 1, c.slidingWindow());
        return c.numLayers() * (n * linearPerRowLayer(c) + 2.0 * 2 * c.headDim() * c.numHeads() * keys);
    }

    public static double lmHead(ModelConfig c, int rows) {
        return 2.0 * rows * c.hiddenSize() * c.vocabSize();
    }

    private static int visibleKeys(ModelConfig c, PackedBatch b, int r) {
        int from = b.attendFrom(r);
        if (c.slidingWindow() != null) from = Math.max(from, r - c.slidingWindow() + 1);
        return r - from + 1;
    }
}
