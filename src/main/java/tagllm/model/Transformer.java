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

    public ForwardPass forward(PackedBatch batch, boolean keepForBackward) {
        if (batch.hidden() != d) {
            throw new IllegalArgumentException("batch rows have " + batch.hidden() + " values, the model's hidden size is " + d);
        }
        int n = batch.rows();
        ForwardPass p = new ForwardPass(c, batch, keepForBackward, pool);
        for (int r = 0; r < n; r++) {
            Rope.angles(invFreq, batch.position(r), p.cos, p.sin, r * half);
            p.keyLo[r] = Math.max(batch.attendFrom(r), window == Integer.MAX_VALUE ? 0 : r - window + 1);
            p.keyHi[r] = r;
        }
        System.arraycopy(batch.input(), 0, p.layers[0].xIn, 0, n * d);
        Scratch s = new Scratch(n);
        for (int l = 0; l < c.numLayers(); l++) {
            ForwardPass.LayerActivations a = p.layers[l];
            float[] out = keepForBackward ? p.layerOutput(l) : p.residual;
            layerForward(weights.layers()[l], n, a.xIn, a.xMid, out, a.rstd1, a.rstd2, a.q, a.k, a.v, 0, a.lse,
                    a.gate, a.up, s, p.cos, p.sin, p.keyLo, p.keyHi, batch.seqStarts());
        }
        s.release();
        float[] norm = weights.finalNorm();
        rows(n, d, i -> p.rstdFinal[i] = RmsNorm.forward(p.residual, i * d, norm, eps, p.normed, i * d, d));
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
     * sequences as start offsets plus the end, which bounds the attention blocks.
     */
    private void layerForward(LayerWeights lw, int n, float[] xIn, float[] xMid, float[] xOut, float[] rstd1,
                              float[] rstd2, float[] q, float[] kAll, float[] vAll, int base, float[] lse,
                              float[] gate, float[] up, Scratch s, float[] cos, float[] sin, int[] lo, int[] hi,
                              int[] segments) {
        float[] h = s.h, att = s.att, act = s.act;
        rows(n, d, i -> rstd1[i] = RmsNorm.forward(xIn, i * d, lw.inputNorm(), eps, h, i * d, d));
        Gemm.xwT(h, 0, n, new Matrix[]{lw.q(), lw.k(), lw.v()}, new float[][]{q, kAll, vAll}, new int[]{0, base * kvDim, base * kvDim});
        rows(n, qDim + kvDim, i -> {
            int kr = (base + i) * kvDim;
            if (lw.qBias() != null) {
                for (int j = 0; j < qDim; j++) q[i * qDim + j] += lw.qBias()[j];
                for (int j = 0; j < kvDim; j++) {
                    kAll[kr + j] += lw.kBias()[j];
                    vAll[kr + j] += lw.vBias()[j];
                }
            }
            Rope.forward(q, i * qDim, heads, hd, cos, sin, i * half);
            Rope.forward(kAll, kr, kvHeads, hd, cos, sin, i * half);
        });
        attention(n, segments, q, kAll, vAll, lo, hi, lse, att);
        if (xMid != xIn) rows(n, d, i -> System.arraycopy(xIn, i * d, xMid, i * d, d));
        Gemm.xwT(att, 0, n, lw.o(), xMid, 0, true);
        rows(n, d, i -> rstd2[i] = RmsNorm.forward(xMid, i * d, lw.postAttentionNorm(), eps, h, i * d, d));
        Gemm.xwT(h, 0, n, new Matrix[]{lw.gate(), lw.up()}, new float[][]{gate, up}, new int[]{0, 0});
        rows(n, ffn, i -> SwiGlu.forward(gate, up, i * ffn, act, i * ffn, ffn));
        if (xOut != xMid) rows(n, d, i -> System.arraycopy(xMid, i * d, xOut, i * d, d));
        Gemm.xwT(act, 0, n, lw.down(), xOut, 0, true);
    }

    /**
     * Attention of n rows: long sequences in blocks of BLOCK_ROWS rows × one kv head as matrix products, short ones
     * (and decode) one row and head at a time; all of it as one set of parallel tasks.
     */
    private void attention(int n, int[] segments, float[] q, float[] kAll, float[] vAll, int[] lo, int[] hi,
                           float[] lse, float[] att) {
        int[] blocks = new int[2 * (n / BLOCK_MIN + segments.length)];
        int[] single = new int[n];
        int nb = 0, ns = 0;
        for (int sg = 0; sg + 1 < segments.length; sg++) {
            int start = segments[sg], end = segments[sg + 1];
            if (end - start >= BLOCK_MIN) {
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
     * dL/d(input rows) given dL/d(final-norm output). Only rows from each sequence's gradFrom onwards are computed
     * (earlier rows do not depend on trainable inputs, so the rows of their result are zero). The result is one of
     * the pass's {@link ForwardPass#gradientRows() gradient arrays}: read it before closing the pass.
     */
    public float[] backward(ForwardPass p, float[] dNormed) {
        p.requireOpen();
        if (!p.kept) throw new IllegalStateException("backward needs a forward pass made with keepForBackward=true");
        int n = p.rows;
        if (dNormed.length != n * d) {
            throw new IllegalArgumentException("dNormed has " + dNormed.length + " values, expected rows × hidden = " + n * d);
        }
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
        float[] result = p.gradientRows();
        if (m == 0) return result;
        final int rowsB = m;
        // from the pool (stale contents): every element is written before it is read
        float[] dx = pool.takeAtLeast(m * d), dh = pool.takeAtLeast(m * d);
        float[] datt = pool.takeAtLeast(m * qDim), dq = pool.takeAtLeast(m * qDim);
        float[] dk = pool.takeAtLeast(m * kvDim), dv = pool.takeAtLeast(m * kvDim);
        float[] dact = pool.takeAtLeast(m * ffn), dgate = pool.takeAtLeast(m * ffn), dup = pool.takeAtLeast(m * ffn);

        float[] norm = weights.finalNorm();
        rows(m, d, i -> RmsNorm.backward(p.residual, active[i] * d, p.rstdFinal[active[i]], norm, dNormed, active[i] * d,
                dx, i * d, d, false));
        for (int l = c.numLayers() - 1; l >= 0; l--) {
            ForwardPass.LayerActivations a = p.layers[l];
            LayerWeights lw = weights.layers()[l];
            // x_out = x_mid + down(silu(gate(h2)) · up(h2)), h2 = norm(x_mid)
            Gemm.xw(dx, 0, rowsB, lw.down(), dact, 0, false);
            rows(rowsB, ffn, i -> SwiGlu.backward(a.gate, a.up, active[i] * ffn, dact, dgate, dup, i * ffn, ffn));
            Gemm.xw(dgate, 0, rowsB, lw.gate(), dh, 0, false);
            Gemm.xw(dup, 0, rowsB, lw.up(), dh, 0, true);
            rows(rowsB, d, i -> RmsNorm.backward(a.xMid, active[i] * d, a.rstd2[active[i]], lw.postAttentionNorm(),
                    dh, i * d, dx, i * d, d, true));
            // x_mid = x_in + o(attention(rope(q(h1)), rope(k(h1)), v(h1))), h1 = norm(x_in)
            Gemm.xw(dx, 0, rowsB, lw.o(), datt, 0, false);
            Arrays.fill(dk, 0f);
            Arrays.fill(dv, 0f);
            attentionBackward(p, a, compact, datt, dq, dk, dv);
            rows(rowsB, qDim + kvDim, i -> {
                int cs = active[i] * half;
                Rope.backward(dq, i * qDim, heads, hd, p.cos, p.sin, cs);
                Rope.backward(dk, i * kvDim, kvHeads, hd, p.cos, p.sin, cs);
            });
            Gemm.xw(dq, 0, rowsB, lw.q(), dh, 0, false);
            Gemm.xw(dk, 0, rowsB, lw.k(), dh, 0, true);
            Gemm.xw(dv, 0, rowsB, lw.v(), dh, 0, true);
            rows(rowsB, d, i -> RmsNorm.backward(a.xIn, active[i] * d, a.rstd1[active[i]], lw.inputNorm(),
                    dh, i * d, dx, i * d, d, true));
        }
        for (int i = 0; i < m; i++) System.arraycopy(dx, i * d, result, active[i] * d, d);
        // room for this pass, its forward scratch and these buffers: a whole training step, handed back
        pool.ensureCapacity(p.bytes() + 8L * m * (d + qDim + kvDim) + 12L * m * ffn + 4L * n * (d + qDim + ffn));
        for (float[] a : new float[][]{dx, dh, datt, dq, dk, dv, dact, dgate, dup}) pool.give(a);
        return result;
    }

    /**
     * Attention backward for the active rows; dK/dV of one kv head are written only by the task owning that
     * (sequence, kv head), so tasks never share an output element.
     */
    private void attentionBackward(ForwardPass p, ForwardPass.LayerActivations a, int[] compact, float[] datt,
                                   float[] dq, float[] dk, float[] dv) {
        PackedBatch b = p.batch;
        int seqs = b.sequences();
        Parallel.forEachTask(seqs * kvHeads, t -> {
            int s = t / kvHeads, g = t % kvHeads;
            int from = Math.max(b.seqStart(s), b.gradFrom(s)), to = b.seqEnd(s);
            if (from >= to) return;
            if (to - from >= BLOCK_MIN) {
                for (int r = from; r < to; r += BLOCK_ROWS) {
                    BlockAttention.backward(a.q, qDim, a.k, a.v, kvDim, hd, group, g, r, Math.min(to, r + BLOCK_ROWS),
                            p.keyLo, p.keyHi, scale, heads, a.lse, datt, compact, dq, dk, dv);
                }
                return;
            }
            float[] sc = scores(2 * (to - b.seqStart(s)));
            for (int r = from; r < to; r++) {
                int i = compact[r];
                for (int head = g * group; head < (g + 1) * group; head++) {
                    int qo = r * qDim + head * hd, go = i * qDim + head * hd;
                    Attention.backward(a.q, qo, a.k, a.v, kvDim, g * hd, p.keyLo[r], p.keyHi[r], hd, scale,
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
        Scratch s = new Scratch(n);
        for (int l = 0; l < c.numLayers(); l++) {
            layerForward(weights.layers()[l], n, x, x, x, rstd1, rstd2, q, cache.keys(l), cache.values(l), base, lse,
                    gate, up, s, cos, sin, lo, hi, new int[]{0, n});
        }
        s.release();
        cache.advance(n);
        float[] out = new float[d];
        RmsNorm.forward(x, (n - 1) * d, weights.finalNorm(), eps, out, 0, d);
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
