package tagllm.model;

import tagllm.tensor.FloatArrayPool;
import tagllm.tensor.Gemm;
import tagllm.tensor.Parallel;
import tagllm.tensor.RmsNorm;
import tagllm.tensor.Rope;
import tagllm.tensor.StepProfile;

import java.util.Arrays;

/**
 * A frozen decoder-only Llama-family model (Llama, Mistral, Qwen2) computed in float32 the way Hugging Face does,
 * written op by op: forward over packed batches, backward to the input rows only (weights are frozen), and
 * incremental inference through a {@link KvCache}. Thread-safe for concurrent calls (each call owns its buffers).
 */
public final class Transformer {
    private final Weights weights;
    private final ModelConfig c;
    private final DecoderLayer[] layers;
    private final int d, qDim, ffn, half, vocab;
    private final float eps;
    private final double[] invFreq;
    private final int window;
    /** Whether LoRA adapters are on: their gradients are sums over every row, which lanes would add to at once. */
    private volatile boolean adapted;
    /** Whether every layer computes its products in BF16 ({@link tagllm.tensor.Matrix#bf16Compute}). */
    private final boolean bf16Layers;
    /** Every pass whole, never in lanes: for tests and alternated timings that compare the two. */
    static volatile boolean lanesOff;

    /** Activation and gradient buffers handed back by closed passes and finished backwards, for the next step. */
    private final FloatArrayPool pool = new FloatArrayPool(64L << 20);

    public Transformer(Weights weights) {
        this.weights = weights;
        this.c = weights.config();
        layers = new DecoderLayer[c.numLayers()];
        for (int l = 0; l < layers.length; l++) layers[l] = new DecoderLayer(c, weights.layers()[l]);
        d = c.hiddenSize();
        qDim = c.qDim();
        ffn = c.intermediateSize();
        half = c.headDim() / 2;
        vocab = c.vocabSize();
        eps = (float) c.rmsNormEps();
        invFreq = RopeFrequencies.of(c);
        window = c.slidingWindow() == null ? Integer.MAX_VALUE : c.slidingWindow();
        boolean bf16 = true;
        for (DecoderLayer l : layers) bf16 &= l.allBf16();
        bf16Layers = bf16;
    }

    public ModelConfig config() { return c; }

    /**
     * The most bytes of activation and gradient buffers (forward passes, their scratch, backward's working arrays)
     * this model had in use at one time. A pass counts until it is closed, so the figure is a step's true peak only
     * where passes are closed after use.
     */
    public long activationHighWaterBytes() { return pool.highWaterBytes(); }

    /**
     * Bytes of activation, gradient and KV-cache arrays allocated so far because no pooled one fitted. A loop that
     * closes its passes and caches (a training loop over same-sized batches, repeated generation) stops adding to
     * it after its first round: whatever it allocated afresh each round would be promoted garbage.
     */
    public long bufferBytesAllocated() { return pool.allocatedBytes(); }

    /**
     * An array of at least n floats from the model's buffer pool, with stale contents: for an input block whose
     * first n values the caller overwrites (see SequencePacker). It may be longer (one array serves batches of
     * nearby lengths). Hand it back with {@link #recycle} once no pass uses it.
     */
    public float[] borrowBuffer(int n) { return pool.takeAtLeast(n); }

    /** Hands back an array from {@link #borrowBuffer} for later passes; the caller must not use it afterwards. */
    public void recycle(float[] a) { pool.give(a); }

    /**
     * Lets go of the activation arrays kept for reuse (closed passes and caches hand theirs back), e.g. after
     * training and before serving: the next work then allocates its own, of its own sizes.
     */
    public void releaseBuffers() { pool.clear(); }

    public Weights weights() { return weights; }

    /** Puts LoRA adapters on every layer's q and v projections (null takes them off); see {@link LoraAdapters}. */
    public void adapt(LoraAdapters adapters) {
        if (adapters != null && adapters.layers.length != layers.length) {
            throw new IllegalArgumentException("LoRA adapters for " + adapters.layers.length + " layers, the model has " + layers.length);
        }
        for (int l = 0; l < layers.length; l++) layers[l].adapt(adapters == null ? null : adapters.layers[l]);
        adapted = adapters != null;
    }

    /** Row tokenId of embed_tokens, upcast to float, into dst[dstOffset .. + hidden). */
    public void embed(int tokenId, float[] dst, int dstOffset) {
        if (tokenId < 0 || tokenId >= vocab) {
            throw new IllegalArgumentException("token id " + tokenId + " is outside the vocabulary [0, " + vocab + ")");
        }
        weights.embedTokens().row(tokenId, dst, dstOffset);
    }

    /** The input rows of a token sequence: its embedding rows, back to back. */
    public float[] embed(int[] tokenIds) {
        float[] rows = new float[tokenIds.length * d];
        for (int i = 0; i < tokenIds.length; i++) embed(tokenIds[i], rows, i * d);
        return rows;
    }

    /** Vocabulary logits of one row of a final-norm output (the LM head). */
    public float[] logits(float[] normed, int row) {
        float[] out = new float[vocab];
        DecoderLayer.phase(StepProfile.Phase.LM_HEAD, () -> Gemm.xwT(normed, row * d, 1, weights.lmHead(), out, 0, false));
        return out;
    }

    // ---------------------------------------------------------------- forward over a packed batch

    /** A forward pass over every row of the batch (all rows of the final-norm output computed). */
    public ForwardPass forward(PackedBatch batch, boolean keepForBackward) {
        return forward(batch, keepForBackward, null);
    }

    /**
     * A forward pass that computes the final-norm output only at readRows (ascending, distinct; null: all rows),
     * the rows anything will read from it — a regression head's read position in each sequence. No later layer
     * needs the other rows of the top layer, so it computes their K and V (its attention reads them) but not their
     * queries, attention, O projection, MLP or final norm. The pass's {@link ForwardPass#normed()} is then refused
     * (its other rows do not exist) and {@link ForwardPass#normedRow} answers for read rows only; {@link #backward}
     * takes a dNormed that must be zero outside them. A large batch may run in lanes, a run of its sequences per core
     * ({@link Lanes}); the pass reads the same either way, with the same bits.
     */
    public ForwardPass forward(PackedBatch batch, boolean keepForBackward, int[] readRows) {
        if (batch.hidden() != d) {
            throw new IllegalArgumentException("batch rows have " + batch.hidden() + " values, the model's hidden size is " + d);
        }
        // a backward in lanes packs every weight once per lane for its products: under BF16 compute the lanes still
        // won, under F32 compute (FP32 packing, twice the bytes) the training step was 2.7% slower
        boolean lanes = !lanesOff && !adapted && (!keepForBackward || bf16Layers) && Parallel.spreads();
        int[] cut = lanes ? Lanes.cut(batch, Parallel.threads()) : null;
        ForwardPass inLanes = cut == null ? null : forwardInLanes(batch, keepForBackward, readRows, cut);
        return inLanes != null ? inLanes : forwardWhole(batch, keepForBackward, readRows);
    }

    /**
     * The batch's runs of sequences cut at cut ({@link Lanes}), each run's forward on a core of its own; null where the
     * read rows would leave a lane nothing to read, or are not ascending and distinct rows of the batch (the whole
     * pass then says which).
     */
    private ForwardPass forwardInLanes(PackedBatch batch, boolean keep, int[] readRows, int[] cut) {
        int lanes = cut.length - 1, n = batch.rows();
        int[] row0 = new int[lanes + 1];
        for (int k = 0; k <= lanes; k++) row0[k] = batch.seqStart(cut[k]);
        int[][] laneRead = new int[lanes][];
        if (readRows != null) {
            for (int i = 0; i < readRows.length; i++) {
                if (readRows[i] < 0 || readRows[i] >= n || (i > 0 && readRows[i] <= readRows[i - 1])) return null;
            }
            int i = 0;
            for (int k = 0; k < lanes; k++) {
                int from = i;
                while (i < readRows.length && readRows[i] < row0[k + 1]) i++;
                if (i == from) return null;
                laneRead[k] = new int[i - from];
                for (int j = from; j < i; j++) laneRead[k][j - from] = readRows[j] - row0[k];
            }
        }
        PackedBatch[] parts = new PackedBatch[lanes];
        for (int k = 0; k < lanes; k++) parts[k] = batch.part(cut[k], cut[k + 1]);
        // under BF16 compute a layer's form (operands rounded to BF16 where they are made, MLP inputs kept as BF16
        // pairs) follows its row counts (DecoderLayer.fused): a lane must take the form the whole pass would, or its
        // rows would round differently
        int[] whole = Lanes.counts(batch, readRows);
        for (int k = 0; k < lanes; k++) {
            int[] lane = Lanes.counts(parts[k], laneRead[k]);
            for (int i = 0; i < whole.length; i++) if (layerForm(whole[i]) != layerForm(lane[i])) return null;
        }
        ForwardPass[] passes = new ForwardPass[lanes];
        StepProfile.Lanes profiled = StepProfile.lanes(lanes);
        try {
            Parallel.forEachTask(lanes, k -> StepProfile.inLanes(profiled, () -> passes[k] = forwardWhole(parts[k], keep, laneRead[k])));
        } catch (RuntimeException | Error e) {
            for (ForwardPass p : passes) if (p != null) p.close();
            throw e;
        }
        return new ForwardPass(c, batch, keep, readRows == null ? null : readRows.clone(), passes, row0, pool);
    }

    /** The forward of the whole batch, every parallel call spread over the pool. */
    private ForwardPass forwardWhole(PackedBatch batch, boolean keepForBackward, int[] readRows) {
        int n = batch.rows();
        int[] lo = new int[n], hi = new int[n];
        for (int r = 0; r < n; r++) {
            lo[r] = Math.max(batch.attendFrom(r), window == Integer.MAX_VALUE ? 0 : r - window + 1);
            hi[r] = r;
        }
        QueryRows all = QueryRows.all(batch.seqStarts(), lo, hi);
        QueryRows top = readRows == null ? all : QueryRows.of(readRows, all);
        StepProfile.backward(false);
        ForwardPass p = new ForwardPass(c, batch, keepForBackward, all, top, pool, layers);
        StepProfile.enter(StepProfile.Phase.ROPE);
        for (int r = 0; r < n; r++) Rope.angles(invFreq, batch.position(r), p.rope.cos(), p.rope.sin(), r * half);
        StepProfile.exit();
        DecoderLayer.phase(StepProfile.Phase.COPIES, () -> System.arraycopy(batch.input(), batch.inputOffset(), p.layers[0].xIn, 0, n * d));
        DecoderLayer.ForwardScratch s = new DecoderLayer.ForwardScratch(c, n, pool);
        for (int l = 0; l < layers.length; l++) layers[l].forward(p.layers[l], p.queryRows(l), p.rope, s);
        s.release();
        float[] norm = weights.finalNorm();
        DecoderLayer.phase(StepProfile.Phase.NORM,
                () -> DecoderLayer.rows(top.count(), d, i -> p.rstdFinal[i] = RmsNorm.forward(p.residual, i * d, norm, eps, p.normed, i * d, d)));
        pool.ensureCapacity(p.bytes() + s.bytes());
        return p;
    }

    /** Whether a layer computing at n rows takes operands rounded to BF16 where they are made ({@link DecoderLayer#fused}). */
    boolean layerForm(int n) { return layers[0].fused(n); }

    // ---------------------------------------------------------------- backward to the inputs

    /**
     * dL/d(input rows) given dL/d(final-norm output) (rows × hidden). Only rows from each sequence's gradFrom
     * onwards are computed (earlier rows do not depend on trainable inputs, so the rows of their result are zero).
     * For a pass given read rows, dNormed must be zero at every other row, and the top layer's MLP, O and Q
     * backward run over the read rows only (dX is zero elsewhere there); its dK and dV still reach every row.
     * Returns a new array.
     */
    public float[] backward(ForwardPass p, float[] dNormed) {
        p.requireOpen();
        return backward(p, dNormed, new float[p.rows * d]);
    }

    /**
     * As {@link #backward(ForwardPass, float[])}, into dInput (its first rows × hidden values overwritten; it and
     * dNormed may be longer, as {@link ForwardPass#gradientRows()} arrays are), which it
     * returns. A training loop passes {@link ForwardPass#gradientRows()} here so that no step allocates its input
     * gradient afresh (an array alive across a young collection is promoted, and stays resident as garbage).
     */
    public float[] backward(ForwardPass p, float[] dNormed, float[] dInput) {
        p.requireOpen();
        if (!p.kept) throw new IllegalStateException("backward needs a forward pass made with keepForBackward=true");
        int n = p.rows;
        if (dNormed.length < n * d) {
            throw new IllegalArgumentException("dNormed has " + dNormed.length + " values, expected rows × hidden = " + n * d);
        }
        if (dInput.length < n * d) {
            throw new IllegalArgumentException("dInput has " + dInput.length + " values, expected rows × hidden = " + n * d);
        }
        if (p.lanes == null && !p.top.all()) requireZeroOutside(p.top, p.top.describe(), dNormed, 0, 0, n, d);
        if (p.lanes != null && !p.allRowsComputed()) {
            for (int k = 0; k < p.lanes.length; k++) {
                ForwardPass lane = p.lanes[k];
                requireZeroOutside(lane.top, p.readRowsDescribed(), dNormed, p.laneRow[k] * d, p.laneRow[k], lane.rows, d);
            }
        }
        StepProfile.backward(true);
        try {
            if (p.lanes == null) return backwardLayers(p, dNormed, 0, dInput, 0);
            // each lane's rows of dNormed and dInput are its own: the lanes' backwards share no array
            StepProfile.Lanes profiled = StepProfile.lanes(p.lanes.length);
            Parallel.forEachTask(p.lanes.length, k -> StepProfile.inLanes(profiled,
                    () -> backwardLayers(p.lanes[k], dNormed, p.laneRow[k] * d, dInput, p.laneRow[k] * d)));
            return dInput;
        } finally {
            StepProfile.backward(false);
        }
    }

    /**
     * The backward proper of a whole pass, its phases profiled as backward ({@link StepProfile}): dNormed's rows from
     * dOff, dInput's from inOff (floats; a lane's rows of the whole pass's arrays).
     */
    private float[] backwardLayers(ForwardPass p, float[] dNormed, int dOff, float[] dInput, int inOff) {
        int n = p.rows;
        DecoderLayer.phase(StepProfile.Phase.COPIES, () -> Arrays.fill(dInput, inOff, inOff + n * d, 0f)); // rows before gradFrom stay zero
        int[] activeIndex = BackwardRows.activeIndex(p.batch);
        int m = 0;
        for (int a : activeIndex) if (a >= 0) m++;
        if (m == 0) return dInput;
        BackwardRows all = BackwardRows.of(p.all, p.batch, activeIndex, m);
        BackwardRows top = p.top == p.all ? all : BackwardRows.of(p.top, p.batch, activeIndex, m);
        // from the pool (stale contents): every element is written before it is read
        DecoderLayer.BackwardScratch s = new DecoderLayer.BackwardScratch(c, m, top.everyActiveRow ? 0 : top.count, pool);
        float[] dxTop = top.everyActiveRow ? s.dx : s.dxTop;
        float[] norm = weights.finalNorm();
        DecoderLayer.phase(StepProfile.Phase.NORM, () -> DecoderLayer.rows(top.count, d, t -> RmsNorm.backward(p.residual,
                top.q[t] * d, p.rstdFinal[top.q[t]], norm, dNormed, dOff + top.row[t] * d, dxTop, t * d, d, false)));
        for (int l = layers.length - 1; l >= 0; l--) {
            boolean isTop = l == layers.length - 1;
            layers[l].backward(p.layers[l], isTop ? top : all, all, isTop ? dxTop : s.dx, p.rope, s);
        }
        StepProfile.enter(StepProfile.Phase.COPIES);
        for (int i = 0; i < m; i++) System.arraycopy(s.dx, i * d, dInput, inOff + all.row[i] * d, d);
        StepProfile.exit();
        // room for this pass, its forward scratch and these buffers: a whole training step, handed back
        pool.ensureCapacity(p.bytes() + s.bytes() + 4L * n * (d + qDim + ffn));
        s.release();
        return dInput;
    }

    /**
     * dNormed's n rows from off (floats), the pass's rows from row0, must be zero wherever read did not compute;
     * readRows describes the pass's read rows for the message.
     */
    private static void requireZeroOutside(QueryRows read, String readRows, float[] dNormed, int off, int row0, int n, int dd) {
        for (int r = 0; r < n; r++) {
            if (read.indexOf(r) >= 0) continue;
            for (int j = off + r * dd; j < off + (r + 1) * dd; j++) {
                if (dNormed[j] != 0f) {
                    throw new IllegalArgumentException("dNormed is nonzero at row " + (row0 + r) + ", whose final-norm output this pass did not compute (read rows "
                            + readRows + ")");
                }
            }
        }
    }

    // ---------------------------------------------------------------- incremental inference

    public KvCache newCache(int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("KV cache capacity must be positive, got " + capacity);
        return new KvCache(c.numLayers(), capacity, c.kvDim(), pool);
    }

    /**
     * Appends n input rows (token embeddings or tag vectors) at the cache's next positions, attending causally to
     * everything cached before them; returns the final-norm hidden state of the last of them.
     */
    public float[] prefill(KvCache cache, float[] inputRows, int n) {
        if (n <= 0) throw new IllegalArgumentException("prefill needs at least one row, got " + n);
        if (inputRows.length < n * d) {
            throw new IllegalArgumentException("prefill of " + n + " rows needs " + n * d + " values, got " + inputRows.length);
        }
        cache.requireOpen();
        if (cache.layers() != c.numLayers() || cache.rowWidth() != c.kvDim()) {
            throw new IllegalArgumentException("this KV cache was made for another model");
        }
        int base = cache.length();
        if (base + n > cache.capacity()) {
            throw new IllegalStateException("KV cache full: " + base + " cached + " + n + " new positions exceed its capacity "
                    + cache.capacity());
        }
        // working arrays from the pool (stale contents, each fully written before it is read), handed back below
        float[] x = pool.takeAtLeast(n, d);
        System.arraycopy(inputRows, 0, x, 0, n * d);
        DecoderLayer.RopeAngles rope = new DecoderLayer.RopeAngles(pool.takeAtLeast(n, half), pool.takeAtLeast(n, half));
        int[] lo = new int[n], hi = new int[n];
        for (int i = 0; i < n; i++) {
            int pos = base + i;
            Rope.angles(invFreq, pos, rope.cos(), rope.sin(), i * half);
            hi[i] = pos;
            lo[i] = window == Integer.MAX_VALUE ? 0 : Math.max(0, pos - window + 1);
        }
        QueryRows all = QueryRows.all(new int[]{0, n}, lo, hi);
        // only the last row is returned: the top layer needs the others' K and V (cached) but nothing else
        QueryRows last = QueryRows.of(new int[]{n - 1}, all);
        // every layer in place on x, its K and V into the cache
        LayerActivations a = new LayerActivations(n, x, x, x, pool.takeAtLeast(n), pool.takeAtLeast(n),
                pool.takeAtLeast(n, qDim), null, null, base, pool.takeAtLeast(n, c.numHeads()),
                pool.takeAtLeast(n, ffn), pool.takeAtLeast(n, ffn), LayerActivations.MlpInputs.NONE);
        DecoderLayer.ForwardScratch s = new DecoderLayer.ForwardScratch(c, n, pool);
        for (int l = 0; l < layers.length; l++) {
            layers[l].forward(a.withCache(cache.keys(l), cache.values(l), base), l + 1 == layers.length ? last : all, rope, s);
        }
        s.release();
        cache.advance(n);
        float[] out = new float[d];
        RmsNorm.forward(x, last.indexOf(n - 1) * d, weights.finalNorm(), eps, out, 0, d);
        for (float[] arr : new float[][]{x, rope.cos(), rope.sin(), a.rstd1, a.rstd2, a.q, a.lse, a.gate, a.up}) pool.give(arr);
        return out;
    }

    /** Appends one token; returns its final-norm hidden state. */
    public float[] decode(KvCache cache, int tokenId) {
        float[] row = new float[d];
        embed(tokenId, row, 0);
        return prefill(cache, row, 1);
    }
}
