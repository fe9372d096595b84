package tagllm.model;

import tagllm.tensor.FloatArrayPool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The activations of one forward pass over a {@link PackedBatch}, in arrays allocated once for the pass.
 * With keepForBackward every layer keeps what its backward needs (residual inputs, rstd of both norms, q and k
 * after RoPE, v, attention log-sum-exp per row and head, gate and up); otherwise one set of buffers is reused by
 * all layers and only the final-norm output survives.
 *
 * <p>{@link #close()} hands the arrays back to the model for its next pass (optional: an unclosed pass is simply
 * garbage-collected); a closed pass can no longer be read or passed to backward. The gradient arrays of a training
 * step ({@link #gradientRows()}, what backward returns) belong to the pass as well: a step that allocated them afresh
 * would leave megabytes per step alive across a young collection, promoted to the old generation as garbage that
 * only a full collection frees, and resident memory would creep up step after step.
 */
public final class ForwardPass implements AutoCloseable {
    /** What one decoder layer leaves behind for its backward. */
    static final class LayerActivations {
        final float[] xIn, xMid, rstd1, rstd2, q, k, v, lse, gate, up;

        /**
         * xIn, rstd1, k and v cover all rows; xMid, rstd2, q, lse, gate and up only the layer's query rows (all
         * rows, or the read rows of a top layer computed only where read, indexed by read index).
         */
        LayerActivations(float[] xIn, float[] xMid, int rows, int queryRows, ModelConfig c, FloatArrayPool pool) {
            this.xIn = xIn;
            this.xMid = xMid;
            rstd1 = pool.takeAtLeast(rows);
            rstd2 = pool.takeAtLeast(queryRows);
            q = pool.takeAtLeast(queryRows * c.qDim());
            k = pool.takeAtLeast(rows * c.kvDim());
            v = pool.takeAtLeast(rows * c.kvDim());
            lse = pool.takeAtLeast(queryRows * c.numHeads());
            gate = pool.takeAtLeast(queryRows * c.intermediateSize());
            up = pool.takeAtLeast(queryRows * c.intermediateSize());
        }

        float[][] arrays() { return new float[][]{xIn, xMid, rstd1, rstd2, q, k, v, lse, gate, up}; }
    }

    final PackedBatch batch;
    final ModelConfig config;
    final int rows;
    final boolean kept;
    final float[] cos, sin;
    final int[] keyLo, keyHi;
    final LayerActivations[] layers;
    /**
     * The rows anything reads from the final-norm output, ascending; null when all rows are. With read rows the
     * top layer computes its queries, attention, O projection and MLP, and the final norm, only there: its
     * query-row arrays, the final residual, rstdFinal and normed are indexed by read index, not by row.
     */
    final QueryRows read;
    /** Residual stream after the last layer (input of the final norm). */
    final float[] residual;
    final float[] rstdFinal;
    final float[] normed;
    private final FloatArrayPool pool;
    /** Arrays handed out by {@link #gradientRows()}, given back with the rest at close. */
    private final List<float[]> gradients = new ArrayList<>(2);
    private volatile boolean closed;

    /**
     * Arrays come from the pool with stale contents (the forward overwrites every element it uses) and, except
     * normed, possibly longer than needed: all indexing is by row.
     */
    ForwardPass(ModelConfig c, PackedBatch batch, boolean keep, int[] keyLo, int[] keyHi, QueryRows read, FloatArrayPool pool) {
        this.batch = batch;
        this.config = c;
        this.rows = batch.rows();
        this.kept = keep;
        this.read = read;
        this.pool = pool;
        int outRows = read == null ? rows : read.count();
        int d = c.hiddenSize(), half = c.headDim() / 2;
        cos = pool.takeAtLeast(rows * half);
        sin = pool.takeAtLeast(rows * half);
        this.keyLo = keyLo;
        this.keyHi = keyHi;
        residual = pool.takeAtLeast(rows * d);
        rstdFinal = pool.takeAtLeast(rows);
        normed = pool.take(outRows * d); // exact: callers see its length
        layers = new LayerActivations[c.numLayers()];
        if (keep) {
            for (int l = 0; l < layers.length; l++) {
                // layer l's input is layer l-1's output (kept), the last layer's output is `residual`
                int queryRows = l + 1 == layers.length ? outRows : rows;
                float[] xIn = pool.takeAtLeast(rows * d);
                layers[l] = new LayerActivations(xIn, pool.takeAtLeast(queryRows * d), rows, queryRows, c, pool);
            }
        } else {
            LayerActivations shared = new LayerActivations(residual, residual, rows, rows, c, pool);
            java.util.Arrays.fill(layers, shared);
        }
    }

    public int rows() { return rows; }

    public PackedBatch batch() { return batch; }

    public boolean keptForBackward() { return kept; }

    /** Whether the final-norm output exists at every row (no read rows were given to the forward). */
    public boolean allRowsComputed() { return read == null; }

    /**
     * rows × hidden: the final RMSNorm output, input of the LM head and of Tag-LLM regression heads. Only for a
     * pass over all rows: a pass given read rows has no output at the other rows, so it must be read row by row
     * ({@link #normedRow}).
     */
    public float[] normed() {
        requireOpen();
        if (read != null) {
            throw new IllegalStateException("this forward pass computed the final-norm output only at its " + read.count()
                    + " read rows " + read.describe() + ": read them with normedRow(row)");
        }
        return normed;
    }

    /**
     * A zeroed rows × hidden array that belongs to this pass (handed back at {@link #close()}): for dL/d(normed)
     * that heads and losses accumulate into, and for the input-row gradient of
     * {@link Transformer#backward(ForwardPass, float[], float[])}. Valid until close: a later pass reuses it.
     */
    public float[] gradientRows() {
        requireOpen();
        float[] g = pool.take(rows * config.hiddenSize()); // exact: callers see its length
        Arrays.fill(g, 0f);
        synchronized (gradients) {
            gradients.add(g);
        }
        return g;
    }

    /** A copy of the final-norm output at one row; the row must be one the pass computed. */
    public float[] normedRow(int row) {
        requireOpen();
        int i = outputIndex(row);
        int d = config.hiddenSize();
        return java.util.Arrays.copyOfRange(normed, i * d, (i + 1) * d);
    }

    /** Where row's final-norm output (and final residual) lives: the row itself, or its read index. */
    int outputIndex(int row) {
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        if (read == null) return row;
        int i = read.indexOf(row);
        if (i < 0) {
            throw new IllegalArgumentException("row " + row + " of the final-norm output was not computed: this forward pass was asked for rows "
                    + read.describe() + " only");
        }
        return i;
    }

    /** The residual stream after decoder layer {@code layer} at {@code row} (only when kept for backward). */
    public float[] residualAfterLayer(int layer, int row) {
        requireOpen();
        if (!kept) throw new IllegalStateException("residuals are only kept by forward(batch, keepForBackward=true)");
        if (layer < 0 || layer >= layers.length) throw new IndexOutOfBoundsException("layer " + layer + " of " + layers.length);
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        int d = config.hiddenSize();
        float[] src = layerOutput(layer);
        int i = layer + 1 == layers.length ? outputIndex(row) : row;
        return java.util.Arrays.copyOfRange(src, i * d, (i + 1) * d);
    }

    /** The array holding the output of layer l: the next layer's input, or the final residual. */
    float[] layerOutput(int l) {
        return l + 1 < layers.length ? layers[l + 1].xIn : residual;
    }

    /** Bytes held by this pass's arrays (what a forward kept for backward costs in memory). */
    public long bytes() {
        long floats = 0;
        for (float[] a : distinctArrays()) floats += a.length;
        return 4 * floats + 4L * (keyLo.length + keyHi.length);
    }

    void requireOpen() {
        if (closed) throw new IllegalStateException("this forward pass was closed: its activations were handed back");
    }

    /** Hands every array back to the model's pool; the pass is unusable afterwards. Closing twice does nothing. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (float[] a : distinctArrays()) pool.give(a);
    }

    private Set<float[]> distinctArrays() {
        Set<float[]> all = Collections.newSetFromMap(new IdentityHashMap<>());
        for (float[] a : new float[][]{cos, sin, residual, rstdFinal, normed}) all.add(a);
        for (LayerActivations a : layers) {
            for (float[] x : a.arrays()) all.add(x);
        }
        synchronized (gradients) {
            all.addAll(gradients);
        }
        return all;
    }
}
