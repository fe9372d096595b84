package tagllm.model;

import tagllm.tensor.Attention;
import tagllm.tensor.Bf16Rows;
import tagllm.tensor.BlockAttention;
import tagllm.tensor.FloatArrayPool;
import tagllm.tensor.Gemm;
import tagllm.tensor.Matrix;
import tagllm.tensor.Parallel;
import tagllm.tensor.RmsNorm;
import tagllm.tensor.Rope;
import tagllm.tensor.StepProfile;
import tagllm.tensor.StepProfile.Phase;
import tagllm.tensor.SwiGlu;
import tagllm.tensor.VectorOps;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * One decoder layer of a Llama-family model, each step's forward beside its backward (weights are frozen: the
 * backward computes activation gradients only, dX = dY·W):
 *
 * <pre>
 *   h1 = rmsnorm(x_in)        x_mid = x_in  + o(attention(rope(q(h1)), rope(k(h1)), v(h1)))
 *   h2 = rmsnorm(x_mid)       x_out = x_mid + down(silu(gate(h2)) · up(h2))
 * </pre>
 *
 * The layer runs over a row selection ({@link QueryRows}): K and V at every row (the queries read them), everything
 * from the queries on only at the selected rows — every row, except in the top layer of a pass whose output is read
 * only at some rows. The products of a partial selection go through the register tile whatever their row count, so
 * each selected row gets exactly the bits it gets when every row is computed. Activations live in
 * {@link LayerActivations}; the working arrays that no backward needs in {@link ForwardScratch} and
 * {@link BackwardScratch}.
 */
final class DecoderLayer {
    /**
     * Sequences at least this long run attention as matrix products, in blocks of BLOCK_ROWS query rows. 128 rather
     * than 64: a block transposes the keys of every row before its end, so longer blocks transpose fewer keys in all;
     * on Zen 5 the SmolLM2-135M BF16 step's attention took 0.117 s instead of 0.126 (mean of 4 alternated launches,
     * 8 × 128 positions; 96 rows: 0.128) and 0.291–0.300 s instead of 0.305–0.314 at 2 × 512 (docs/benchmarks.md).
     */
    static final int BLOCK_MIN = 32, BLOCK_ROWS = 128;

    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[256]);

    private final LayerWeights w;
    private final Attention.Heads heads;
    private final int d, qDim, kvDim, hd, half, ffn;
    private final float eps;
    /** LoRA adapters on q and v (null: none). */
    private LoraAdapters.Layer lora;

    DecoderLayer(ModelConfig c, LayerWeights w) {
        this.w = w;
        heads = new Attention.Heads(c.numHeads(), c.numKvHeads(), c.headDim());
        d = c.hiddenSize();
        qDim = c.qDim();
        kvDim = c.kvDim();
        hd = c.headDim();
        half = hd / 2;
        ffn = c.intermediateSize();
        eps = (float) c.rmsNormEps();
    }

    /** Puts LoRA adapters on this layer's q and v projections (null takes them off). */
    void adapt(LoraAdapters.Layer adapters) { lora = adapters; }

    /** RoPE's cos and sin for each row of the layer's input (rows × headDim/2). */
    record RopeAngles(float[] cos, float[] sin) {}

    // ---------------------------------------------------------------- the layer

    /** x_out from x_in at the query rows of sel (K and V at every row). */
    void forward(LayerActivations a, QueryRows sel, RopeAngles rope, ForwardScratch s) {
        // x_mid = x_in + o(attention(rope(q(h1)), rope(k(h1)), v(h1))), h1 = rmsnorm(x_in)
        Bf16Rows h16 = fused(a.rows) ? Bf16Rows.reusable(Bf16Rows.Slot.NORMED, a.rows, d) : null;
        phase(Phase.NORM, () -> rows(a.rows, d, i -> a.rstd1[i] = RmsNorm.forward(a.xIn, i * d, w.inputNorm(), eps, s.h, i * d, d),
                h16 == null ? null : (f, t) -> h16.convert(s.h, 0, f, t)));
        qkvForward(a, sel, s.h, h16, rope);
        phase(Phase.ATTENTION, () -> attentionForward(a, sel, s.att));
        phase(Phase.COPIES, () -> gatherRows(a.xIn, a.xMid, sel.row, d));
        phase(Phase.O, () -> product(sel, s.att, w.o(), a.xMid, true));
        // x_out = x_mid + down(silu(gate(h2)) · up(h2)), h2 = rmsnorm(x_mid)
        mlpForward(a, sel, s);
    }

    /**
     * dL/d(x_in) at every active row (into s.dx) from dxR, dL/d(x_out) at the entries of rs (rs.count × hidden;
     * s.dx itself when rs is every active row). rs: where the MLP, O and Q backward run; all: every active row,
     * which gets dK and dV. dxR is used as working space.
     */
    void backward(LayerActivations a, BackwardRows rs, BackwardRows all, float[] dxR, RopeAngles rope,
                  BackwardScratch s) {
        Bf16Rows dxR16 = mlpBackward(a, rs, dxR, s);
        phase(Phase.O, () -> {
            if (dxR16 != null) Gemm.xw(dxR16, rs.count, w.o(), s.datt, 0, false);
            else Gemm.xw(dxR, 0, rs.count, w.o(), s.datt, 0, false);
        });
        phase(Phase.ATTENTION, () -> attentionBackward(a, rs, s));
        qkvBackward(a, rs, all, rope, s);
        // the residual gradient exists only at rs's rows: every other active row starts from zero
        phase(Phase.COPIES, () -> expandRows(dxR, s.dx, rs, all.count, d));
        phase(Phase.NORM, () -> rows(all.count, d, i -> RmsNorm.backward(a.xIn, all.row[i] * d, a.rstd1[all.row[i]], w.inputNorm(),
                s.dh, i * d, s.dx, i * d, d, true)));
    }

    // ---------------------------------------------------------------- q, k, v

    /**
     * k and v = h1·W{k,v}ᵀ + bias at every row, q the same at the query rows; RoPE on q and k. h16: h1 already in
     * BF16 at every row, or null.
     */
    private void qkvForward(LayerActivations a, QueryRows sel, float[] h, Bf16Rows h16, RopeAngles rope) {
        int n = a.rows, base = a.kvBase;
        // every row a query row and h1 in BF16: q with k and v in one hand-out of the products (one join, not two)
        boolean withQ = h16 != null && sel.all();
        Matrix[] ws = withQ ? new Matrix[]{w.k(), w.v(), w.q()} : new Matrix[]{w.k(), w.v()};
        float[][] outs = withQ ? new float[][]{a.k, a.v, a.q} : new float[][]{a.k, a.v};
        int[] offs = withQ ? new int[]{base * kvDim, base * kvDim, 0} : new int[]{base * kvDim, base * kvDim};
        phase(Phase.QKV, () -> {
            if (h16 != null) Gemm.xwT(h16, n, ws, outs, offs, false);
            else Gemm.xwT(h, 0, n, ws, outs, offs);
        });
        if (lora != null) loraForward(h, n, null, a.v, base * kvDim, 1);
        phase(Phase.ROPE, () -> rows(n, kvDim, i -> keyBiasAndRope(a, base + i, i, rope)));
        phase(Phase.COPIES, () -> gatherRows(h, h, sel.row, d));
        if (!withQ) phase(Phase.QKV, () -> product(sel, h, w.q(), a.q, false));
        if (lora != null) loraForward(h, sel.count(), sel.row, a.q, 0, 0);
        phase(Phase.ROPE, () -> rows(sel.count(), qDim, i -> queryBiasAndRope(a.q, i, sel.row[i], rope)));
    }

    /**
     * dh1 = dq·Wq + dk·Wk + dv·Wv after undoing RoPE, summed in that order at every active row so each row keeps
     * its bits; dq exists only at rs's rows (zero elsewhere).
     */
    private void qkvBackward(LayerActivations a, BackwardRows rs, BackwardRows all, RopeAngles rope, BackwardScratch s) {
        int mt = rs.count, m = all.count;
        // dq, dk and dv at the same rows and the layer in BF16: each row rounded to BF16 right after RoPE is undone
        // (in that core's cache), then one sum of three products (one packing pass, one join) instead of three
        boolean together = rs.everyActiveRow && fused(m) && lora == null;
        Bf16Rows dq16 = together ? Bf16Rows.reusable(Bf16Rows.Slot.QUERY_GRAD, m, qDim) : null;
        Bf16Rows dk16 = together ? Bf16Rows.reusable(Bf16Rows.Slot.KEY_GRAD, m, kvDim) : null;
        Bf16Rows dv16 = together ? Bf16Rows.reusable(Bf16Rows.Slot.VALUE_GRAD, m, kvDim) : null;
        StepProfile.enter(Phase.ROPE);
        rows(mt, qDim, t -> Rope.backward(s.dq, t * qDim, heads.heads(), hd, rope.cos(), rope.sin(), rs.row[t] * half),
                !together ? null : (f, t) -> dq16.convert(s.dq, 0, f, t));
        rows(m, kvDim, i -> Rope.backward(s.dk, i * kvDim, heads.kvHeads(), hd, rope.cos(), rope.sin(), all.row[i] * half),
                !together ? null : (f, t) -> {
                    dk16.convert(s.dk, 0, f, t);
                    dv16.convert(s.dv, 0, f, t);
                });
        StepProfile.exit();
        if (together) {
            // summed in the order below: the same bits as the three products in turn
            phase(Phase.QKV, () -> Gemm.xwSum(new Bf16Rows[]{dq16, dk16, dv16}, m, new Matrix[]{w.q(), w.k(), w.v()},
                    s.dh, 0, false));
            return;
        }
        float[] dqW = rs.everyActiveRow ? s.dh : s.dqw;
        phase(Phase.QKV, () -> Gemm.xw(s.dq, 0, mt, w.q(), dqW, 0, false));
        if (lora != null) loraBackward(a, s.dq, mt, rs.row, dqW, 0);
        phase(Phase.COPIES, () -> expandRows(dqW, s.dh, rs, m, d));
        StepProfile.enter(Phase.QKV);
        Gemm.xw(s.dk, 0, m, w.k(), s.dh, 0, true);
        Gemm.xw(s.dv, 0, m, w.v(), s.dh, 0, true);
        StepProfile.exit();
        if (lora != null) loraBackward(a, s.dv, m, all.row, s.dh, 1);
    }

    // ---------------------------------------------------------------- LoRA on q (proj 0) and v (proj 1)

    /** y[i] += s · B A (h1[i] ∘ mask): count rows of h1, at batch rows rowOf[i] (null: i). */
    private void loraForward(float[] h, int count, int[] rowOf, float[] y, int yOff, int proj) {
        LoraAdapters.Layer L = lora;
        float[] A = proj == 0 ? L.aq : L.av, B = proj == 0 ? L.bq : L.bv;
        int r = A.length / d, out = B.length / r;
        float sc = L.owner.scale;
        float[] bt = transpose(B, out, r); // column k of B as a row: an output row is r vector axpys
        rows(count, out, i -> {
            int row = rowOf == null ? i : rowOf[i];
            float[] hm = new float[d];
            for (int j = 0; j < d; j++) hm[j] = h[i * d + j] * L.owner.keep(L.index, proj, row, j);
            for (int k = 0; k < r; k++) {
                float u = sc * VectorOps.dot(A, k * d, hm, 0, d);
                VectorOps.axpy(u, bt, k * out, y, yOff + i * out, out);
            }
        });
    }

    /**
     * From dy (dL/d of the projection's output at count rows, batch rows rowOf): dx[i] += s · ((dy B) A) ∘ mask, and
     * the adapters' gradients dA += s · (dy B)ᵀ (h1 ∘ mask), dB += dyᵀ u with u = s · A (h1 ∘ mask). h1 = rmsnorm(x_in)
     * is recomputed from the kept input and its rstd (the same bits as the forward's). Vector dots and axpys in a
     * fixed order (scalar reductions of 576 terms were latency-bound: the LoRA step took 1.6x the tag step).
     */
    private void loraBackward(LayerActivations a, float[] dy, int count, int[] rowOf, float[] dx, int proj) {
        LoraAdapters.Layer L = lora;
        float[] A = proj == 0 ? L.aq : L.av, B = proj == 0 ? L.bq : L.bv, gA = proj == 0 ? L.gaq : L.gav, gB = proj == 0 ? L.gbq : L.gbv;
        int r = A.length / d, out = B.length / r;
        float sc = L.owner.scale;
        float[] norm = w.inputNorm();
        float[] bt = transpose(B, out, r);
        float[] hd = new float[count * d], g = new float[count * r], u = new float[count * r];
        rows(count, d, i -> {
            int row = rowOf[i];
            float rstd = a.rstd1[row];
            float[] mask = new float[d], back = new float[d];
            for (int j = 0; j < d; j++) mask[j] = L.owner.keep(L.index, proj, row, j);
            for (int j = 0; j < d; j++) hd[i * d + j] = a.xIn[row * d + j] * rstd * norm[j] * mask[j];
            for (int k = 0; k < r; k++) {
                g[i * r + k] = sc * VectorOps.dot(dy, i * out, bt, k * out, out);
                u[i * r + k] = sc * VectorOps.dot(A, k * d, hd, i * d, d);
                VectorOps.axpy(g[i * r + k], A, k * d, back, 0, d);
            }
            for (int j = 0; j < d; j++) dx[i * d + j] += back[j] * mask[j];
        });
        // weight gradients: one task per rank component k, its rows summed in order (no shared accumulators)
        Parallel.forRange(r, 1, (from, to) -> {
            for (int k = from; k < to; k++) {
                float[] accA = new float[d], accB = new float[out];
                for (int i = 0; i < count; i++) {
                    VectorOps.axpy(g[i * r + k], hd, i * d, accA, 0, d);
                    VectorOps.axpy(u[i * r + k], dy, i * out, accB, 0, out);
                }
                VectorOps.add(accA, 0, gA, k * d, d);
                for (int o = 0; o < out; o++) gB[o * r + k] += accB[o];
            }
        });
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
        return t;
    }

    /** Query row i (at input row r, for RoPE): its bias, then RoPE. */
    private void queryBiasAndRope(float[] q, int i, int r, RopeAngles rope) {
        if (w.qBias() != null) {
            for (int j = 0; j < qDim; j++) q[i * qDim + j] += w.qBias()[j];
        }
        Rope.forward(q, i * qDim, heads.heads(), hd, rope.cos(), rope.sin(), r * half);
    }

    /** Key/value row kRow (input row i, for RoPE): biases, then RoPE on the key. */
    private void keyBiasAndRope(LayerActivations a, int kRow, int i, RopeAngles rope) {
        int kr = kRow * kvDim;
        if (w.kBias() != null) {
            for (int j = 0; j < kvDim; j++) a.k[kr + j] += w.kBias()[j];
        }
        if (w.vBias() != null) {
            for (int j = 0; j < kvDim; j++) a.v[kr + j] += w.vBias()[j];
        }
        Rope.forward(a.k, kr, heads.kvHeads(), hd, rope.cos(), rope.sin(), i * half);
    }

    // ---------------------------------------------------------------- attention

    /**
     * Attention of the query rows: long sequences in blocks of BLOCK_ROWS rows × one kv head as matrix products,
     * short ones (and decode) one row and head at a time; all of it as one set of parallel tasks. The form follows
     * the length of the query's sequence, not how many of its rows are queried, so a row gets the same bits whether
     * or not the other rows are queried too.
     */
    private void attentionForward(LayerActivations a, QueryRows sel, float[] att) {
        int n = sel.count();
        int[] segments = sel.segments, sequences = sel.sequences, lo = sel.keys.lo(), hi = sel.keys.hi();
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
        int kvHeads = heads.kvHeads(), nh = heads.heads();
        int blockTasks = nb * kvHeads;
        int items = ns * nh;
        int maxKeys = 0;
        for (int i = 0; i < ns; i++) maxKeys = Math.max(maxKeys, hi[single[i]] - lo[single[i]] + 1);
        int perTask = Math.max(1, Math.min(items, Math.max(8192 / Math.max(1, maxKeys * hd), items / (4 * Parallel.threads()))));
        int singleTasks = (items + perTask - 1) / perTask;
        final int[] bl = blocks, sr = single;
        final int keysMax = maxKeys;
        Attention.Qkv x = a.qkv();
        boolean bf16 = allBf16();
        Parallel.forEachTask(blockTasks + singleTasks, t -> {
            if (t < blockTasks) {
                int b = t / kvHeads, g = t % kvHeads;
                BlockAttention.forward(heads, x, sel.keys, g, bl[2 * b], bl[2 * b + 1], a.lse, att, bf16);
                return;
            }
            int from = (t - blockTasks) * perTask, to = Math.min(items, from + perTask);
            float[] sc = scores(keysMax);
            for (int it = from; it < to; it++) Attention.forward(heads, x, sel.keys, sr[it / nh], it % nh, a.lse, att, sc);
        });
    }

    /**
     * Attention backward for the query rows of rs: dq at rs's entries, dK/dV (zeroed first) at every active row. A
     * (sequence, kv head) is one task, the only one writing that head's dK/dV rows of the sequence.
     */
    private void attentionBackward(LayerActivations a, BackwardRows rs, BackwardScratch s) {
        Arrays.fill(s.dk, 0, s.m * kvDim, 0f);
        Arrays.fill(s.dv, 0, s.m * kvDim, 0f);
        Attention.Qkv x = a.qkv(), grad = new Attention.Qkv(s.dq, s.dk, s.dv);
        int kvHeads = heads.kvHeads(), group = heads.group();
        int[] queryRow = rs.sel.row;
        boolean bf16 = allBf16();
        Parallel.forEachTask(rs.from.length * kvHeads, t -> {
            int sq = t / kvHeads, g = t % kvHeads;
            int from = rs.from[sq], to = rs.to[sq];
            if (from >= to) return;
            // the form follows the sequence's trainable rows, not the rows queried: the same bits either way
            int first = rs.firstActive[sq];
            if (rs.seqEnd[sq] - first >= BLOCK_MIN) {
                // blocks of the full layer (BLOCK_ROWS rows from the first trainable one), holding whichever of their
                // rows are queried: dK/dV then sum over the same rows in the same groups either way
                for (int r = from; r < to; ) {
                    int block = (queryRow[r] - first) / BLOCK_ROWS, end = r + 1;
                    while (end < to && (queryRow[end] - first) / BLOCK_ROWS == block) end++;
                    BlockAttention.backward(heads, x, rs.sel.keys, a.lse, g, r, end, s.datt, grad, rs.into, bf16);
                    r = end;
                }
                return;
            }
            float[] sc = scores(2 * (rs.seqEnd[sq] - rs.sel.sequences[sq]));
            for (int r = from; r < to; r++) {
                for (int head = g * group; head < (g + 1) * group; head++) {
                    Attention.backward(heads, x, rs.sel.keys, a.lse, r, head, s.datt, grad, rs.into, sc);
                }
            }
        });
    }

    // ---------------------------------------------------------------- MLP

    /** x_out = x_mid + down(silu(gate(h2)) · up(h2)), h2 = rmsnorm(x_mid), at the query rows. */
    private void mlpForward(LayerActivations a, QueryRows sel, ForwardScratch s) {
        int m = sel.count();
        float[] h = s.h;
        Matrix[] gateUp = {w.gate(), w.up()};
        float[][] gateUpOut = {a.gate, a.up};
        boolean bf16 = fused(m);
        Bf16Rows h16 = bf16 ? Bf16Rows.reusable(Bf16Rows.Slot.NORMED, m, d) : null;
        Bf16Rows act16 = bf16 ? Bf16Rows.reusable(Bf16Rows.Slot.GATE_OUT, m, ffn) : null;
        phase(Phase.NORM, () -> rows(m, d, i -> a.rstd2[i] = RmsNorm.forward(a.xMid, i * d, w.postAttentionNorm(), eps, h, i * d, d),
                h16 == null ? null : (f, t) -> h16.convert(h, 0, f, t)));
        if (act16 != null) {
            // gate and up exist only as each task's blocks, in its core's cache: the SwiGLU gate runs on them there,
            // written straight to BF16 for the down product, and the backward's copy of them (when one follows) is
            // taken there too (their time counts as the gate/up products')
            // (a pass kept for a backward keeps pairs exactly where the MLP is fused: keepsMlpInputsAsPairs)
            if (a.mlpInputs == LayerActivations.MlpInputs.FLOATS) throw new IllegalStateException("gate and up kept as floats for a layer whose MLP is fused at " + m + " rows");
            boolean pairs = a.mlpInputs == LayerActivations.MlpInputs.BF16_PAIRS;
            phase(Phase.GATE_UP, () -> Gemm.xwTBlocks(h16, m, gateUp, (r0, r1, c0, c1, blocks, ld) -> {
                int width = c1 - c0;
                float[] g = blocks[0], u = blocks[1], out = blockBuffer(0, (r1 - r0) * width);
                for (int i = r0; i < r1; i++) {
                    int b = (i - r0) * ld, o = (i - r0) * width;
                    if (pairs) SwiGlu.forwardKeepingPairs(g, b, u, b, out, o, a.gate, i * ffn + c0, width);
                    else SwiGlu.forward(g, b, u, b, out, o, width);
                }
                act16.convertBlock(out, r0, r1, c0, width);
            }));
        } else {
            if (a.up == null) throw new IllegalStateException("gate and up kept as BF16 pairs for a layer whose MLP is not fused at " + m + " rows");
            float[] act = s.act(m);
            phase(Phase.GATE_UP, () -> products(sel, h, gateUp, gateUpOut));
            phase(Phase.SWIGLU, () -> rows(m, ffn, i -> SwiGlu.forward(a.gate, a.up, i * ffn, act, i * ffn, ffn)));
        }
        if (a.xOut != a.xMid) phase(Phase.COPIES, () -> rows(m, d, i -> System.arraycopy(a.xMid, i * d, a.xOut, i * d, d)));
        phase(Phase.DOWN, () -> {
            if (act16 != null) Gemm.xwT(act16, m, new Matrix[]{w.down()}, new float[][]{a.xOut}, new int[1], true);
            else product(sel, s.act(m), w.down(), a.xOut, true);
        });
    }

    /**
     * dxR (dL/d(x_out) at rs's entries) becomes dL/d(x_mid) there: the residual plus the MLP's path. Returns dxR in
     * BF16 for the O product's backward when the layer computes in BF16, else null.
     */
    private Bf16Rows mlpBackward(LayerActivations a, BackwardRows rs, float[] dxR, BackwardScratch s) {
        int mt = rs.count;
        boolean bf16 = fused(mt);
        Bf16Rows dgate16 = bf16 ? Bf16Rows.reusable(Bf16Rows.Slot.GATE_GRAD, mt, ffn) : null;
        Bf16Rows dup16 = bf16 ? Bf16Rows.reusable(Bf16Rows.Slot.UP_GRAD, mt, ffn) : null;
        Bf16Rows dxR16 = bf16 ? Bf16Rows.reusable(Bf16Rows.Slot.RESIDUAL_GRAD, mt, d) : null;
        boolean pairs = a.mlpInputs == LayerActivations.MlpInputs.BF16_PAIRS;
        if (bf16) {
            // a fused backward runs over at most the forward's rows, whose MLP was fused too and kept pairs
            if (!pairs) throw new IllegalStateException("a fused MLP backward needs gate and up kept as BF16 pairs, not " + a.mlpInputs);
            // dL/d(act) exists only as each task's block: the gate's backward runs on it there, its gradients
            // straight to BF16
            phase(Phase.DOWN, () -> Gemm.xwBlocks(dxR, 0, mt, w.down(), (r0, r1, c0, c1, blocks, ld) -> {
                int width = c1 - c0;
                float[] da = blocks[0], dg = blockBuffer(0, (r1 - r0) * width), du = blockBuffer(1, (r1 - r0) * width);
                for (int t = r0; t < r1; t++) {
                    SwiGlu.backwardFromPairs(a.gate, rs.q[t] * ffn + c0, da, (t - r0) * ld, dg, du, (t - r0) * width, width);
                }
                dgate16.convertBlock(dg, r0, r1, c0, width);
                dup16.convertBlock(du, r0, r1, c0, width);
            }));
            phase(Phase.GATE_UP, () -> Gemm.xwSum(new Bf16Rows[]{dgate16, dup16}, mt, new Matrix[]{w.gate(), w.up()}, s.dh, 0, false));
        } else {
            float[] dact = s.dact(mt), dgate = s.dgate(mt), dup = s.dup(mt);
            phase(Phase.DOWN, () -> Gemm.xw(dxR, 0, mt, w.down(), dact, 0, false));
            phase(Phase.SWIGLU, () -> rows(mt, ffn, t -> {
                if (pairs) SwiGlu.backwardFromPairs(a.gate, rs.q[t] * ffn, dact, t * ffn, dgate, dup, t * ffn, ffn);
                else SwiGlu.backward(a.gate, a.up, rs.q[t] * ffn, dact, dgate, dup, t * ffn, ffn);
            }));
            phase(Phase.GATE_UP, () -> {
                Gemm.xw(dgate, 0, mt, w.gate(), s.dh, 0, false);
                Gemm.xw(dup, 0, mt, w.up(), s.dh, 0, true);
            });
        }
        phase(Phase.NORM, () -> rows(mt, d, t -> RmsNorm.backward(a.xMid, rs.q[t] * d, a.rstd2[rs.q[t]], w.postAttentionNorm(),
                s.dh, t * d, dxR, t * d, d, true), !bf16 ? null : (f, t) -> dxR16.convert(dxR, 0, f, t)));
        return dxR16;
    }

    // ---------------------------------------------------------------- working arrays

    /**
     * A forward's per-layer scratch that no backward needs: normed inputs h1/h2, attention output, and the MLP
     * activation of layers that do not compute in BF16 (those write it straight to BF16 inside the gate/up products,
     * so it is taken from the pool only when a layer asks for it).
     */
    static final class ForwardScratch {
        final float[] h, att;
        private final FloatArrayPool pool;
        private final int ffn;
        private final long fixedBytes;
        private float[] act;

        ForwardScratch(ModelConfig c, int n, FloatArrayPool pool) {
            this.pool = pool;
            ffn = c.intermediateSize();
            h = pool.takeAtLeast(n, c.hiddenSize());
            att = pool.takeAtLeast(n, c.qDim());
            fixedBytes = 4L * n * (c.hiddenSize() + c.qDim());
        }

        /** The F32 MLP activation for rows rows (stale contents). */
        float[] act(int rows) {
            act = atLeast(pool, act, rows, ffn);
            return act;
        }

        /** Bytes of the arrays it holds now. */
        long bytes() {
            return fixedBytes + (act == null ? 0 : 4L * act.length);
        }

        void release() {
            pool.give(h);
            pool.give(att);
            if (act != null) pool.give(act);
        }
    }

    /**
     * A backward's working arrays, from the pool (stale contents: every element is written before it is read): m
     * active rows, and mt entries of a top layer run only at some of them (none when it runs at every active row).
     */
    static final class BackwardScratch {
        final float[] dx, dh, datt, dq, dk, dv, dxTop, dqw;
        /** Active rows: the arrays above hold m rows (dxTop, dqw mt), and may be longer (from the pool). */
        final int m;
        private final FloatArrayPool pool;
        private final int ffn;
        private final long fixedBytes;
        /**
         * dL/d(act) and the gate's two F32 gradients, for layers that do not compute in BF16 (taken when first asked
         * for; the BF16 products hand dL/d(act) over block by block).
         */
        private float[] dact, dgate, dup;

        BackwardScratch(ModelConfig c, int m, int mt, FloatArrayPool pool) {
            this.pool = pool;
            this.m = m;
            int d = c.hiddenSize(), qDim = c.qDim(), kvDim = c.kvDim();
            ffn = c.intermediateSize();
            dx = pool.takeAtLeast(m, d);
            dh = pool.takeAtLeast(m, d);
            datt = pool.takeAtLeast(m, qDim);
            dq = pool.takeAtLeast(m, qDim);
            dk = pool.takeAtLeast(m, kvDim);
            dv = pool.takeAtLeast(m, kvDim);
            dxTop = mt > 0 ? pool.takeAtLeast(mt, d) : null;
            dqw = mt > 0 ? pool.takeAtLeast(mt, d) : null;
            fixedBytes = 8L * m * (d + qDim + kvDim) + 8L * mt * d;
        }

        /** dL/d(act) for rows rows (stale contents). */
        float[] dact(int rows) {
            dact = atLeast(pool, dact, rows, ffn);
            return dact;
        }

        /** dL/d(gate) for rows rows (stale contents). */
        float[] dgate(int rows) {
            dgate = atLeast(pool, dgate, rows, ffn);
            return dgate;
        }

        /** dL/d(up) for rows rows (stale contents). */
        float[] dup(int rows) {
            dup = atLeast(pool, dup, rows, ffn);
            return dup;
        }

        /** Bytes of the arrays it holds now. */
        long bytes() {
            return fixedBytes + (dact == null ? 0 : 4L * dact.length) + (dgate == null ? 0 : 4L * dgate.length)
                    + (dup == null ? 0 : 4L * dup.length);
        }

        void release() {
            for (float[] a : new float[][]{dx, dh, datt, dq, dk, dv, dact, dgate, dup, dxTop, dqw}) {
                if (a != null) pool.give(a);
            }
        }
    }

    /**
     * A scratch array taken when first needed: held when it has rows × width floats, else one from the pool (held
     * goes back).
     */
    private static float[] atLeast(FloatArrayPool pool, float[] held, int rows, int width) {
        if (held != null && held.length >= rows * width) return held;
        if (held != null) pool.give(held);
        return pool.takeAtLeast(rows, width);
    }

    // ---------------------------------------------------------------- helpers

    /** Runs body as one phase of {@link StepProfile} (a volatile read when no profile is taken). */
    static void phase(Phase p, Runnable body) {
        StepProfile.enter(p);
        try {
            body.run();
        } finally {
            StepProfile.exit();
        }
    }

    /**
     * y (+)= x·wᵀ at the query rows. A partial selection goes through the register tile even for few rows, so each
     * row has the bits of the full layer (few-row products otherwise sum in another order).
     */
    private static void product(QueryRows sel, float[] x, Matrix w, float[] y, boolean accumulate) {
        if (sel.all()) Gemm.xwT(x, 0, sel.count(), w, y, 0, accumulate);
        else Gemm.xwTTiled(x, 0, sel.count(), w, y, 0, accumulate);
    }

    /** ys[i] = x·ws[i]ᵀ at the query rows, as {@link #product}. */
    private static void products(QueryRows sel, float[] x, Matrix[] ws, float[][] ys) {
        int[] offsets = new int[ws.length];
        if (sel.all()) Gemm.xwT(x, 0, sel.count(), ws, ys, offsets);
        else Gemm.xwTTiled(x, 0, sel.count(), ws, ys, offsets);
    }

    /**
     * dst row i = src row rows[i] for ascending rows. src and dst may be the same array (rows[i] ≥ i: a row is read
     * before it is overwritten, in this order, hence serially; nothing moves for the identity).
     */
    static void gatherRows(float[] src, float[] dst, int[] rows, int width) {
        if (src != dst) {
            rows(rows.length, width, i -> System.arraycopy(src, rows[i] * width, dst, i * width, width));
            return;
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] != i) System.arraycopy(src, rows[i] * width, dst, i * width, width);
        }
    }

    /**
     * The inverse for gradients: dst's m active rows = src row t at rs.act[t], zero elsewhere. Nothing to do when src
     * is dst (rs is then every active row).
     */
    private static void expandRows(float[] src, float[] dst, BackwardRows rs, int m, int width) {
        if (src == dst) return;
        Arrays.fill(dst, 0, m * width, 0f);
        for (int t = 0; t < rs.count; t++) System.arraycopy(src, t * width, dst, rs.act[t] * width, width);
    }

    /** Runs a per-row body over n rows of the given width in parallel, in tasks of enough work to be worth it. */
    static void rows(int n, int width, IntConsumer body) {
        rows(n, width, body, null);
    }

    /**
     * The same, then after (when not null) over each task's range of rows while they are still in that core's cache:
     * rounding them to BF16 for the next products.
     */
    static void rows(int n, int width, IntConsumer body, Parallel.Range after) {
        Parallel.forRange(n, Math.max(1, 16384 / Math.max(1, width)), (from, to) -> {
            for (int i = from; i < to; i++) body.accept(i);
            if (after != null) after.run(from, to);
        });
    }

    /**
     * Whether a forward over queryRows query rows that a backward follows keeps gate(h2) and up(h2) as BF16 pairs
     * ({@link LayerActivations.MlpInputs#BF16_PAIRS}): when it runs the fused BF16 MLP, whose gate/up products
     * leave them only in their tasks' blocks.
     */
    boolean keepsMlpInputsAsPairs(int queryRows) { return fused(queryRows); }

    /**
     * Whether the products of n rows take operands their producers rounded to BF16 ({@link Bf16Rows}): every matrix
     * of the layer computes in BF16, n rows take the register tile (fewer rows of a forward go through the F32
     * few-row path, which must keep its own bits), and the widest operand fits a reusable buffer (else Gemm converts
     * in passes). Either way the same bits.
     */
    boolean fused(int n) {
        return n >= Gemm.MR && Bf16Rows.fits(n, Math.max(d, ffn)) && allBf16();
    }

    /**
     * Whether every matrix of the layer computes in BF16; then attention's blocks take their products other than the
     * scores in BF16 too ({@link BlockAttention}), as the precision asked for.
     */
    boolean allBf16() {
        return w.q().bf16Compute() && w.k().bf16Compute() && w.v().bf16Compute() && w.o().bf16Compute()
                && w.gate().bf16Compute() && w.up().bf16Compute() && w.down().bf16Compute();
    }

    private static final ThreadLocal<float[][]> BLOCKS = ThreadLocal.withInitial(() -> new float[2][0]);

    /** This thread's working buffer number i of at least n floats (stale contents). */
    private static float[] blockBuffer(int i, int n) {
        float[][] held = BLOCKS.get();
        if (held[i].length < n) held[i] = new float[n];
        return held[i];
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
