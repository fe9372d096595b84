package tagllm.model;

import tagllm.tensor.Attention;
import tagllm.tensor.FloatArrayPool;

/**
 * What one decoder layer computes and keeps for its backward: its share of the pass's activations (llm.c's
 * ActivationTensors, per layer). Names follow {@link DecoderLayer}'s formulas.
 *
 * <p>xIn, rstd1, k and v cover every row (k and v from row kvBase: a KV cache's next position, 0 in a pass); xMid,
 * rstd2, q, lse, gate, up and xOut only the layer's query rows ({@link QueryRows}, indexed by query index). xIn,
 * xMid and xOut may be one array (the layer runs in place) or distinct (kept for backward; xOut is then the next
 * layer's xIn).
 */
final class LayerActivations {
    /** Rows of the layer's input. */
    final int rows;
    /** x_in, x_mid = x_in + attention, x_out = x_mid + MLP: the residual stream (rows × hidden). */
    final float[] xIn, xMid, xOut;
    /** 1/rms of x_in and of x_mid, per row. */
    final float[] rstd1, rstd2;
    /** q after RoPE (query rows × qDim), k after RoPE and v (rows × kvDim, from row kvBase). */
    final float[] q, k, v;
    final int kvBase;
    /** Log-sum-exp of each query row's scaled scores, per head (query rows × heads). */
    final float[] lse;
    /**
     * gate(h2) and up(h2), the MLP's inputs to SwiGLU (query rows × intermediate), as {@link #mlpInputs} says:
     * two float arrays, or (BF16_PAIRS) both in gate as BF16 pairs ({@link tagllm.tensor.SwiGlu#forwardKeepingPairs})
     * with up null.
     */
    final float[] gate, up;
    final MlpInputs mlpInputs;

    /** How a layer keeps gate(h2) and up(h2) for its backward. */
    enum MlpInputs {
        /** As floats in gate and up (layers computing in F32, and any layer whose forward is not fused). */
        FLOATS,
        /**
         * Rounded to BF16, both in one float array of pairs: a layer computing in BF16, whose products round their
         * operands to BF16 anyway. Half the bytes (190 MB of SmolLM2-135M's 627 MB of activations at 8 × 128).
         */
        BF16_PAIRS,
        /** Not at all: no backward follows (gate and up are scratch for a forward that is not fused). */
        NONE
    }

    LayerActivations(int rows, float[] xIn, float[] xMid, float[] xOut, float[] rstd1, float[] rstd2, float[] q,
                     float[] k, float[] v, int kvBase, float[] lse, float[] gate, float[] up, MlpInputs mlpInputs) {
        this.rows = rows;
        this.xIn = xIn;
        this.xMid = xMid;
        this.xOut = xOut;
        this.rstd1 = rstd1;
        this.rstd2 = rstd2;
        this.q = q;
        this.k = k;
        this.v = v;
        this.kvBase = kvBase;
        this.lse = lse;
        this.gate = gate;
        this.up = up;
        this.mlpInputs = mlpInputs;
        if ((up == null) != (mlpInputs == MlpInputs.BF16_PAIRS)) throw new IllegalArgumentException("up " + (up == null ? "missing" : "given") + " for " + mlpInputs);
    }

    /**
     * A layer's arrays from the pool (stale contents: the forward writes every element it reads), the residual
     * arrays given: rows input rows, queryRows of them queried.
     */
    static LayerActivations pooled(int rows, int queryRows, float[] xIn, float[] xMid, float[] xOut, ModelConfig c,
                                   FloatArrayPool pool, MlpInputs mlpInputs) {
        int ffn = c.intermediateSize();
        return new LayerActivations(rows, xIn, xMid, xOut, pool.takeAtLeast(rows), pool.takeAtLeast(queryRows),
                pool.takeAtLeast(queryRows, c.qDim()), pool.takeAtLeast(rows, c.kvDim()),
                pool.takeAtLeast(rows, c.kvDim()), 0, pool.takeAtLeast(queryRows, c.numHeads()),
                pool.takeAtLeast(queryRows, ffn), mlpInputs == MlpInputs.BF16_PAIRS ? null : pool.takeAtLeast(queryRows, ffn), mlpInputs);
    }

    /** The same arrays with keys and values in a KV cache's layer, the new rows from position kvBase. */
    LayerActivations withCache(float[] keys, float[] values, int base) {
        return new LayerActivations(rows, xIn, xMid, xOut, rstd1, rstd2, q, keys, values, base, lse, gate, up, mlpInputs);
    }

    /** q, k and v as the attention kernels take them. */
    Attention.Qkv qkv() { return new Attention.Qkv(q, k, v); }

    /** Every array, for pool accounting (shared ones appear more than once). */
    float[][] arrays() {
        return up == null ? new float[][]{xIn, xMid, xOut, rstd1, rstd2, q, k, v, lse, gate}
                : new float[][]{xIn, xMid, xOut, rstd1, rstd2, q, k, v, lse, gate, up};
    }
}
