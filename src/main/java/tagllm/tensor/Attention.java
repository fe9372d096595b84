package tagllm.tensor;

/**
 * Scaled dot-product attention of one query head over a contiguous range of key rows [lo, hi] — the per-row mask
 * (causal, packed sequences, domain isolation, sliding window) is entirely in that range. K and V rows are
 * strided (all kv heads of a position side by side); the head's columns start at kvCol.
 * The forward returns the log-sum-exp of the scaled scores so the backward can recompute the probabilities
 * instead of storing a rows × keys matrix per head.
 */
public final class Attention {
    private Attention() {}

    /**
     * out[outOff..+headDim) = Σ_j p_j v_j with p = softmax(scale · q·k_j), j ∈ [lo, hi]; returns log Σ_j exp(scale · q·k_j).
     * scores is scratch of at least hi − lo + 1 floats.
     */
    public static float forward(float[] q, int qOff, float[] k, float[] v, int kvStride, int kvCol, int lo, int hi,
                                int headDim, float scale, float[] scores, float[] out, int outOff) {
        int n = hi - lo + 1;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            float s = scale * VectorOps.dot(q, qOff, k, (lo + j) * kvStride + kvCol, headDim);
            scores[j] = s;
            if (s > max) max = s;
        }
        float sum = 0f;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }
        java.util.Arrays.fill(out, outOff, outOff + headDim, 0f);
        float inv = 1f / sum;
        for (int j = 0; j < n; j++) {
            VectorOps.axpy(scores[j] * inv, v, (lo + j) * kvStride + kvCol, out, outOff, headDim);
        }
        return max + (float) Math.log(sum);
    }

    /**
     * Backward of {@link #forward} for one query head, given dOut: writes dq (overwriting) and adds into dk/dv
     * of every key j with keyRow[j] ≥ 0 (keys mapped to -1 — rows before the first trainable one — get none;
     * keyRow null means identity). dk/dv rows have stride dkvStride, the head's columns at kvCol.
     * With p_j recomputed from lse, dp_j = dOut·v_j, ds_j = p_j (dp_j − Σ_i p_i dp_i):
     * dq = scale Σ ds_j k_j, dk_j += scale ds_j q, dv_j += p_j dOut.
     */
    public static void backward(float[] q, int qOff, float[] k, float[] v, int kvStride, int kvCol, int lo, int hi,
                                int headDim, float scale, float lse, float[] dOut, int dOutOff, float[] scores,
                                float[] dq, int dqOff, float[] dk, float[] dv, int dkvStride, int[] keyRow) {
        int n = hi - lo + 1;
        // scores[0..n) holds p, scores[n..2n) holds dp
        float pdp = 0f;
        for (int j = 0; j < n; j++) {
            int kr = (lo + j) * kvStride + kvCol;
            float p = (float) Math.exp(scale * VectorOps.dot(q, qOff, k, kr, headDim) - lse);
            float dp = VectorOps.dot(dOut, dOutOff, v, kr, headDim);
            scores[j] = p;
            scores[n + j] = dp;
            pdp += p * dp;
        }
        java.util.Arrays.fill(dq, dqOff, dqOff + headDim, 0f);
        for (int j = 0; j < n; j++) {
            int key = lo + j;
            float p = scores[j];
            float ds = p * (scores[n + j] - pdp);
            VectorOps.axpy(scale * ds, k, key * kvStride + kvCol, dq, dqOff, headDim);
            int row = keyRow == null ? key : keyRow[key];
            if (row >= 0) {
                int dr = row * dkvStride + kvCol;
                VectorOps.axpy(scale * ds, q, qOff, dk, dr, headDim);
                VectorOps.axpy(p, dOut, dOutOff, dv, dr, headDim);
            }
        }
    }
}
