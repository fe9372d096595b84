package tagllm.model;

import tagllm.tensor.Attention;
import tagllm.tensor.BlockAttention;
import tagllm.tensor.FloatArrayPool;
import tagllm.tensor.Gemm;
import tagllm.tensor.Matrix;
import tagllm.tensor.Parallel;
import tagllm.tensor.RmsNorm;
import tagllm.tensor.Rope;
import tagllm.tensor.SwiGlu;

import java.util.Arrays;

/**
 * A frozen decoder-only Llama-family model (Llama, Mistral, Qwen2) computed in float32 the way Hugging Face does,
 * written op by op: forward over packed batches, backward to the input rows only (weights are frozen), and
 * incremental inference through a {@link KvCache}. Thread-safe for concurrent calls (each call owns its buffers).
 */
public final class Transformer {
    private final Weights weights;
    private final ModelConfig c;
    private final int d, qDim, kvDim, hd, half, heads, kvHeads, group, ffn, vocab;
    private final float eps, scale;
    private final double[] invFreq;
    private final int window;

    /** Sequences at least this long run attention as matrix products, in blocks of BLOCK_ROWS query rows. */
    static final int BLOCK_MIN = 32, BLOCK_ROWS = 64;

    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[256]);

    /** Activation and gradient buffers handed back by closed passes and finished backwards, for the next step. */
    private final FloatArrayPool pool = new FloatArrayPool(64L << 20);

    public Transformer(Weights weights) {
        this.weights = weights;
        this.c = weights.config();
        d = c.hiddenSize();
        qDim = c.qDim();
        kvDim = c.kvDim();
        hd = c.headDim();
        half = hd / 2;
        heads = c.numHeads();
        kvHeads = c.numKvHeads();
        group = c.groupSize();
        ffn = c.intermediateSize();
        vocab = c.vocabSize();
        eps = (float) c.rmsNormEps();
        scale = (float) (1.0 / Math.sqrt(hd));
        invFreq = RopeFrequencies.of(c);
        window = c.slidingWindow() == null ? Integer.MAX_VALUE : c.slidingWindow();
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
     * An array of exactly n floats from the model's buffer pool, with stale contents: for an input block the
     * caller overwrites completely (see SequencePacker). Hand it back with {@link #recycle} once no pass uses it.
     */
    public float[] borrowBuffer(int n) { return pool.take(n); }

    /** Hands back an array from {@link #borrowBuffer} for later passes; the caller must not use it afterwards. */
    public void recycle(float[] a) { pool.give(a); }

    /**
     * Lets go of the activation arrays kept for reuse (closed passes and caches hand theirs back), e.g. after
     * training and before serving: the next work then allocates its own, of its own sizes.
     */
    public void releaseBuffers() { pool.clear(); }

    public Weights weights() { return weights; }

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
        Gemm.xwT(normed, row * d, 1, weights.lmHead(), out, 0, false);
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
     * takes a dNormed that must be zero outside them.
     */
    public ForwardPass forward(PackedBatch batch, boolean keepForBackward, int[] readRows) {
        if (batch.hidden() != d) {
            throw new IllegalArgumentException("batch rows have " + batch.hidden() + " values, the model's hidden size is " + d);
        }
        int n = batch.rows();
        int[] lo = new int[n], hi = new int[n];
        for (int r = 0; r < n; r++) {
            lo[r] = Math.max(batch.attendFrom(r), window == Integer.MAX_VALUE ? 0 : r - window + 1);
            hi[r] = r;
        }
        QueryRows read = readRows == null ? null : QueryRows.of(readRows, n, batch.seqStarts(), lo, hi);
        ForwardPass p = new ForwardPass(c, batch, keepForBackward, lo, hi, read, pool);
        for (int r = 0; r < n; r++) Rope.angles(invFreq, batch.position(r), p.cos, p.sin, r * half);
        System.arraycopy(batch.input(), 0, p.layers[0].xIn, 0, n * d);
        Scratch s = new Scratch(n);
        for (int l = 0; l < c.numLayers(); l++) {
            ForwardPass.LayerActivations a = p.layers[l];
            float[] out = keepForBackward ? p.layerOutput(l) : p.residual;
            layerForward(weights.layers()[l], n, l + 1 == c.numLayers() ? read : null, a.xIn, a.xMid, out, a.rstd1,
                    a.rstd2, a.q, a.k, a.v, 0, a.lse, a.gate, a.up, s, p.cos, p.sin, lo, hi, batch.seqStarts());
        }
        s.release();
        float[] norm = weights.finalNorm();
        rows(read == null ? n : read.count(), d,
                i -> p.rstdFinal[i] = RmsNorm.forward(p.residual, i * d, norm, eps, p.normed, i * d, d));
        pool.ensureCapacity(p.bytes() + s.bytes);
        return p;
    }

    /** Per-pass scratch that no backward needs: normed layer inputs, attention outputs, the MLP activation. */
    private final class Scratch {
        final float[] h, att, act;
        final long bytes;

        Scratch(int n) {
            h = pool.takeAtLeast(n * d);
            att = pool.takeAtLeast(n * qDim);
            act = pool.takeAtLeast(n * ffn);
            bytes = 4L * n * (d + qDim + ffn);
        }

        void release() {
            pool.give(h);
            pool.give(att);
            pool.give(act);
        }
    }

    /**
     * One decoder layer over n rows. K and V of the rows go to kAll/vAll at row {@code base} (the pass's own
     * arrays with base 0, or a KV cache); query row i attends to key rows [lo[i], hi[i]] there.
     * xIn, xMid, xOut may be the same array (in place) or distinct (kept for backward). segments: the rows'
     * sequences as start offsets plus the end, which bounds the attention blocks. With sel (the top layer of a pass
     * read only at some rows) everything after K and V runs over sel's rows only: q, lse, rstd2, gate, up, xMid
     * and xOut are then indexed by query index.
     */
    private void layerForward(LayerWeights lw, int n, QueryRows sel, float[] xIn, float[] xMid, float[] xOut,
                              float[] rstd1, float[] rstd2, float[] q, float[] kAll, float[] vAll, int base, float[] lse,
                              float[] gate, float[] up, Scratch s, float[] cos, float[] sin, int[] lo, int[] hi,
                              int[] segments) {
        float[] h = s.h, att = s.att, act = s.act;
        rows(n, d, i -> rstd1[i] = RmsNorm.forward(xIn, i * d, lw.inputNorm(), eps, h, i * d, d));
        int m = n;
        if (sel == null) {
            Gemm.xwT(h, 0, n, new Matrix[]{lw.q(), lw.k(), lw.v()}, new float[][]{q, kAll, vAll}, new int[]{0, base * kvDim, base * kvDim});
            rows(n, qDim + kvDim, i -> {
                queryBiasAndRope(lw, q, i, i, cos, sin);
                keyBiasAndRope(lw, kAll, vAll, base + i, i, cos, sin);
            });
        } else {
            m = sel.count();
            Gemm.xwT(h, 0, n, new Matrix[]{lw.k(), lw.v()}, new float[][]{kAll, vAll}, new int[]{base * kvDim, base * kvDim});
            rows(n, kvDim, i -> keyBiasAndRope(lw, kAll, vAll, base + i, i, cos, sin));
            gatherRows(h, h, sel.row, d);
            // products through the register tile even for few rows, so each row has the bits of the full layer
            Gemm.xwTTiled(h, 0, m, lw.q(), q, 0, false);
            rows(m, qDim, i -> queryBiasAndRope(lw, q, i, sel.row[i], cos, sin));
            attention(m, sel.segments, segments, q, kAll, vAll, sel.lo, sel.hi, lse, att);
            gatherRows(xIn, xMid, sel.row, d);
            Gemm.xwTTiled(att, 0, m, lw.o(), xMid, 0, true);
            rows(m, d, i -> rstd2[i] = RmsNorm.forward(xMid, i * d, lw.postAttentionNorm(), eps, h, i * d, d));
            Gemm.xwTTiled(h, 0, m, lw.gate(), gate, 0, false);
            Gemm.xwTTiled(h, 0, m, lw.up(), up, 0, false);
            rows(m, ffn, i -> SwiGlu.forward(gate, up, i * ffn, act, i * ffn, ffn));
            if (xOut != xMid) rows(m, d, i -> System.arraycopy(xMid, i * d, xOut, i * d, d));
            Gemm.xwTTiled(act, 0, m, lw.down(), xOut, 0, true);
            return;
        }
        attention(m, segments, segments, q, kAll, vAll, lo, hi, lse, att);
        if (xMid != xIn) rows(n, d, i -> System.arraycopy(xIn, i * d, xMid, i * d, d));
        Gemm.xwT(att, 0, m, lw.o(), xMid, 0, true);
        rows(m, d, i -> rstd2[i] = RmsNorm.forward(xMid, i * d, lw.postAttentionNorm(), eps, h, i * d, d));
        Gemm.xwT(h, 0, m, new Matrix[]{lw.gate(), lw.up()}, new float[][]{gate, up}, new int[]{0, 0});
        rows(m, ffn, i -> SwiGlu.forward(gate, up, i * ffn, act, i * ffn, ffn));
        if (xOut != xMid) rows(m, d, i -> System.arraycopy(xMid, i * d, xOut, i * d, d));
        Gemm.xwT(act, 0, m, lw.down(), xOut, 0, true);
    }

    /** Query row i (at batch row r, for RoPE): its bias, then RoPE. */
    private void queryBiasAndRope(LayerWeights lw, float[] q, int i, int r, float[] cos, float[] sin) {
        if (lw.qBias() != null) {
            for (int j = 0; j < qDim; j++) q[i * qDim + j] += lw.qBias()[j];
        }
        Rope.forward(q, i * qDim, heads, hd, cos, sin, r * half);
    }

    /** Key/value row kRow (row i of this call, for RoPE): biases, then RoPE on the key. */
    private void keyBiasAndRope(LayerWeights lw, float[] kAll, float[] vAll, int kRow, int i, float[] cos, float[] sin) {
        int kr = kRow * kvDim;
        if (lw.kBias() != null) {
            for (int j = 0; j < kvDim; j++) kAll[kr + j] += lw.kBias()[j];
        }
        if (lw.vBias() != null) {
            for (int j = 0; j < kvDim; j++) vAll[kr + j] += lw.vBias()[j];
        }
        Rope.forward(kAll, kr, kvHeads, hd, cos, sin, i * half);
    }

    /**
     * dst row i = src row rows[i] for ascending rows; src and dst may be the same array, as rows[i] ≥ i means a row
     * is read before it is overwritten — in this order, hence serially.
     */
    private static void gatherRows(float[] src, float[] dst, int[] rows, int width) {
        for (int i = 0; i < rows.length; i++) {
            if (src != dst || rows[i] != i) System.arraycopy(src, rows[i] * width, dst, i * width, width);
        }
    }

    /**
     * Attention of n query rows: long sequences in blocks of BLOCK_ROWS rows × one kv head as matrix products, short
     * ones (and decode) one row and head at a time; all of it as one set of parallel tasks. segments: the query
     * rows' sequences (start offsets, then n); sequences: the same sequences' rows of the batch, whose lengths pick
     * the form, so that a row gives the same bits whether or not the other rows are queried too.
     */
    private void attention(int n, int[] segments, int[] sequences, float[] q, float[] kAll, float[] vAll, int[] lo,
                           int[] hi, float[] lse, float[] att) {
        int[] blocks = new int[2 * (n / BLOCK_MIN + segments.length)];
        int[] single = new int[n];
        int nb = 0, ns = 0;
        for (int sg = 0; sg + 1 < segments.length; sg++) {
            int start = segments[sg], end = segments[sg + 1];
            if (sequences[sg + 1] - sequences[sg] >= BLOCK_MIN) {
                for (int r = start; r < end; r += BLOCK_ROWS) {
                    if (2 * nb + 2 > blocks.length) blocks = Arrays.copyOf(blocks, 2 * blocks.length);
                    blocks[2 * nb] = r;
                    blocks[2 * nb + 1] = Math.min(end, r + BLOCK_ROWS);
                    nb++;
                }
            } else {
                for (int r = start; r < end; r++) single[ns++] = r;
            }
        }
        int blockTasks = nb * kvHeads;
        int items = ns * heads;
        int maxKeys = 0;
        for (int i = 0; i < ns; i++) maxKeys = Math.max(maxKeys, hi[single[i]] - lo[single[i]] + 1);
        int perTask = Math.max(1, Math.min(items, Math.max(8192 / Math.max(1, maxKeys * hd), items / (4 * Parallel.threads()))));
        int singleTasks = (items + perTask - 1) / perTask;
        final int[] bl = blocks, sr = single;
        final int keysMax = maxKeys;
        Parallel.forEachTask(blockTasks + singleTasks, t -> {
            if (t < blockTasks) {
                int b = t / kvHeads, g = t % kvHeads;
                BlockAttention.forward(q, qDim, kAll, vAll, kvDim, hd, group, g, bl[2 * b], bl[2 * b + 1], lo, hi,
                        scale, heads, lse, att);
                return;
            }
            int from = (t - blockTasks) * perTask, to = Math.min(items, from + perTask);
            float[] sc = scores(keysMax);
            for (int it = from; it < to; it++) {
                int i = sr[it / heads], head = it % heads;
                int qo = i * qDim + head * hd;
                lse[i * heads + head] = Attention.forward(q, qo, kAll, vAll, kvDim, (head / group) * hd, lo[i], hi[i],
                        hd, scale, sc, att, qo);
            }
        });
    }

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
     * As {@link #backward(ForwardPass, float[])}, into dInput (rows × hidden, every value overwritten), which it
     * returns. A training loop passes {@link ForwardPass#gradientRows()} here so that no step allocates its input
     * gradient afresh (an array alive across a young collection is promoted, and stays resident as garbage).
     */
    public float[] backward(ForwardPass p, float[] dNormed, float[] dInput) {
        p.requireOpen();
        if (!p.kept) throw new IllegalStateException("backward needs a forward pass made with keepForBackward=true");
        int n = p.rows;
        if (dNormed.length != n * d) {
            throw new IllegalArgumentException("dNormed has " + dNormed.length + " values, expected rows × hidden = " + n * d);
        }
        if (dInput.length != n * d) {
            throw new IllegalArgumentException("dInput has " + dInput.length + " values, expected rows × hidden = " + n * d);
        }
        if (p.read != null) requireZeroOutside(p.read, dNormed, n);
        PackedBatch b = p.batch;
        int[] compact = new int[n];
        Arrays.fill(compact, -1);
        int[] active = new int[n];
        int m = 0;
        for (int s = 0; s < b.sequences(); s++) {
            for (int r = Math.max(b.seqStart(s), b.gradFrom(s)); r < b.seqEnd(s); r++) {
                compact[r] = m;
                active[m++] = r;
            }
        }
        float[] result = dInput;
        Arrays.fill(result, 0f); // rows before gradFrom stay zero
        if (m == 0) return result;
        BackRows all = BackRows.active(b, active, m, compact, p.keyLo, p.keyHi);
        BackRows top = p.read == null ? all : BackRows.read(b, p.read, compact);
        // from the pool (stale contents): every element is written before it is read
        Buffers buf = new Buffers(m, top == all ? 0 : top.count);
        float[] dxTop = top == all ? buf.dx : buf.dxTop;

        float[] norm = weights.finalNorm();
        rows(top.count, d, t -> RmsNorm.backward(p.residual, top.q[t] * d, p.rstdFinal[top.q[t]], norm, dNormed,
                top.row[t] * d, dxTop, t * d, d, false));
        for (int l = c.numLayers() - 1; l >= 0; l--) {
            boolean isTop = l == c.numLayers() - 1;
            layerBackward(p, p.layers[l], weights.layers()[l], isTop ? top : all, isTop ? dxTop : buf.dx, all, compact, buf);
        }
        for (int i = 0; i < m; i++) System.arraycopy(buf.dx, i * d, result, active[i] * d, d);
        // room for this pass, its forward scratch and these buffers: a whole training step, handed back
        pool.ensureCapacity(p.bytes() + buf.bytes + 4L * n * (d + qDim + ffn));
        buf.release();
        return result;
    }

    /**
     * One layer's backward. rs: the rows whose residual gradient dxR (rs.count × hidden) is nonzero, where the
     * layer's MLP, O and Q backward run; all: every active row, which gets dK/dV and whose gradient lands in
     * buf.dx (dxR itself when rs is all).
     */
    private void layerBackward(ForwardPass p, ForwardPass.LayerActivations a, LayerWeights lw, BackRows rs,
                               float[] dxR, BackRows all, int[] compact, Buffers buf) {
        int mt = rs.count, m = all.count;
        float[] dx = buf.dx, dh = buf.dh, datt = buf.datt, dq = buf.dq, dk = buf.dk, dv = buf.dv;
        float[] dact = buf.dact, dgate = buf.dgate, dup = buf.dup;
        // x_out = x_mid + down(silu(gate(h2)) · up(h2)), h2 = norm(x_mid)
        Gemm.xw(dxR, 0, mt, lw.down(), dact, 0, false);
        rows(mt, ffn, t -> SwiGlu.backward(a.gate, a.up, rs.q[t] * ffn, dact, dgate, dup, t * ffn, ffn));
        Gemm.xw(dgate, 0, mt, lw.gate(), dh, 0, false);
        Gemm.xw(dup, 0, mt, lw.up(), dh, 0, true);
        rows(mt, d, t -> RmsNorm.backward(a.xMid, rs.q[t] * d, a.rstd2[rs.q[t]], lw.postAttentionNorm(),
                dh, t * d, dxR, t * d, d, true));
        // x_mid = x_in + o(attention(rope(q(h1)), rope(k(h1)), v(h1))), h1 = norm(x_in)
        Gemm.xw(dxR, 0, mt, lw.o(), datt, 0, false);
        Arrays.fill(dk, 0f);
        Arrays.fill(dv, 0f);
        attentionBackward(p, a, rs, compact, datt, dq, dk, dv);
        if (rs == all) {
            rows(m, qDim + kvDim, i -> {
                int cs = all.row[i] * half;
                Rope.backward(dq, i * qDim, heads, hd, p.cos, p.sin, cs);
                Rope.backward(dk, i * kvDim, kvHeads, hd, p.cos, p.sin, cs);
            });
            Gemm.xw(dq, 0, m, lw.q(), dh, 0, false);
            Gemm.xw(dk, 0, m, lw.k(), dh, 0, true);
            Gemm.xw(dv, 0, m, lw.v(), dh, 0, true);
        } else {
            rows(mt, qDim, t -> Rope.backward(dq, t * qDim, heads, hd, p.cos, p.sin, rs.row[t] * half));
            rows(m, kvDim, i -> Rope.backward(dk, i * kvDim, kvHeads, hd, p.cos, p.sin, all.row[i] * half));
            // dh = dq·Wq (zero off rs's rows) + dk·Wk + dv·Wv in the full layer's order, so each row keeps its bits;
            // the residual gradient exists only at rs's rows: everywhere else dx starts from zero
            Gemm.xw(dq, 0, mt, lw.q(), buf.dqw, 0, false);
            Arrays.fill(dh, 0, m * d, 0f);
            Arrays.fill(dx, 0, m * d, 0f);
            for (int t = 0; t < mt; t++) {
                System.arraycopy(buf.dqw, t * d, dh, rs.act[t] * d, d);
                System.arraycopy(dxR, t * d, dx, rs.act[t] * d, d);
            }
            Gemm.xw(dk, 0, m, lw.k(), dh, 0, true);
            Gemm.xw(dv, 0, m, lw.v(), dh, 0, true);
        }
        rows(m, d, i -> RmsNorm.backward(a.xIn, all.row[i] * d, a.rstd1[all.row[i]], lw.inputNorm(),
                dh, i * d, dx, i * d, d, true));
    }

    private static void requireZeroOutside(QueryRows read, float[] dNormed, int n) {
        int dd = dNormed.length / n;
        for (int r = 0; r < n; r++) {
            if (read.indexOf(r) >= 0) continue;
            for (int j = r * dd; j < (r + 1) * dd; j++) {
                if (dNormed[j] != 0f) {
                    throw new IllegalArgumentException("dNormed is nonzero at row " + r + ", whose final-norm output this pass did not compute (read rows "
                            + read.describe() + ")");
                }
            }
        }
    }

    /**
     * The rows one layer's backward runs its queries, O and MLP over. Entry t: batch row row[t], active index
     * act[t] (null: t itself), index q[t] into the layer's query-row activations (q, lse, xMid, rstd2, gate, up).
     * In that query index space: qToT maps back to t (or -1), [from[s], to[s]) are sequence s's entries (they are
     * consecutive there), lo/hi the key ranges, queryRow the batch rows.
     */
    private record BackRows(int count, int[] row, int[] act, int[] q, int[] qToT, int[] from, int[] to, int[] lo, int[] hi,
                            int[] queryRow) {
        /** The batch row of query index i (queryRow null: the query index is the batch row). */
        int rowOf(int i) { return queryRow == null ? i : queryRow[i]; }

        /** Every active row, in a layer whose activations are indexed by batch row. */
        static BackRows active(PackedBatch b, int[] active, int m, int[] compact, int[] keyLo, int[] keyHi) {
            int seqs = b.sequences();
            int[] from = new int[seqs], to = new int[seqs];
            for (int s = 0; s < seqs; s++) {
                from[s] = Math.max(b.seqStart(s), b.gradFrom(s));
                to[s] = b.seqEnd(s);
            }
            return new BackRows(m, active, null, active, compact, from, to, keyLo, keyHi, null);
        }

        /** The active read rows of a top layer computed only at its read rows (indexed by read index). */
        static BackRows read(PackedBatch b, QueryRows read, int[] compact) {
            int seqs = b.sequences(), qs = read.count();
            int[] qToT = new int[qs];
            int[] rowT = new int[qs], act = new int[qs], q = new int[qs];
            int[] from = new int[seqs], to = new int[seqs];
            int t = 0;
            for (int s = 0; s < seqs; s++) {
                from[s] = read.segments[s + 1];
                to[s] = read.segments[s + 1];
                for (int i = read.segments[s]; i < read.segments[s + 1]; i++) {
                    int r = read.row[i];
                    if (compact[r] < 0) {
                        qToT[i] = -1;
                        continue;
                    }
                    from[s] = Math.min(from[s], i); // active rows are a suffix of the sequence
                    qToT[i] = t;
                    rowT[t] = r;
                    act[t] = compact[r];
                    q[t] = i;
                    t++;
                }
            }
            return new BackRows(t, rowT, act, q, qToT, from, to, read.lo, read.hi, read.row);
        }
    }

    /** Backward's working arrays, from the pool: m active rows, mt rows of a top layer run only where read. */
    private final class Buffers {
        final float[] dx, dh, datt, dq, dk, dv, dact, dgate, dup, dxTop, dqw;
        final long bytes;

        Buffers(int m, int mt) {
            dx = pool.takeAtLeast(m * d);
            dh = pool.takeAtLeast(m * d);
            datt = pool.takeAtLeast(m * qDim);
            dq = pool.takeAtLeast(m * qDim);
            dk = pool.takeAtLeast(m * kvDim);
            dv = pool.takeAtLeast(m * kvDim);
            dact = pool.takeAtLeast(m * ffn);
            dgate = pool.takeAtLeast(m * ffn);
            dup = pool.takeAtLeast(m * ffn);
            dxTop = mt > 0 ? pool.takeAtLeast(mt * d) : null;
            dqw = mt > 0 ? pool.takeAtLeast(mt * d) : null;
            bytes = 8L * m * (d + qDim + kvDim) + 12L * m * ffn + 8L * mt * d;
        }

        void release() {
            for (float[] a : new float[][]{dx, dh, datt, dq, dk, dv, dact, dgate, dup, dxTop, dqw}) {
                if (a != null) pool.give(a);
            }
        }
    }

    /**
     * Attention backward for the query rows of rs; dK/dV (indexed by active row through compact) of one kv head are
     * written only by the task owning that (sequence, kv head), so tasks never share an output element.
     */
    private void attentionBackward(ForwardPass p, ForwardPass.LayerActivations a, BackRows rs, int[] compact,
                                   float[] datt, float[] dq, float[] dk, float[] dv) {
        PackedBatch b = p.batch;
        int seqs = b.sequences();
        Parallel.forEachTask(seqs * kvHeads, t -> {
            int s = t / kvHeads, g = t % kvHeads;
            int from = rs.from[s], to = rs.to[s];
            if (from >= to) return;
            // the form follows the sequence's trainable rows, not the rows queried: the same bits either way
            int first = Math.max(b.seqStart(s), b.gradFrom(s));
            if (b.seqEnd(s) - first >= BLOCK_MIN) {
                // blocks of the full layer (BLOCK_ROWS batch rows from the first trainable one), holding whichever of
                // their rows are queried: dK/dV then sum over the same rows in the same groups either way
                for (int r = from; r < to; ) {
                    int block = (rs.rowOf(r) - first) / BLOCK_ROWS, end = r + 1;
                    while (end < to && (rs.rowOf(end) - first) / BLOCK_ROWS == block) end++;
                    BlockAttention.backward(a.q, qDim, a.k, a.v, kvDim, hd, group, g, r, end,
                            rs.lo, rs.hi, scale, heads, a.lse, datt, rs.qToT, compact, dq, dk, dv);
                    r = end;
                }
                return;
            }
            float[] sc = scores(2 * (b.seqEnd(s) - b.seqStart(s)));
            for (int r = from; r < to; r++) {
                int i = rs.qToT[r];
                for (int head = g * group; head < (g + 1) * group; head++) {
                    int qo = r * qDim + head * hd, go = i * qDim + head * hd;
                    Attention.backward(a.q, qo, a.k, a.v, kvDim, g * hd, rs.lo[r], rs.hi[r], hd, scale,
                            a.lse[r * heads + head], datt, go, sc, dq, go, dk, dv, kvDim, compact);
                }
            }
        });
    }

    // ---------------------------------------------------------------- incremental inference

    public KvCache newCache(int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("KV cache capacity must be positive, got " + capacity);
        return new KvCache(c.numLayers(), capacity, kvDim, pool);
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
        if (cache.layers() != c.numLayers() || cache.rowWidth() != kvDim) {
            throw new IllegalArgumentException("this KV cache was made for another model");
        }
        int base = cache.length();
        if (base + n > cache.capacity()) {
            throw new IllegalStateException("KV cache full: " + base + " cached + " + n + " new positions exceed its capacity "
                    + cache.capacity());
        }
        // working arrays from the pool (stale contents, each fully written before it is read), handed back below
        float[] x = pool.takeAtLeast(n * d);
        System.arraycopy(inputRows, 0, x, 0, n * d);
        float[] cos = pool.takeAtLeast(n * half), sin = pool.takeAtLeast(n * half);
        int[] lo = new int[n], hi = new int[n];
        for (int i = 0; i < n; i++) {
            int pos = base + i;
            Rope.angles(invFreq, pos, cos, sin, i * half);
            hi[i] = pos;
            lo[i] = window == Integer.MAX_VALUE ? 0 : Math.max(0, pos - window + 1);
        }
        float[] rstd1 = pool.takeAtLeast(n), rstd2 = pool.takeAtLeast(n), q = pool.takeAtLeast(n * qDim);
        float[] lse = pool.takeAtLeast(n * heads), gate = pool.takeAtLeast(n * ffn), up = pool.takeAtLeast(n * ffn);
        // only the last row is returned: the top layer needs the others' K and V (cached) but nothing else
        QueryRows last = QueryRows.of(new int[]{n - 1}, n, new int[]{0, n}, lo, hi);
        Scratch s = new Scratch(n);
        for (int l = 0; l < c.numLayers(); l++) {
            layerForward(weights.layers()[l], n, l + 1 == c.numLayers() ? last : null, x, x, x, rstd1, rstd2, q,
                    cache.keys(l), cache.values(l), base, lse, gate, up, s, cos, sin, lo, hi, new int[]{0, n});
        }
        s.release();
        cache.advance(n);
        float[] out = new float[d];
        RmsNorm.forward(x, (last == null ? n - 1 : 0) * d, weights.finalNorm(), eps, out, 0, d);
        for (float[] a : new float[][]{x, cos, sin, rstd1, rstd2, q, lse, gate, up}) pool.give(a);
        return out;
    }

    /** Appends one token; returns its final-norm hidden state. */
    public float[] decode(KvCache cache, int tokenId) {
        float[] row = new float[d];
        embed(tokenId, row, 0);
        return prefill(cache, row, 1);
    }

    // ---------------------------------------------------------------- helpers

    /** Runs a per-row body over n rows of the given width in parallel, in tasks of enough work to be worth it. */
    private static void rows(int n, int width, java.util.function.IntConsumer body) {
        Parallel.forRange(n, Math.max(1, 16384 / Math.max(1, width)), (from, to) -> {
            for (int i = from; i < to; i++) body.accept(i);
        });
    }

    private static float[] scores(int n) {
        float[] s = SCORES.get();
        if (s.length < n) {
            s = new float[Math.max(n, 2 * s.length)];
            SCORES.set(s);
        }
        return s;
    }
}
