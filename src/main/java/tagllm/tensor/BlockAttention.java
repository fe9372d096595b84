package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Attention for a block of consecutive query rows and the G query heads sharing one kv head, as matrix products
 * on the register tile of {@link GemmKernels}: S = Q·Kᵀ over the block's key range, a masked softmax per row,
 * O = P·V; the backward likewise (dP = dO·Vᵀ, dQ = dS·K, dKᵀ = Qᵀ·dS, dVᵀ = dOᵀ·P). Same semantics and mask
 * convention as {@link Attention} (row r sees keys [lo[r], hi[r]]), which it replaces when blocks are long enough
 * to amortise the copies. Runs on the calling thread (it is meant to run inside a {@link Parallel} task).
 *
 * <p>Query row (i, head hh) of the block becomes matrix row i·G + hh; keys are numbered from the block's first key.
 * The kernels are called tile by tile rather than through {@link Gemm} so that each row tile computes only the key
 * panels its rows can see and reduces only over the keys they see: causal blocks skip about a third of the work.
 * Skipped and masked entries are exact zeros in every reduction, so a row's results do not depend on the other
 * rows of its tile or block, and each sum runs in ascending key (or row) order.
 *
 * <p>Under BF16 compute (bf16 true) every product but the scores goes through the native BF16 tiles
 * ({@link Bf16Tiles}), one call per product and block, the same tiles and ranges: P and V, dO, dS, K, Qᵀ and dOᵀ
 * rounded to BF16 with FP32 sums, zeros widened to whole pairs of keys (or rows). S = Q·Kᵀ and the softmax stay FP32:
 * S in BF16 broke the fixture's gradient bounds, the other five did not (docs/benchmarks.md, eleventh pass). The
 * scores then go through the native FP32 tiles ({@link NativeBf16#f32Tiles}), with the Java tile's bits.
 */
public final class BlockAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), MR = Gemm.MR, NR = Gemm.NR;
    private static final ThreadLocal<float[][]> WORK = ThreadLocal.withInitial(() -> new float[15][0]);

    private BlockAttention() {}

    /**
     * Forward for query rows [r0, r1) (indexing q, att, lse and the key ranges) and kv head g; keys are absolute rows
     * of k/v. lse[r·heads + head] receives the log-sum-exp of the scaled scores.
     */
    public static void forward(Attention.Heads s, Attention.Qkv x, Attention.KeyRanges keys, int g, int r0, int r1,
                               float[] lse, float[] att) {
        forward(s, x, keys, g, r0, r1, lse, att, false);
    }

    /**
     * The same; with bf16, the whole block in one native call ({@link NativeBf16#attentionForward}): the FP32 scores,
     * the softmax and O = P·V with P and V rounded to BF16 and FP32 sums, as BF16 compute does the model's other
     * products. The scores stay FP32: in BF16 they took the fixture's tag gradients from 2.9% to 16% off
     * (docs/benchmarks.md, fourth and eleventh passes). The bits are {@link #forwardTiles}' with bf16.
     */
    public static void forward(Attention.Heads s, Attention.Qkv x, Attention.KeyRanges keys, int g, int r0, int r1,
                               float[] lse, float[] att, boolean bf16) {
        if (bf16) fused(s, x, keys, g, r0, r1, lse, att);
        else forwardTiles(s, x, keys, g, r0, r1, lse, att, bf16);
    }

    private static final ThreadLocal<int[]> KEYS = ThreadLocal.withInitial(() -> new int[256]);

    /** The keys rows [r0, r0 + rows) see, relative to kMin, as pairs (first, last) in this thread's array. */
    private static int[] relativeKeys(int[] lo, int[] hi, int r0, int rows, int kMin) {
        int[] kr = KEYS.get();
        if (kr.length < 2 * rows) KEYS.set(kr = new int[2 * rows]);
        for (int i = 0; i < rows; i++) {
            kr[2 * i] = lo[r0 + i] - kMin;
            kr[2 * i + 1] = hi[r0 + i] - kMin;
        }
        return kr;
    }

    /** The native form of the bf16 forward: this block's key ranges relative to its first key, one call, then lse. */
    private static void fused(Attention.Heads s, Attention.Qkv x, Attention.KeyRanges keys, int g, int r0, int r1,
                              float[] lse, float[] att) {
        int[] lo = keys.lo(), hi = keys.hi();
        int qDim = s.qDim(), kvDim = s.kvDim(), hd = s.headDim(), group = s.group(), heads = s.heads();
        int rows = r1 - r0, m = rows * group, kMin = min(lo, r0, r1), nk = max(hi, r0, r1) - kMin + 1;
        int[] kr = relativeKeys(lo, hi, r0, rows, kMin);
        float[] stats = work(0, 2 * m);
        MemorySegment w = Bf16Tiles.get().work(NativeBf16.attentionWorkBytes(m, nk, hd));
        int qOff = r0 * qDim + g * group * hd;
        NativeBf16.attentionForward(x.q(), qOff, qDim, x.k(), x.v(), kMin * kvDim + g * hd, kvDim, rows, group, hd, nk, kr,
                s.scale(), att, qOff, qDim, stats, w);
        for (int t = 0; t < m; t++) {
            lse[(r0 + t / group) * heads + g * group + t % group] = stats[2 * t] + (float) Math.log(stats[2 * t + 1]);
        }
    }

    /**
     * The forward tile by tile, from Java: the F32 form, and with bf16 the native form's reference (O = P·V through
     * the native BF16 tiles, one call for the block; the scores through the native FP32 tiles).
     */
    static void forwardTiles(Attention.Heads s, Attention.Qkv x, Attention.KeyRanges keys, int g, int r0, int r1,
                             float[] lse, float[] att, boolean bf16) {
        float[] q = x.q(), k = x.k(), v = x.v();
        int[] lo = keys.lo(), hi = keys.hi();
        int qDim = s.qDim(), kvDim = s.kvDim(), hd = s.headDim(), group = s.group(), heads = s.heads();
        float scale = s.scale();
        int rows = r1 - r0, m = rows * group, mp = roundUp(m, MR);
        int kMin = min(lo, r0, r1), kMax = max(hi, r0, r1);
        int nk = kMax - kMin + 1, nkp = roundUp(nk, NR), hdp = roundUp(hd, NR);
        float[] qd = work(0, mp * hd), kt = work(1, hd * nkp), vd = work(2, nk * hdp), sc = work(3, mp * nkp);
        float[] o = work(4, mp * hdp), inv = work(5, mp);
        float[] lanes = work(12, LANE_ROWS * L), lt = work(13, LANE_ROWS * L), red = work(14, 2 * MR);
        gatherHeads(q, qDim, r0, rows, g * group, group, hd, qd);
        Arrays.fill(qd, m * hd, mp * hd, 0f);
        transposeRows(k, kvDim, g * hd, kMin, nk, hd, kt, nkp);
        copyRows(v, kvDim, g * hd, kMin, nk, hd, vd, hdp);
        Bf16Tiles pv = bf16 ? Bf16Tiles.get() : null;
        // under BF16 compute the FP32 scores of every tile in one native call (the same bits as the Java tile)
        if (bf16) scores(qd, kt, hd, nkp, sc, lo, hi, r0, rows, group, m, kMin);
        for (int t0 = 0; t0 < m; t0 += MR) {
            long span = tileKeys(lo, hi, r0, rows, group, t0, kMin);
            int klo = (int) (span >>> 32), khi = (int) span;
            // the zeros around each row's keys: in BF16 out to whole pairs of keys, which the native tiles read
            int zlo = bf16 ? klo & ~1 : klo, zhi = bf16 ? pairsEnd(khi, nkp) : khi + 1;
            if (!bf16) {
                for (int p = klo / NR; p <= khi / NR; p++) tile(qd, t0 * hd, hd, hd, kt, p * NR, nkp, sc, t0 * nkp + p * NR, nkp);
            }
            // each row's maximum, then its exponentials and their sum, the lanes of the tile's rows reduced together
            int tileRows = Math.min(MR, m - t0);
            for (int i = 0; i < tileRows; i++) {
                int row = t0 + i, r = r0 + row / group, from = lo[r] - kMin, to = hi[r] - kMin;
                Softmax.laneMaxima(sc, row * nkp + from, to - from + 1, lanes, i * L);
            }
            rowMaxima(lanes, tileRows, lt, red, 0);
            for (int i = 0; i < tileRows; i++) {
                int row = t0 + i, r = r0 + row / group, from = lo[r] - kMin, to = hi[r] - kMin;
                red[i] *= scale;
                Softmax.expShiftedLanes(sc, row * nkp + from, to - from + 1, scale, red[i], lanes, i * L);
                Arrays.fill(sc, row * nkp + zlo, row * nkp + from, 0f);
                Arrays.fill(sc, row * nkp + to + 1, row * nkp + zhi, 0f);
            }
            for (int row = t0 + tileRows; row < t0 + MR; row++) Arrays.fill(sc, row * nkp + zlo, row * nkp + zhi, 0f);
            rowSums(lanes, tileRows, lt, red, MR);
            for (int i = 0; i < tileRows; i++) {
                int row = t0 + i, r = r0 + row / group;
                float sum = red[MR + i];
                // P stays unnormalised: scaling the hd outputs of a row is cheaper than its up to nk probabilities
                inv[row] = 1f / sum;
                lse[r * heads + g * group + row % group] = red[i] + (float) Math.log(sum);
            }
            if (bf16) {
                for (int c = 0; c < hd; c += NativeBf16.PANEL) pv.add(t0, MR, c / NativeBf16.PANEL, zlo, zhi);
            } else {
                for (int c = 0; c < hdp; c += NR) {
                    tile(sc, t0 * nkp + klo, nkp, khi - klo + 1, vd, klo * hdp + c, hdp, o, t0 * hdp + c, hdp);
                }
            }
        }
        if (bf16) pv.run(pv.a(0, sc, mp, nkp, nkp), nkp, pv.b(0, vd, hdp, nk, hd), nk, hd, o, hdp);
        for (int row = 0; row < m; row++) {
            int dst = (r0 + row / group) * qDim + (g * group + row % group) * hd, src = row * hdp;
            scaledCopy(o, src, inv[row], att, dst, hd);
        }
    }

    /**
     * Backward for query rows [r0, r1) (indexing q, lse and the key ranges; all of them with a gradient row) and kv
     * head g, given dOut. Query row r's dOut and dq are at row into.queryRow(r), key j's dk and dv at into.keyRow(j)
     * (none where that is -1). dq is overwritten for the block's rows and heads, dk/dv are added to.
     */
    public static void backward(Attention.Heads s, Attention.Qkv x, Attention.KeyRanges keys, float[] lse, int g,
                                int r0, int r1, float[] dOut, Attention.Qkv d, Attention.GradientRows into) {
        backward(s, x, keys, lse, g, r0, r1, dOut, d, into, false);
    }

    /**
     * The same; with bf16, the whole block in one native call ({@link NativeBf16#attentionBackward}): dP = dO·Vᵀ,
     * dQ = dS·K, dKᵀ = Qᵀ·dS and dVᵀ = dOᵀ·P through the BF16 tiles, the recomputed scores and the softmax FP32, as in
     * the forward. The bits are {@link #backwardTiles}' with bf16.
     */
    public static void backward(Attention.Heads s, Attention.Qkv x, Attention.KeyRanges keys, float[] lse, int g,
                                int r0, int r1, float[] dOut, Attention.Qkv d, Attention.GradientRows into, boolean bf16) {
        if (bf16) fusedBackward(s, x, keys, lse, g, r0, r1, dOut, d, into);
        else backwardTiles(s, x, keys, lse, g, r0, r1, dOut, d, into, bf16);
    }

    private static final ThreadLocal<int[][]> ROWS = ThreadLocal.withInitial(() -> new int[2][256]);

    /** The native form of the bf16 backward: this block's key ranges and gradient rows, one call. */
    private static void fusedBackward(Attention.Heads s, Attention.Qkv x, Attention.KeyRanges keys, float[] lse, int g,
                                      int r0, int r1, float[] dOut, Attention.Qkv d, Attention.GradientRows into) {
        int[] lo = keys.lo(), hi = keys.hi();
        int qDim = s.qDim(), kvDim = s.kvDim(), hd = s.headDim(), group = s.group(), heads = s.heads();
        int rows = r1 - r0, m = rows * group, kMin = min(lo, r0, r1), nk = max(hi, r0, r1) - kMin + 1;
        int[] kr = relativeKeys(lo, hi, r0, rows, kMin);
        int[][] held = ROWS.get();
        if (held[0].length < rows) held[0] = new int[Math.max(rows, 2 * held[0].length)];
        if (held[1].length < nk) held[1] = new int[Math.max(nk, 2 * held[1].length)];
        int[] qrow = held[0], krow = held[1];
        for (int i = 0; i < rows; i++) qrow[i] = into.queryRow(r0 + i);
        for (int j = 0; j < nk; j++) krow[j] = into.keyRow(kMin + j);
        MemorySegment w = Bf16Tiles.get().work(NativeBf16.attentionBackwardWorkBytes(m, nk, hd));
        NativeBf16.attentionBackward(x.q(), r0 * qDim + g * group * hd, qDim, x.k(), x.v(), kMin * kvDim + g * hd, kvDim, lse,
                r0 * heads + g * group, heads, dOut, d.q(), g * group * hd, qrow, qDim, d.k(), d.v(), g * hd, krow, rows, group, hd,
                nk, kr, s.scale(), w);
    }

    /**
     * The backward tile by tile, from Java: the F32 form, and with bf16 the native form's reference (dP = dO·Vᵀ, dQ =
     * dS·K, dKᵀ = Qᵀ·dS and dVᵀ = dOᵀ·P through the native BF16 tiles, one call per product and block; the recomputed
     * scores FP32, as in the forward).
     */
    static void backwardTiles(Attention.Heads s, Attention.Qkv x, Attention.KeyRanges keys, float[] lse, int g,
                              int r0, int r1, float[] dOut, Attention.Qkv d, Attention.GradientRows into, boolean bf16) {
        float[] q = x.q(), k = x.k(), v = x.v(), dq = d.q(), dk = d.k(), dv = d.v();
        int[] lo = keys.lo(), hi = keys.hi();
        int qDim = s.qDim(), kvDim = s.kvDim(), hd = s.headDim(), group = s.group(), heads = s.heads();
        float scale = s.scale();
        int rows = r1 - r0, m = rows * group, mp = roundUp(m, MR);
        int kMin = min(lo, r0, r1), kMax = max(hi, r0, r1);
        int nk = kMax - kMin + 1, nkp = roundUp(nk, NR), hdp = roundUp(hd, NR), hdr = roundUp(hd, MR);
        float[] qd = work(0, mp * hd), kt = work(1, hd * nkp), vt = work(2, hd * nkp), kd = work(3, nk * hdp);
        float[] dod = work(4, mp * hd), qt = work(5, hdr * mp), dot = work(6, hdr * mp);
        float[] p = work(7, mp * nkp), ds = work(8, mp * nkp), out = work(9, mp * hdp);
        float[] dkt = work(10, hdr * nkp), dvt = work(11, hdr * nkp);
        float[] lanes = work(12, LANE_ROWS * L), lt = work(13, LANE_ROWS * L), red = work(14, 2 * MR);
        gatherHeads(q, qDim, r0, rows, g * group, group, hd, qd);
        Arrays.fill(qd, m * hd, mp * hd, 0f);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(dOut, into.queryRow(r0 + i) * qDim + g * group * hd, dod, i * group * hd, group * hd);
        }
        Arrays.fill(dod, m * hd, mp * hd, 0f);
        transpose(qd, mp, hd, qt, hdr);
        transpose(dod, mp, hd, dot, hdr);
        transposeRows(k, kvDim, g * hd, kMin, nk, hd, kt, nkp);
        transposeRows(v, kvDim, g * hd, kMin, nk, hd, vt, nkp);
        copyRows(k, kvDim, g * hd, kMin, nk, hd, kd, hdp);
        int panel = NativeBf16.PANEL, hda = (hd + 1) & ~1;
        Bf16Tiles bt = bf16 ? Bf16Tiles.get() : null;
        if (bf16) {
            // dP for every tile at once, over the key panels each tile's rows see
            for (int t0 = 0; t0 < m; t0 += MR) {
                long span = tileKeys(lo, hi, r0, rows, group, t0, kMin);
                int klo = (int) (span >>> 32), khi = (int) span;
                for (int pn = klo / panel; pn <= khi / panel; pn++) bt.add(t0, MR, pn, 0, hd);
            }
            bt.run(bt.a(0, dod, mp, hd, hda), hda, bt.b(0, vt, nkp, hd, nk), hd, nk, ds, nkp);
            bt.clear();
        }
        if (bf16) scores(qd, kt, hd, nkp, p, lo, hi, r0, rows, group, m, kMin); // recomputed as in the forward
        for (int t0 = 0; t0 < m; t0 += MR) {
            long span = tileKeys(lo, hi, r0, rows, group, t0, kMin);
            int klo = (int) (span >>> 32), khi = (int) span;
            for (int pn = klo / NR; pn <= khi / NR; pn++) {
                if (!bf16) {
                    tile(qd, t0 * hd, hd, hd, kt, pn * NR, nkp, p, t0 * nkp + pn * NR, nkp);
                    tile(dod, t0 * hd, hd, hd, vt, pn * NR, nkp, ds, t0 * nkp + pn * NR, nkp);
                }
            }
            // each row's probabilities and Σ p·dP (the lanes of the tile's rows added together), then dS
            int tileRows = Math.min(MR, m - t0);
            for (int i = 0; i < tileRows; i++) {
                int row = t0 + i, r = r0 + row / group, from = lo[r] - kMin, to = hi[r] - kMin;
                Softmax.backwardLanes(p, ds, row * nkp + from, to - from + 1, scale, lse[r * heads + g * group + row % group], lanes, i * L);
            }
            rowSums(lanes, tileRows, lt, red, 0);
            for (int i = 0; i < tileRows; i++) {
                int row = t0 + i, base = row * nkp, r = r0 + row / group, from = lo[r] - kMin, to = hi[r] - kMin;
                Softmax.backwardFinish(p, ds, base + from, to - from + 1, scale, red[i]);
                // zero outside the row's keys: the transposed products below read whole panels
                Arrays.fill(p, base, base + from, 0f);
                Arrays.fill(p, base + to + 1, base + nkp, 0f);
                Arrays.fill(ds, base, base + from, 0f);
                Arrays.fill(ds, base + to + 1, base + nkp, 0f);
            }
            for (int row = t0 + tileRows; row < t0 + MR; row++) {
                Arrays.fill(p, row * nkp, (row + 1) * nkp, 0f);
                Arrays.fill(ds, row * nkp, (row + 1) * nkp, 0f);
            }
            // dQ = dS · K over the keys this tile sees (rows of p and ds are zero outside each row's keys)
            if (bf16) {
                for (int c = 0; c < hd; c += panel) bt.add(t0, MR, c / panel, klo & ~1, pairsEnd(khi, nkp));
            } else {
                for (int c = 0; c < hdp; c += NR) {
                    tile(ds, t0 * nkp + klo, nkp, khi - klo + 1, kd, klo * hdp + c, hdp, out, t0 * hdp + c, hdp);
                }
            }
        }
        if (bf16) bt.run(bt.a(0, ds, mp, nkp, nkp), nkp, bt.b(0, kd, hdp, nk, hd), nk, hd, out, hdp);
        for (int row = 0; row < m; row++) {
            int i = row / group;
            System.arraycopy(out, row * hdp, dq, into.queryRow(r0 + i) * qDim + (g * group + row % group) * hd, hd);
        }
        // dKᵀ = Qᵀ · dS and dVᵀ = dOᵀ · P, each key panel reduced over the rows that see one of its keys
        if (bf16) {
            keyGradientsBf16(bt.clear(), qt, dot, p, ds, lo, hi, r0, rows, group, kMin, nk, nkp, mp, hd, hdr, dkt, dvt, dk, dv,
                    kvDim, g, into);
            return;
        }
        for (int pn = 0; pn < nkp / NR; pn++) {
            int j0 = pn * NR, j1 = Math.min(nk, j0 + NR) - 1;
            long seeing = rowsSeeing(lo, hi, r0, rows, kMin, j0, j1);
            if (seeing < 0) continue; // no row sees these keys: their gradients get nothing
            int first = (int) (seeing >>> 32), last = (int) seeing;
            int a0 = first * group, kc = (last + 1 - first) * group;
            for (int e0 = 0; e0 < hdr; e0 += MR) {
                tile(qt, e0 * mp + a0, mp, kc, ds, a0 * nkp + j0, nkp, dkt, e0 * nkp + j0, nkp);
                tile(dot, e0 * mp + a0, mp, kc, p, a0 * nkp + j0, nkp, dvt, e0 * nkp + j0, nkp);
            }
            int[] column = columnIndex(nkp);
            for (int j = j0; j <= j1; j++) {
                int c = into.keyRow(kMin + j);
                if (c < 0) continue;
                int kOff = c * kvDim + g * hd;
                addColumn(dkt, j, nkp, column, dk, kOff, hd);
                addColumn(dvt, j, nkp, column, dv, kOff, hd);
            }
        }
    }

    /**
     * dKᵀ = Qᵀ·dS and dVᵀ = dOᵀ·P through the native BF16 tiles (one call each for the block), each panel of keys
     * reduced over the query rows that see one of its keys, then added into dk and dv at the keys' gradient rows.
     */
    private static void keyGradientsBf16(Bf16Tiles bt, float[] qt, float[] dot, float[] p, float[] ds, int[] lo, int[] hi,
                                         int r0, int rows, int group, int kMin, int nk, int nkp, int mp, int hd, int hdr,
                                         float[] dkt, float[] dvt, float[] dk, float[] dv, int kvDim, int g,
                                         Attention.GradientRows into) {
        int panel = NativeBf16.PANEL, panels = (nk + panel - 1) / panel;
        boolean[] seen = new boolean[panels];
        for (int pn = 0; pn < panels; pn++) {
            int j0 = pn * panel, j1 = Math.min(nk, j0 + panel) - 1;
            long seeing = rowsSeeing(lo, hi, r0, rows, kMin, j0, j1);
            if (seeing < 0) continue; // no row sees these keys: their gradients get nothing
            int first = (int) (seeing >>> 32), last = (int) seeing;
            seen[pn] = true;
            // the rows of dS and P outside each row's keys are zero, so whole pairs of rows can be read
            int a0 = (first * group) & ~1, a1 = Math.min(mp, ((last + 1) * group + 1) & ~1);
            for (int e0 = 0; e0 < hdr; e0 += MR) bt.add(e0, MR, pn, a0, a1);
        }
        bt.run(bt.a(0, qt, hdr, mp, mp), mp, bt.b(0, ds, nkp, mp, nk), mp, nk, dkt, nkp);
        bt.run(bt.a(1, dot, hdr, mp, mp), mp, bt.b(1, p, nkp, mp, nk), mp, nk, dvt, nkp);
        int[] column = columnIndex(nkp);
        for (int j = 0; j < nk; j++) {
            int c = into.keyRow(kMin + j);
            if (c < 0 || !seen[j / panel]) continue;
            int kOff = c * kvDim + g * hd;
            addColumn(dkt, j, nkp, column, dk, kOff, hd);
            addColumn(dvt, j, nkp, column, dv, kOff, hd);
        }
    }

    /**
     * The keys that the rows of the row tile from t0 see, relative to kMin, as (first &lt;&lt; 32 | last): from the
     * lowest first key to the highest last key of the block's rows that tile holds (row i·G + hh is row i).
     */
    private static long tileKeys(int[] lo, int[] hi, int r0, int rows, int group, int t0, int kMin) {
        int i0 = t0 / group, i1 = Math.min(rows, (t0 + MR + group - 1) / group);
        return (long) (min(lo, r0 + i0, r0 + i1) - kMin) << 32 | (max(hi, r0 + i0, r0 + i1) - kMin) & 0xFFFFFFFFL;
    }

    private static final ThreadLocal<int[][]> SCORE_JOBS = ThreadLocal.withInitial(() -> new int[1][0]);

    /**
     * The scores S = Q·Kᵀ of every row tile over the key panels its rows see, in one native call
     * ({@link NativeBf16#f32Tiles}: FP32, the bits of {@link #tile}), into sc (row stride nkp). In one JVM, alternated
     * with the Java tiles (20 rounds of 3 BF16 training steps at SmolLM2's shape, twice): attention 4% and 6% faster,
     * about half a percent of the step (docs/benchmarks.md, seventeenth pass).
     */
    private static void scores(float[] qd, float[] kt, int hd, int nkp, float[] sc, int[] lo, int[] hi, int r0, int rows,
                               int group, int m, int kMin) {
        int[][] held = SCORE_JOBS.get();
        int count = 0;
        for (int t0 = 0; t0 < m; t0 += MR) {
            long span = tileKeys(lo, hi, r0, rows, group, t0, kMin);
            int klo = (int) (span >>> 32), khi = (int) span;
            for (int p = klo / NR; p <= khi / NR; p++) {
                if (2 * count + 2 > held[0].length) held[0] = Arrays.copyOf(held[0], Math.max(64, 2 * held[0].length));
                held[0][2 * count] = t0;
                held[0][2 * count + 1] = p * NR;
                count++;
            }
        }
        NativeBf16.f32Tiles(qd, hd, kt, nkp, hd, sc, nkp, held[0], count);
    }

    /**
     * The first and last of the block's rows [r0, r0 + rows) that see one of the keys j0..j1 (relative to kMin), as
     * (first &lt;&lt; 32 | last) with both relative to r0, or -1 when none does.
     */
    private static long rowsSeeing(int[] lo, int[] hi, int r0, int rows, int kMin, int j0, int j1) {
        int first = -1, last = -1;
        for (int i = 0; i < rows; i++) {
            if (hi[r0 + i] - kMin >= j0 && lo[r0 + i] - kMin <= j1) {
                if (first < 0) first = i;
                last = i;
            }
        }
        return first < 0 ? -1 : (long) first << 32 | last;
    }

    /** The end of keys 0..khi widened to a whole pair of keys, within the nkp columns: where BF16 tiles stop. */
    private static int pairsEnd(int khi, int nkp) { return Math.min(nkp, (khi + 2) & ~1); }

    /** Rows of lanes reduced at once: a 16 × 16 transpose with 16 lanes (MR = 14 fits), else MR rows lane by lane. */
    static final int LANE_ROWS = Math.max(MR, 16);

    /**
     * out[at + i] = the largest of lanes[i·L .. i·L + L) for rows i &lt; rows: with 16 lanes the rows are transposed
     * in registers and reduced by vertical maxima (max is exact in any order), else lane by lane. Stale rows beyond
     * rows only reach their own lanes of the result, which nobody reads.
     */
    static void rowMaxima(float[] lanes, int rows, float[] t, float[] out, int at) {
        if (L == 16) {
            block16(lanes, 0, L, t, 0, L);
            FloatVector mx = FloatVector.fromArray(S, t, 0);
            for (int j = 1; j < L; j++) mx = mx.max(FloatVector.fromArray(S, t, j * L));
            mx.intoArray(t, 0);
            System.arraycopy(t, 0, out, at, rows);
            return;
        }
        for (int i = 0; i < rows; i++) {
            float mx = lanes[i * L];
            for (int j = 1; j < L; j++) mx = Math.max(mx, lanes[i * L + j]);
            out[at + i] = mx;
        }
    }

    /**
     * out[at + i] = the lanes lanes[i·L .. i·L + L) added in lane order from 0f for rows i &lt; rows: the bits of
     * {@link DeterministicMath#sumLanes} for each row, the adds of 16 rows done as one vertical sum of their
     * transpose.
     */
    static void rowSums(float[] lanes, int rows, float[] t, float[] out, int at) {
        if (L == 16) {
            block16(lanes, 0, L, t, 0, L);
            FloatVector sum = FloatVector.zero(S);
            for (int j = 0; j < L; j++) sum = sum.add(FloatVector.fromArray(S, t, j * L));
            sum.intoArray(t, 0);
            System.arraycopy(t, 0, out, at, rows);
            return;
        }
        for (int i = 0; i < rows; i++) {
            float sum = 0f;
            for (int j = 0; j < L; j++) sum += lanes[i * L + j];
            out[at + i] = sum;
        }
    }

    private static void tile(float[] a, int ai, int lda, int kc, float[] b, int bi, int ldb, float[] c, int ci, int ldc) {
        if (MR == 14) GemmKernels.kernel14(a, ai, lda, kc, b, bi, ldb, c, ci, ldc, false);
        else GemmKernels.kernel6(a, ai, lda, kc, b, bi, ldb, c, ci, ldc, false);
    }

    /**
     * dst[d + e] += src[j + e·ld] for e < n: column j of a row-major matrix added to a row, L lanes a gather (an
     * element at a time, each load was a cache line of its own: half the time of the dK/dV step).
     */
    private static void addColumn(float[] src, int j, int ld, int[] column, float[] dst, int d, int n) {
        int e = 0;
        for (int bound = n - L; e <= bound; e += L) {
            FloatVector.fromArray(S, src, j + e * ld, column, 0).add(FloatVector.fromArray(S, dst, d + e)).intoArray(dst, d + e);
        }
        for (; e < n; e++) dst[d + e] += src[j + e * ld];
    }

    /** {0, ld, 2·ld, ...}: the gather indices of one column of a matrix with rows ld apart (this thread's array). */
    private static int[] columnIndex(int ld) {
        int[] idx = COLUMN.get();
        if (idx[1] != ld) for (int i = 0; i < L; i++) idx[i] = i * ld;
        return idx;
    }

    private static final ThreadLocal<int[]> COLUMN = ThreadLocal.withInitial(() -> new int[Math.max(2, L)]);

    /** dst[d + e] = a · src[s + e] for e < n. */
    private static void scaledCopy(float[] src, int s, float a, float[] dst, int d, int n) {
        int e = 0;
        for (int bound = n - L; e <= bound; e += L) FloatVector.fromArray(S, src, s + e).mul(a).intoArray(dst, d + e);
        for (; e < n; e++) dst[d + e] = src[s + e] * a;
    }

    /** dst[(i·G + hh)·hd + e] = src[(r0 + i)·stride + (h0 + hh)·hd + e]: the group's heads as consecutive rows. */
    private static void gatherHeads(float[] src, int stride, int r0, int rows, int h0, int group, int hd, float[] dst) {
        for (int i = 0; i < rows; i++) {
            System.arraycopy(src, (r0 + i) * stride + h0 * hd, dst, i * group * hd, group * hd);
        }
    }

    /** dst[j·ld + e] = src[(k0 + j)·stride + col + e] for e < hd, zero for hd ≤ e < ld. */
    private static void copyRows(float[] src, int stride, int col, int k0, int n, int hd, float[] dst, int ld) {
        for (int j = 0; j < n; j++) {
            System.arraycopy(src, (k0 + j) * stride + col, dst, j * ld, hd);
            if (ld > hd) Arrays.fill(dst, j * ld + hd, (j + 1) * ld, 0f);
        }
    }

    /** dst[e·ld + j] = src[(k0 + j)·stride + col + e]: n rows of one head transposed, columns n..ld zero. */
    private static void transposeRows(float[] src, int stride, int col, int k0, int n, int hd, float[] dst, int ld) {
        transpose(src, k0 * stride + col, stride, n, hd, dst, ld);
        for (int e = 0; e < hd; e++) Arrays.fill(dst, e * ld + n, (e + 1) * ld, 0f);
    }

    /** t[c·rows + r] = a[r·cols + c] for the rows × cols matrix a; rows cols..tRows of t zero. */
    private static void transpose(float[] a, int rows, int cols, float[] t, int tRows) {
        transpose(a, 0, cols, rows, cols, t, rows);
        Arrays.fill(t, cols * rows, tRows * rows, 0f);
    }

    /**
     * dst[c·ld + r] = src[off + r·stride + c] for r < rows, c < cols. With 16 lanes, each 16 × 16 block is loaded as
     * 16 row vectors, transposed in registers (four rounds of two-vector permutes, each swapping the off-diagonal
     * sub-blocks of one size) and stored as 16 column vectors: 2.3× faster than a gather per run of 16 rows of a
     * column (4.6 against 10.6 µs for 384 × 64 on Zen 5), which took 15% of attention's backward. Edges, and other
     * lane counts, take the gathers.
     */
    private static void transpose(float[] src, int off, int stride, int rows, int cols, float[] dst, int ld) {
        int rFull = 0, cFull = 0;
        if (L == 16) {
            rFull = rows & ~15;
            cFull = cols & ~15;
            for (int r0 = 0; r0 < rFull; r0 += 16) {
                for (int c0 = 0; c0 < cFull; c0 += 16) block16(src, off + r0 * stride + c0, stride, dst, c0 * ld + r0, ld);
            }
        }
        gathered(src, off, stride, 0, rFull, cFull, cols, dst, ld);
        gathered(src, off, stride, rFull, rows, 0, cols, dst, ld);
    }

    /** The transpose of rows [r0, r1) × columns [c0, c1): a gather per run of L rows of a column, the rest one by one. */
    private static void gathered(float[] src, int off, int stride, int r0, int r1, int c0, int c1, float[] dst, int ld) {
        if (r1 <= r0 || c1 <= c0) return;
        int[] idx = columnIndex(stride);
        int r = r0;
        for (int bound = r1 - L; r <= bound; r += L) {
            for (int c = c0; c < c1; c++) FloatVector.fromArray(S, src, off + r * stride + c, idx, 0).intoArray(dst, c * ld + r);
        }
        for (; r < r1; r++) {
            for (int c = c0; c < c1; c++) dst[c * ld + r] = src[off + r * stride + c];
        }
    }

    /**
     * One 16 × 16 block: rows at s + i·stride, columns to d + i·ld (16 lanes only). Unrolled by hand, as the register
     * tiles are: the JIT keeps 16 named vector locals in registers, an array of vectors it would box.
     */
    private static void block16(float[] src, int s, int stride, float[] dst, int d, int ld) {
        FloatVector v0 = FloatVector.fromArray(S, src, s + 0 * stride);
        FloatVector v1 = FloatVector.fromArray(S, src, s + 1 * stride);
        FloatVector v2 = FloatVector.fromArray(S, src, s + 2 * stride);
        FloatVector v3 = FloatVector.fromArray(S, src, s + 3 * stride);
        FloatVector v4 = FloatVector.fromArray(S, src, s + 4 * stride);
        FloatVector v5 = FloatVector.fromArray(S, src, s + 5 * stride);
        FloatVector v6 = FloatVector.fromArray(S, src, s + 6 * stride);
        FloatVector v7 = FloatVector.fromArray(S, src, s + 7 * stride);
        FloatVector v8 = FloatVector.fromArray(S, src, s + 8 * stride);
        FloatVector v9 = FloatVector.fromArray(S, src, s + 9 * stride);
        FloatVector v10 = FloatVector.fromArray(S, src, s + 10 * stride);
        FloatVector v11 = FloatVector.fromArray(S, src, s + 11 * stride);
        FloatVector v12 = FloatVector.fromArray(S, src, s + 12 * stride);
        FloatVector v13 = FloatVector.fromArray(S, src, s + 13 * stride);
        FloatVector v14 = FloatVector.fromArray(S, src, s + 14 * stride);
        FloatVector v15 = FloatVector.fromArray(S, src, s + 15 * stride);
        // swap the off-diagonal 1 × 1 sub-blocks of each 2 × 2 block
        FloatVector t0x1 = LO1.selectFrom(v0, v1);
        v1 = HI1.selectFrom(v0, v1);
        v0 = t0x1;
        FloatVector t2x1 = LO1.selectFrom(v2, v3);
        v3 = HI1.selectFrom(v2, v3);
        v2 = t2x1;
        FloatVector t4x1 = LO1.selectFrom(v4, v5);
        v5 = HI1.selectFrom(v4, v5);
        v4 = t4x1;
        FloatVector t6x1 = LO1.selectFrom(v6, v7);
        v7 = HI1.selectFrom(v6, v7);
        v6 = t6x1;
        FloatVector t8x1 = LO1.selectFrom(v8, v9);
        v9 = HI1.selectFrom(v8, v9);
        v8 = t8x1;
        FloatVector t10x1 = LO1.selectFrom(v10, v11);
        v11 = HI1.selectFrom(v10, v11);
        v10 = t10x1;
        FloatVector t12x1 = LO1.selectFrom(v12, v13);
        v13 = HI1.selectFrom(v12, v13);
        v12 = t12x1;
        FloatVector t14x1 = LO1.selectFrom(v14, v15);
        v15 = HI1.selectFrom(v14, v15);
        v14 = t14x1;
        // swap the off-diagonal 2 × 2 sub-blocks of each 4 × 4 block
        FloatVector t0x2 = LO2.selectFrom(v0, v2);
        v2 = HI2.selectFrom(v0, v2);
        v0 = t0x2;
        FloatVector t1x2 = LO2.selectFrom(v1, v3);
        v3 = HI2.selectFrom(v1, v3);
        v1 = t1x2;
        FloatVector t4x2 = LO2.selectFrom(v4, v6);
        v6 = HI2.selectFrom(v4, v6);
        v4 = t4x2;
        FloatVector t5x2 = LO2.selectFrom(v5, v7);
        v7 = HI2.selectFrom(v5, v7);
        v5 = t5x2;
        FloatVector t8x2 = LO2.selectFrom(v8, v10);
        v10 = HI2.selectFrom(v8, v10);
        v8 = t8x2;
        FloatVector t9x2 = LO2.selectFrom(v9, v11);
        v11 = HI2.selectFrom(v9, v11);
        v9 = t9x2;
        FloatVector t12x2 = LO2.selectFrom(v12, v14);
        v14 = HI2.selectFrom(v12, v14);
        v12 = t12x2;
        FloatVector t13x2 = LO2.selectFrom(v13, v15);
        v15 = HI2.selectFrom(v13, v15);
        v13 = t13x2;
        // swap the off-diagonal 4 × 4 sub-blocks of each 8 × 8 block
        FloatVector t0x4 = LO4.selectFrom(v0, v4);
        v4 = HI4.selectFrom(v0, v4);
        v0 = t0x4;
        FloatVector t1x4 = LO4.selectFrom(v1, v5);
        v5 = HI4.selectFrom(v1, v5);
        v1 = t1x4;
        FloatVector t2x4 = LO4.selectFrom(v2, v6);
        v6 = HI4.selectFrom(v2, v6);
        v2 = t2x4;
        FloatVector t3x4 = LO4.selectFrom(v3, v7);
        v7 = HI4.selectFrom(v3, v7);
        v3 = t3x4;
        FloatVector t8x4 = LO4.selectFrom(v8, v12);
        v12 = HI4.selectFrom(v8, v12);
        v8 = t8x4;
        FloatVector t9x4 = LO4.selectFrom(v9, v13);
        v13 = HI4.selectFrom(v9, v13);
        v9 = t9x4;
        FloatVector t10x4 = LO4.selectFrom(v10, v14);
        v14 = HI4.selectFrom(v10, v14);
        v10 = t10x4;
        FloatVector t11x4 = LO4.selectFrom(v11, v15);
        v15 = HI4.selectFrom(v11, v15);
        v11 = t11x4;
        // swap the off-diagonal 8 × 8 sub-blocks of each 16 × 16 block
        FloatVector t0x8 = LO8.selectFrom(v0, v8);
        v8 = HI8.selectFrom(v0, v8);
        v0 = t0x8;
        FloatVector t1x8 = LO8.selectFrom(v1, v9);
        v9 = HI8.selectFrom(v1, v9);
        v1 = t1x8;
        FloatVector t2x8 = LO8.selectFrom(v2, v10);
        v10 = HI8.selectFrom(v2, v10);
        v2 = t2x8;
        FloatVector t3x8 = LO8.selectFrom(v3, v11);
        v11 = HI8.selectFrom(v3, v11);
        v3 = t3x8;
        FloatVector t4x8 = LO8.selectFrom(v4, v12);
        v12 = HI8.selectFrom(v4, v12);
        v4 = t4x8;
        FloatVector t5x8 = LO8.selectFrom(v5, v13);
        v13 = HI8.selectFrom(v5, v13);
        v5 = t5x8;
        FloatVector t6x8 = LO8.selectFrom(v6, v14);
        v14 = HI8.selectFrom(v6, v14);
        v6 = t6x8;
        FloatVector t7x8 = LO8.selectFrom(v7, v15);
        v15 = HI8.selectFrom(v7, v15);
        v7 = t7x8;
        v0.intoArray(dst, d + 0 * ld);
        v1.intoArray(dst, d + 1 * ld);
        v2.intoArray(dst, d + 2 * ld);
        v3.intoArray(dst, d + 3 * ld);
        v4.intoArray(dst, d + 4 * ld);
        v5.intoArray(dst, d + 5 * ld);
        v6.intoArray(dst, d + 6 * ld);
        v7.intoArray(dst, d + 7 * ld);
        v8.intoArray(dst, d + 8 * ld);
        v9.intoArray(dst, d + 9 * ld);
        v10.intoArray(dst, d + 10 * ld);
        v11.intoArray(dst, d + 11 * ld);
        v12.intoArray(dst, d + 12 * ld);
        v13.intoArray(dst, d + 13 * ld);
        v14.intoArray(dst, d + 14 * ld);
        v15.intoArray(dst, d + 15 * ld);
    }

    /**
     * The permutes of {@link #block16}'s round for sub-blocks of size b, as two-vector index vectors (lanes 16.. pick
     * from the second): row i keeps its lanes j with j & b == 0 and takes row i + b's lanes j ^ b for the others;
     * row i + b the converse.
     */
    private static FloatVector swapIndex(int b, boolean low) {
        float[] idx = new float[L];
        for (int j = 0; j < L; j++) {
            boolean own = (j & b) == 0;
            idx[j] = low ? (own ? j : (j ^ b) + L) : (own ? j ^ b : j + L);
        }
        return FloatVector.fromArray(S, idx, 0);
    }

    private static final FloatVector LO1 = L == 16 ? swapIndex(1, true) : null, HI1 = L == 16 ? swapIndex(1, false) : null;
    private static final FloatVector LO2 = L == 16 ? swapIndex(2, true) : null, HI2 = L == 16 ? swapIndex(2, false) : null;
    private static final FloatVector LO4 = L == 16 ? swapIndex(4, true) : null, HI4 = L == 16 ? swapIndex(4, false) : null;
    private static final FloatVector LO8 = L == 16 ? swapIndex(8, true) : null, HI8 = L == 16 ? swapIndex(8, false) : null;

    /** The smallest of a[from .. to), to > from: the first key any of those query rows sees. */
    private static int min(int[] a, int from, int to) {
        int m = a[from];
        for (int i = from + 1; i < to; i++) m = Math.min(m, a[i]);
        return m;
    }

    /** The largest of a[from .. to), to > from: the last key any of those query rows sees. */
    private static int max(int[] a, int from, int to) {
        int m = a[from];
        for (int i = from + 1; i < to; i++) m = Math.max(m, a[i]);
        return m;
    }

    private static int roundUp(int x, int to) {
        return (x + to - 1) / to * to;
    }

    private static float[] work(int slot, int size) {
        float[][] w = WORK.get();
        if (w[slot].length < size) w[slot] = new float[Math.max(size, w[slot].length + w[slot].length / 2)];
        return w[slot];
    }
}
