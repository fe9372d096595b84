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
 * Where only some rows of the final-norm output are read, the top layer counts K and V at every row and the rest
 * (Q, O, MLP, attention) at the read rows only, forward and backward — what the engine computes.
 */
public final class FlopCount {
    private FlopCount() {}

    /** Projection and MLP products of one row through one layer. */
    static double linearPerRowLayer(ModelConfig c) {
        double d = c.hiddenSize(), q = c.qDim(), kv = c.kvDim(), f = c.intermediateSize();
        return 2 * d * (q + 2 * kv) + 2 * q * d + 3 * 2 * d * f;
    }

    /** The K and V products of one row through one layer: all a top layer computes at a row nothing reads. */
    static double keyValuePerRowLayer(ModelConfig c) {
        return 2.0 * c.hiddenSize() * 2 * c.kvDim();
    }

    /** Forward over every row of the batch (no LM head). */
    public static double forward(ModelConfig c, PackedBatch b) {
        return forward(c, b, null);
    }

    /** Forward whose top layer is computed past K and V only at readRows (null: every row). */
    public static double forward(ModelConfig c, PackedBatch b, int[] readRows) {
        double keys = 0;
        for (int r = 0; r < b.rows(); r++) keys += visibleKeys(c, b, r);
        double layer = b.rows() * linearPerRowLayer(c) + 2.0 * 2 * c.headDim() * c.numHeads() * keys;
        if (readRows == null) return c.numLayers() * layer;
        double readKeys = 0;
        for (int r : readRows) readKeys += visibleKeys(c, b, r);
        double top = b.rows() * keyValuePerRowLayer(c)
                + readRows.length * (linearPerRowLayer(c) - keyValuePerRowLayer(c))
                + 2.0 * 2 * c.headDim() * c.numHeads() * readKeys;
        return (c.numLayers() - 1) * layer + top;
    }

    /** Backward to the inputs over the rows from each sequence's first trainable row. */
    public static double backward(ModelConfig c, PackedBatch b) {
        return backward(c, b, null);
    }

    /** Backward of a forward given readRows (null: every row): the top layer's Q, O, MLP and attention at those only. */
    public static double backward(ModelConfig c, PackedBatch b, int[] readRows) {
        double rows = 0, keys = 0, readActive = 0, readKeys = 0;
        int next = 0;
        for (int s = 0; s < b.sequences(); s++) {
            int from = Math.max(b.seqStart(s), b.gradFrom(s));
            for (int r = from; r < b.seqEnd(s); r++) {
                rows++;
                keys += visibleKeys(c, b, r);
            }
            if (readRows != null) {
                for (; next < readRows.length && readRows[next] < b.seqEnd(s); next++) {
                    if (readRows[next] >= from) {
                        readActive++;
                        readKeys += visibleKeys(c, b, readRows[next]);
                    }
                }
            }
        }
        double attention = 5.0 * 2 * c.headDim() * c.numHeads();
        double layer = rows * linearPerRowLayer(c) + attention * keys;
        if (readRows == null) return c.numLayers() * layer;
        double top = rows * keyValuePerRowLayer(c) + readActive * (linearPerRowLayer(c) - keyValuePerRowLayer(c))
                + attention * readKeys;
        return (c.numLayers() - 1) * layer + top;
    }

    /**
     * The LoRA adapters' own products in a training step on b (rank r on q and v of every layer), forward and
     * backward, as {@code DecoderLayer} computes them. Per row and projection of output size m: forward A·h (2·r·d)
     * and B·u (2·m·r); backward dy·B (2·m·r), u recomputed (2·r·d), dx += g·A (2·r·d), dA (2·r·d), dB (2·m·r). v runs
     * at every row, q at the query rows: every row below the top layer, the read rows in it (null: every row); the
     * backward at the rows from each sequence's first trainable one.
     */
    public static double lora(ModelConfig c, int rank, PackedBatch b, int[] readRows) {
        double d = c.hiddenSize(), r = rank;
        double qFwd = 2 * r * d + 2 * c.qDim() * r, vFwd = 2 * r * d + 2 * c.kvDim() * r;
        double qBwd = 3 * 2 * r * d + 2 * 2 * c.qDim() * r, vBwd = 3 * 2 * r * d + 2 * 2 * c.kvDim() * r;
        int layers = c.numLayers();
        double rows = b.rows(), active = 0, readActive = 0;
        int next = 0;
        for (int s = 0; s < b.sequences(); s++) {
            int from = Math.max(b.seqStart(s), b.gradFrom(s));
            active += b.seqEnd(s) - from;
            if (readRows != null) {
                for (; next < readRows.length && readRows[next] < b.seqEnd(s); next++) if (readRows[next] >= from) readActive++;
            }
        }
        double topQueries = readRows == null ? rows : readRows.length, topActive = readRows == null ? active : readActive;
        double forward = layers * rows * vFwd + ((layers - 1) * rows + topQueries) * qFwd;
        double backward = layers * active * vBwd + ((layers - 1) * active + topActive) * qBwd;
        return forward + backward;
    }

    /** One row at cache position `position` (decode), attention over position + 1 keys, plus the LM head. */
    public static double decodeStep(ModelConfig c, int position) {
        int keys = c.slidingWindow() == null ? position + 1 : Math.min(position + 1, c.slidingWindow());
        return c.numLayers() * (linearPerRowLayer(c) + 2.0 * 2 * c.headDim() * c.numHeads() * keys) + lmHead(c, 1);
    }

    /** A prompt of n rows into an empty cache (no LM head); its top layer past K and V runs at the last row only. */
    public static double prefill(ModelConfig c, int n) {
        double keys = 0;
        for (int i = 0; i < n; i++) keys += keys(c, i);
        double attention = 2.0 * 2 * c.headDim() * c.numHeads();
        double top = n * keyValuePerRowLayer(c) + (linearPerRowLayer(c) - keyValuePerRowLayer(c)) + attention * keys(c, n - 1);
        return (c.numLayers() - 1) * (n * linearPerRowLayer(c) + attention * keys) + top;
    }

    private static int keys(ModelConfig c, int position) {
        return c.slidingWindow() == null ? position + 1 : Math.min(position + 1, c.slidingWindow());
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
