package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention of one query row and head over a contiguous range of key rows [lo, hi] — the per-row
 * mask (causal, packed sequences, domain isolation, sliding window) is entirely in that range. K and V rows hold
 * every kv head side by side; query head h reads kv head h / group. The forward stores the log-sum-exp of the
 * scaled scores so the backward can recompute the probabilities instead of storing a rows × keys matrix per head.
 * {@link BlockAttention} computes the same for blocks of rows as matrix products.
 */
public final class Attention {
    private Attention() {}

    /**
     * The head layout: {@code heads} query heads and {@code kvHeads} key/value heads of width {@code headDim}; a query
     * row has qDim() values, a key or value row kvDim().
     */
    public record Heads(int heads, int kvHeads, int headDim) {
        public int group() { return heads / kvHeads; }

        public int qDim() { return heads * headDim; }

        public int kvDim() { return kvHeads * headDim; }

        /** 1/√headDim, the score scale. */
        public float scale() { return (float) (1.0 / Math.sqrt(headDim)); }
    }

    /** Q (query rows × qDim), K and V (key rows × kvDim): an attention's inputs, or their gradients. */
    public record Qkv(float[] q, float[] k, float[] v) {}

    /** Query row i sees the key rows [lo[i], hi[i]] (absolute rows of K and V). */
    public record KeyRanges(int[] lo, int[] hi) {}

    /**
     * Where a backward's gradients land: query row i's dOut and dq at row query[i], key row j's dk and dv at row
     * key[j], none where that is -1 (rows before the first trainable one). A null map is the identity.
     */
    public record GradientRows(int[] query, int[] key) {
        public static final GradientRows IDENTITY = new GradientRows(null, null);

        int queryRow(int i) { return query == null ? i : query[i]; }

        int keyRow(int j) { return key == null ? j : key[j]; }
    }

    /**
     * out = Σ_j p_j v_j with p = softmax(scale · q·k_j), j ∈ [lo[i], hi[i]], for query row i and head h; the output
     * row and head have q's layout. lse[i·heads + h] = log Σ_j exp(scale · q·k_j). scores: scratch of at least
     * hi − lo + 1 floats.
     */
    public static void forward(Heads s, Qkv x, KeyRanges keys, int i, int h, float[] lse, float[] out, float[] scores) {
        int hd = s.headDim(), kvStride = s.kvDim(), kvCol = (h / s.group()) * hd, qOff = i * s.qDim() + h * hd;
        int lo = keys.lo()[i], n = keys.hi()[i] - lo + 1;
        float scale = s.scale();
        dots(x.q(), qOff, x.k(), lo * kvStride + kvCol, kvStride, n, hd, scores, 0);
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            float sc = scale * scores[j];
            scores[j] = sc;
            if (sc > max) max = sc;
        }
        float sum = 0f;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }
        java.util.Arrays.fill(out, qOff, qOff + hd, 0f);
        float inv = 1f / sum;
        for (int j = 0; j < n; j++) {
            VectorOps.axpy(scores[j] * inv, x.v(), (lo + j) * kvStride + kvCol, out, qOff, hd);
        }
        lse[i * s.heads() + h] = max + (float) Math.log(sum);
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ThreadLocal<float[][]> LANES = ThreadLocal.withInitial(
            () -> new float[][]{new float[BlockAttention.LANE_ROWS * L], new float[BlockAttention.LANE_ROWS * L]});

    /**
     * out[at + j] = {@link VectorOps#dot}(a from aOff, row j of b, hd) for the n rows of b at bOff + j·stride, with its
     * bits. With 16 lanes, 16 rows at a time leave their lane sums in a buffer that one transpose and vertical adds
     * reduce ({@link BlockAttention#rowSums}): a horizontal reduction per key cost a fifth of a 128-key row's attention.
     */
    static void dots(float[] a, int aOff, float[] b, int bOff, int stride, int n, int hd, float[] out, int at) {
        int j = 0;
        int full = hd - hd % L;
        if (L == 16 && full > 0) {
            float[][] work = LANES.get();
            float[] buf = work[0];
            for (; j + 16 <= n; j += 16) {
                for (int r = 0; r < 16; r++) {
                    int row = bOff + (j + r) * stride;
                    FloatVector acc = FloatVector.zero(S);
                    for (int i = 0; i < full; i += L) acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, row + i), acc);
                    acc.intoArray(buf, r * L);
                }
                BlockAttention.rowSums(buf, 16, work[1], out, at + j);
                for (int r = 0; r < 16; r++) {
                    int row = bOff + (j + r) * stride;
                    float sum = out[at + j + r];
                    for (int i = full; i < hd; i++) sum += a[aOff + i] * b[row + i];
                    out[at + j + r] = sum;
                }
            }
        }
        for (; j < n; j++) out[at + j] = VectorOps.dot(a, aOff, b, bOff + j * stride, hd);
    }

    /**
     * Backward of {@link #forward} for query row i and head h, given dOut: writes dq (overwriting) and adds into dk
     * and dv of every key j that has a gradient row. With p_j recomputed from lse, dp_j = dOut·v_j,
     * ds_j = p_j (dp_j − Σ_i p_i dp_i): dq = scale Σ ds_j k_j, dk_j += scale ds_j q, dv_j += p_j dOut.
     * scores: scratch of at least 2 (hi − lo + 1) floats.
     */
    public static void backward(Heads s, Qkv x, KeyRanges keys, float[] lse, int i, int h, float[] dOut, Qkv d,
                                GradientRows into, float[] scores) {
        int hd = s.headDim(), kvStride = s.kvDim(), kvCol = (h / s.group()) * hd, qOff = i * s.qDim() + h * hd;
        int gOff = into.queryRow(i) * s.qDim() + h * hd;
        int lo = keys.lo()[i], n = keys.hi()[i] - lo + 1;
        float scale = s.scale(), l = lse[i * s.heads() + h];
        // scores[0..n) holds p, scores[n..2n) holds dp
        dots(x.q(), qOff, x.k(), lo * kvStride + kvCol, kvStride, n, hd, scores, 0);
        dots(dOut, gOff, x.v(), lo * kvStride + kvCol, kvStride, n, hd, scores, n);
        float pdp = 0f;
        for (int j = 0; j < n; j++) {
            float p = (float) Math.exp(scale * scores[j] - l);
            scores[j] = p;
            pdp += p * scores[n + j];
        }
        java.util.Arrays.fill(d.q(), gOff, gOff + hd, 0f);
        for (int j = 0; j < n; j++) {
            int key = lo + j;
            float p = scores[j];
            float ds = p * (scores[n + j] - pdp);
            VectorOps.axpy(scale * ds, x.k(), key * kvStride + kvCol, d.q(), gOff, hd);
            int row = into.keyRow(key);
            if (row >= 0) {
                int dr = row * kvStride + kvCol;
                VectorOps.axpy(scale * ds, x.q(), qOff, d.k(), dr, hd);
                VectorOps.axpy(p, dOut, gOff, d.v(), dr, hd);
            }
        }
    }
}
