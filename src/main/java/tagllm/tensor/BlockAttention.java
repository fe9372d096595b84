package tagllm.tensor;

/**
 * Attention for a block of consecutive query rows and the G query heads sharing one kv head, as matrix products
 * on the register-tiled {@link Gemm} kernel: S = Q·Kᵀ over the block's key range, a masked softmax per row, O = P·V;
 * the backward likewise (dP = dO·Vᵀ, dQ = dS·K, dK = dSᵀ·Q, dV = Pᵀ·dO). Same semantics and mask convention as
 * {@link Attention} (row r sees keys [lo[r], hi[r]]), which it replaces when blocks are long enough to amortise the
 * copies. Meant to run inside a {@link Parallel} task: its Gemm calls then stay on the calling thread.
 *
 * <p>Query row (i, head hh) of the block becomes matrix row i·G + hh; keys are numbered from the block's first key.
 */
public final class BlockAttention {
    private static final ThreadLocal<float[][]> WORK = ThreadLocal.withInitial(() -> new float[8][0]);

    private BlockAttention() {}

    /**
     * Forward for rows [r0, r1) (indexing q, att, lse, lo, hi) and kv head g; keys are absolute rows of k/v.
     * lse[r·heads + head] receives the log-sum-exp of the scaled scores.
     */
    public static void forward(float[] q, int qDim, float[] k, float[] v, int kvDim, int hd, int group, int g,
                               int r0, int r1, int[] lo, int[] hi, float scale, int heads, float[] lse, float[] att) {
        int rows = r1 - r0, m = rows * group;
        int kMin = Integer.MAX_VALUE, kMax = -1;
        for (int r = r0; r < r1; r++) {
            kMin = Math.min(kMin, lo[r]);
            kMax = Math.max(kMax, hi[r]);
        }
        int nk = kMax - kMin + 1;
        float[] qd = work(0, m * hd), kd = work(1, nk * hd), vd = work(2, nk * hd), s = work(3, m * nk), o = work(4, m * hd);
        gatherHeads(q, qDim, r0, rows, g * group, group, hd, qd);
        for (int j = 0; j < nk; j++) {
            System.arraycopy(k, (kMin + j) * kvDim + g * hd, kd, j * hd, hd);
            System.arraycopy(v, (kMin + j) * kvDim + g * hd, vd, j * hd, hd);
        }
        Gemm.xwT(qd, 0, m, kd, nk, hd, s, 0, false);
        for (int i = 0; i < rows; i++) {
            int from = lo[r0 + i] - kMin, to = hi[r0 + i] - kMin;
            for (int hh = 0; hh < group; hh++) {
                int row = (i * group + hh) * nk;
                float max = Softmax.scaledMax(s, row + from, to - from + 1, scale);
                float sum = Softmax.expShifted(s, row + from, to - from + 1, scale, max);
                float inv = 1f / sum;
                java.util.Arrays.fill(s, row, row + from, 0f);
                VectorOps.scale(s, row + from, to - from + 1, inv);
                java.util.Arrays.fill(s, row + to + 1, row + nk, 0f);
                lse[(r0 + i) * heads + g * group + hh] = max + (float) Math.log(sum);
            }
        }
        Gemm.xw(s, 0, m, vd, nk, hd, o, 0, false);
        scatterHeads(o, r0, rows, g * group, group, hd, att, qDim);
    }

    /**
     * Backward for the original rows [r0, r1) of one sequence (all trainable) and kv head g. q, k, v, lse, lo, hi
     * are indexed by original row; dOut and dq by compact row (compact[r]); dk/dv get contributions only for keys
     * with compact[key] ≥ 0. dq is overwritten for the block's rows and heads, dk/dv are added to.
     */
    public static void backward(float[] q, int qDim, float[] k, float[] v, int kvDim, int hd, int group, int g,
                                int r0, int r1, int[] lo, int[] hi, float scale, int heads, float[] lse,
                                float[] dOut, int[] compact, float[] dq, float[] dk, float[] dv) {
        backward(q, qDim, k, v, kvDim, hd, group, g, r0, r1, lo, hi, scale, heads, lse, dOut, compact, compact, dq, dk, dv);
    }

    /**
     * The same where query rows and key rows are numbered apart: rows [r0, r1) index q, lse, lo, hi and map to
     * dOut/dq rows through queryCompact; keys (absolute rows of k, v) map to dk/dv rows through keyCompact.
     */
    public static void backward(float[] q, int qDim, float[] k, float[] v, int kvDim, int hd, int group, int g,
                                int r0, int r1, int[] lo, int[] hi, float scale, int heads, float[] lse,
                                float[] dOut, int[] queryCompact, int[] keyCompact, float[] dq, float[] dk, float[] dv) {
        int rows = r1 - r0, m = rows * group;
        int kMin = Integer.MAX_VALUE, kMax = -1;
        for (int r = r0; r < r1; r++) {
            kMin = Math.min(kMin, lo[r]);
            kMax = Math.max(kMax, hi[r]);
        }
        int nk = kMax - kMin + 1;
        float[] qd = work(0, m * hd), kd = work(1, nk * hd), vd = work(2, nk * hd), p = work(3, m * nk);
        float[] dod = work(4, m * hd), ds = work(5, m * nk), t = work(6, nk * m), out = work(7, Math.max(m, nk) * hd);
        gatherHeads(q, qDim, r0, rows, g * group, group, hd, qd);
        for (int i = 0; i < rows; i++) {
            int c = queryCompact[r0 + i];
            System.arraycopy(dOut, c * qDim + g * group * hd, dod, i * group * hd, group * hd);
        }
        for (int j = 0; j < nk; j++) {
            System.arraycopy(k, (kMin + j) * kvDim + g * hd, kd, j * hd, hd);
            System.arraycopy(v, (kMin + j) * kvDim + g * hd, vd, j * hd, hd);
        }
        Gemm.xwT(qd, 0, m, kd, nk, hd, p, 0, false);
        Gemm.xwT(dod, 0, m, vd, nk, hd, ds, 0, false);
        for (int i = 0; i < rows; i++) {
            int from = lo[r0 + i] - kMin, to = hi[r0 + i] - kMin;
            for (int hh = 0; hh < group; hh++) {
                int row = (i * group + hh) * nk;
                float l = lse[(r0 + i) * heads + g * group + hh];
                Softmax.expShifted(p, row + from, to - from + 1, scale, l);
                float pdp = VectorOps.dot(p, row + from, ds, row + from, to - from + 1);
                // ds = p (dp − Σ p dp) · scale, zero outside the row's keys
                for (int j = from; j <= to; j++) ds[row + j] = p[row + j] * (ds[row + j] - pdp) * scale;
                java.util.Arrays.fill(p, row, row + from, 0f);
                java.util.Arrays.fill(p, row + to + 1, row + nk, 0f);
                java.util.Arrays.fill(ds, row, row + from, 0f);
                java.util.Arrays.fill(ds, row + to + 1, row + nk, 0f);
            }
        }
        // dQ = dS · K
        Gemm.xw(ds, 0, m, kd, nk, hd, out, 0, false);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(out, i * group * hd, dq, queryCompact[r0 + i] * qDim + g * group * hd, group * hd);
        }
        // dK = dSᵀ · Q, dV = Pᵀ · dO
        transpose(ds, m, nk, t);
        Gemm.xw(t, 0, nk, qd, m, hd, out, 0, false);
        addKeys(out, nk, kMin, keyCompact, hd, dk, kvDim, g * hd);
        transpose(p, m, nk, t);
        Gemm.xw(t, 0, nk, dod, m, hd, out, 0, false);
        addKeys(out, nk, kMin, keyCompact, hd, dv, kvDim, g * hd);
    }

    private static void addKeys(float[] src, int nk, int kMin, int[] compact, int hd, float[] dst, int kvDim, int col) {
        for (int j = 0; j < nk; j++) {
            int c = compact[kMin + j];
            if (c >= 0) VectorOps.add(src, j * hd, dst, c * kvDim + col, hd);
        }
    }

    /** dst[(i·G + hh)·hd + e] = src[(r0 + i)·stride + (h0 + hh)·hd + e]: the group's heads as consecutive rows. */
    private static void gatherHeads(float[] src, int stride, int r0, int rows, int h0, int group, int hd, float[] dst) {
        for (int i = 0; i < rows; i++) {
            System.arraycopy(src, (r0 + i) * stride + h0 * hd, dst, i * group * hd, group * hd);
        }
    }

    private static void scatterHeads(float[] src, int r0, int rows, int h0, int group, int hd, float[] dst, int stride) {
        for (int i = 0; i < rows; i++) {
            System.arraycopy(src, i * group * hd, dst, (r0 + i) * stride + h0 * hd, group * hd);
        }
    }

    private static void transpose(float[] a, int rows, int cols, float[] t) {
        final int b = 16;
        for (int i0 = 0; i0 < rows; i0 += b) {
            for (int j0 = 0; j0 < cols; j0 += b) {
                int i1 = Math.min(rows, i0 + b), j1 = Math.min(cols, j0 + b);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) t[j * rows + i] = a[i * cols + j];
                }
            }
        }
    }

    private static float[] work(int slot, int size) {
        float[][] w = WORK.get();
        if (w[slot].length < size) w[slot] = new float[Math.max(size, w[slot].length + w[slot].length / 2)];
        return w[slot];
    }
}
