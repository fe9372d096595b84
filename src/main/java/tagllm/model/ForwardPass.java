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
    final PackedBatch batch;
    final ModelConfig config;
    final int rows;
    final boolean kept;
    /** RoPE angles of every row. */
    final DecoderLayer.RopeAngles rope;
    /** Every row, with its key range: the query rows of every layer but the top one. */
    final QueryRows all;
    /**
     * The query rows of the top layer: every row, or the rows anything reads from the final-norm output (then its
     * query-row activations, the final residual, rstdFinal and normed are indexed by read index, not by row).
     */
    final QueryRows top;
    /** Each decoder layer's activations (with keepForBackward; otherwise one shared set reused by every layer). */
    final LayerActivations[] layers;
    /** Residual stream after the last layer (input of the final norm). */
    final float[] residual;
    final float[] rstdFinal;
    final float[] normed;
    private final FloatArrayPool pool;
    /**
     * A pass cut into lanes ({@link Lanes}): each lane's own pass over its run of sequences, lane k's row 0 being this
     * pass's row laneRow[k] (laneRow ends with rows). Null for a whole pass; a pass in lanes has none of the arrays
     * above and answers every read from its lanes.
     */
    final ForwardPass[] lanes;
    final int[] laneRow;
    /** The read rows of a pass in lanes (null: all rows). */
    private final int[] readRows;
    /** A pass in lanes: its lanes' final-norm outputs side by side, made on the first {@link #normed()}. */
    private float[] gathered;
    /** Arrays handed out by {@link #gradientRows()}, given back with the rest at close. */
    private final List<float[]> gradients = new ArrayList<>(2);
    private volatile boolean closed;

    /**
     * Arrays come from the pool with stale contents (the forward overwrites every element it uses) and, except
     * normed, possibly longer than needed: all indexing is by row.
     */
    ForwardPass(ModelConfig c, PackedBatch batch, boolean keep, QueryRows all, QueryRows top, FloatArrayPool pool,
                DecoderLayer[] decoders) {
        this.batch = batch;
        this.config = c;
        this.rows = batch.rows();
        this.kept = keep;
        this.all = all;
        this.top = top;
        this.pool = pool;
        this.lanes = null;
        this.laneRow = null;
        this.readRows = null;
        int outRows = top.count();
        int d = c.hiddenSize(), half = c.headDim() / 2;
        rope = new DecoderLayer.RopeAngles(pool.takeAtLeast(rows, half), pool.takeAtLeast(rows, half));
        residual = pool.takeAtLeast(rows, d);
        rstdFinal = pool.takeAtLeast(rows);
        normed = pool.takeAtLeast(outRows, d);
        int layerCount = c.numLayers();
        layers = new LayerActivations[layerCount];
        if (keep) {
            // layer l's output is layer l+1's input, the last layer's output is `residual`
            float[][] inputs = new float[layerCount + 1][];
            for (int l = 0; l < layerCount; l++) inputs[l] = pool.takeAtLeast(rows, d);
            inputs[layerCount] = residual;
            for (int l = 0; l < layerCount; l++) {
                int queryRows = queryRows(l).count();
                LayerActivations.MlpInputs mlp = decoders[l].keepsMlpInputsAsPairs(queryRows)
                        ? LayerActivations.MlpInputs.BF16_PAIRS : LayerActivations.MlpInputs.FLOATS;
                layers[l] = LayerActivations.pooled(rows, queryRows, inputs[l], pool.takeAtLeast(queryRows, d),
                        inputs[l + 1], c, pool, mlp);
            }
        } else {
            Arrays.fill(layers, LayerActivations.pooled(rows, rows, residual, residual, residual, c, pool,
                    LayerActivations.MlpInputs.NONE));
        }
    }

    /** A pass made of lanes: lane k computed rows laneRow[k] .. laneRow[k + 1] - 1 (see {@link #lanes}). */
    ForwardPass(ModelConfig c, PackedBatch batch, boolean keep, int[] readRows, ForwardPass[] lanes, int[] laneRow,
                FloatArrayPool pool) {
        this.batch = batch;
        this.config = c;
        this.rows = batch.rows();
        this.kept = keep;
        this.pool = pool;
        this.lanes = lanes;
        this.laneRow = laneRow;
        this.readRows = readRows;
        this.rope = null;
        this.all = null;
        this.top = null;
        this.layers = null;
        this.residual = null;
        this.rstdFinal = null;
        this.normed = null;
    }

    /** The read rows, for messages. */
    String readRowsDescribed() {
        return lanes != null ? (readRows == null ? "all" : QueryRows.describe(readRows)) : top.describe();
    }

    /** The lane that computed row (of a pass in lanes). */
    int laneOf(int row) {
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        int k = 0;
        while (row >= laneRow[k + 1]) k++;
        return k;
    }

    /** The rows layer l computes its queries and everything after them for. */
    QueryRows queryRows(int l) { return l + 1 == layers.length ? top : all; }

    public int rows() { return rows; }

    public PackedBatch batch() { return batch; }

    /** Whether the final-norm output exists at every row (no read rows were given to the forward). */
    public boolean allRowsComputed() { return lanes != null ? readRows == null : top.all(); }

    /**
     * The final RMSNorm output, rows × hidden (the array may be longer: it is pooled, and serves passes of other
     * lengths), input of the LM head and of Tag-LLM regression heads. Only for a pass over all rows: a pass given
     * read rows has no output at the other rows, so it must be read row by row ({@link #normedRow}).
     */
    public float[] normed() {
        requireOpen();
        if (!allRowsComputed()) {
            int count = lanes != null ? readRows.length : top.count();
            throw new IllegalStateException("this forward pass computed the final-norm output only at its " + count
                    + " read rows " + readRowsDescribed() + ": read them with normedRow(row)");
        }
        if (lanes == null) return normed;
        synchronized (this) {
            if (gathered == null) {
                int d = config.hiddenSize();
                float[] g = pool.takeAtLeast(rows, d);
                for (int k = 0; k < lanes.length; k++) {
                    System.arraycopy(lanes[k].normed(), 0, g, laneRow[k] * d, (laneRow[k + 1] - laneRow[k]) * d);
                }
                gathered = g;
            }
            return gathered;
        }
    }

    /**
     * An array of at least rows × hidden floats, those zeroed, that belongs to this pass (handed back at
     * {@link #close()}): for dL/d(normed) that heads and losses accumulate into, and for the input-row gradient of
     * {@link Transformer#backward(ForwardPass, float[], float[])}. Valid until close: a later pass reuses it. It may
     * be longer than rows × hidden (a pooled array serves batches of other lengths): use rows() for the count.
     */
    public float[] gradientRows() {
        requireOpen();
        int n = rows * config.hiddenSize();
        float[] g = pool.takeAtLeast(rows, config.hiddenSize());
        Arrays.fill(g, 0, n, 0f);
        synchronized (gradients) {
            gradients.add(g);
        }
        return g;
    }

    /** A copy of the final-norm output at one row; the row must be one the pass computed. */
    public float[] normedRow(int row) {
        requireOpen();
        if (lanes != null) {
            int k = laneOf(row);
            requireComputed(row);
            return lanes[k].normedRow(row - laneRow[k]);
        }
        int i = outputIndex(row);
        int d = config.hiddenSize();
        return Arrays.copyOfRange(normed, i * d, (i + 1) * d);
    }

    /** A pass in lanes: row's final-norm output (and final residual) must be one it computed. */
    private void requireComputed(int row) {
        if (readRows != null && Arrays.binarySearch(readRows, row) < 0) {
            throw new IllegalArgumentException("row " + row + " of the final-norm output was not computed: this forward pass was asked for rows "
                    + QueryRows.describe(readRows) + " only");
        }
    }

    /** Where row's final-norm output (and final residual) lives: the row itself, or its read index. */
    int outputIndex(int row) {
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        int i = top.indexOf(row);
        if (i < 0) {
            throw new IllegalArgumentException("row " + row + " of the final-norm output was not computed: this forward pass was asked for rows "
                    + top.describe() + " only");
        }
        return i;
    }

    /** The residual stream after decoder layer {@code layer} at {@code row} (only when kept for backward). */
    public float[] residualAfterLayer(int layer, int row) {
        requireOpen();
        if (!kept) throw new IllegalStateException("residuals are only kept by forward(batch, keepForBackward=true)");
        if (layer < 0 || layer >= config.numLayers()) {
            throw new IndexOutOfBoundsException("layer " + layer + " of " + config.numLayers());
        }
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        if (lanes != null) {
            int k = laneOf(row);
            if (layer + 1 == config.numLayers()) requireComputed(row);
            return lanes[k].residualAfterLayer(layer, row - laneRow[k]);
        }
        int d = config.hiddenSize();
        float[] src = layers[layer].xOut;
        int i = layer + 1 == layers.length ? outputIndex(row) : row;
        return Arrays.copyOfRange(src, i * d, (i + 1) * d);
    }

    /** Bytes held by this pass's arrays (what a forward kept for backward costs in memory). */
    public long bytes() {
        long floats = 0;
        for (float[] a : distinctArrays()) floats += a.length;
        if (lanes == null) return 4 * floats + 8L * rows;
        long laneBytes = 0;
        for (ForwardPass p : lanes) laneBytes += p.bytes();
        return laneBytes + 4 * floats;
    }

    void requireOpen() {
        if (closed) throw new IllegalStateException("this forward pass was closed: its activations were handed back");
    }

    /** Hands every array back to the model's pool; the pass is unusable afterwards. Closing twice does nothing. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (lanes != null) for (ForwardPass p : lanes) p.close();
        for (float[] a : distinctArrays()) pool.give(a);
    }

    private Set<float[]> distinctArrays() {
        Set<float[]> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
        if (lanes != null) {
            synchronized (this) {
                if (gathered != null) arrays.add(gathered);
            }
        } else {
            for (float[] a : new float[][]{rope.cos(), rope.sin(), residual, rstdFinal, normed}) arrays.add(a);
            for (LayerActivations a : layers) {
                for (float[] x : a.arrays()) arrays.add(x);
            }
        }
        synchronized (gradients) {
            arrays.addAll(gradients);
        }
        return arrays;
    }
}
