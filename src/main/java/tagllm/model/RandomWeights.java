package tagllm.model;

import tagllm.tensor.Matrix;

import java.util.SplittableRandom;

/**
 * Random weights for a config (tests, benchmarks): embeddings N(0, 0.5²), input projections N(0, 1/fan_in),
 * output projections (o, down) N(0, 0.25/fan_in), norm weights 1 + N(0, 0.1²), biases N(0, 0.1²) — a scale at
 * which every layer matters and nothing saturates. Deterministic for a seed.
 */
public final class RandomWeights {
    private RandomWeights() {}

    public static Weights of(ModelConfig c, long seed, boolean bf16) { return of(c, seed, bf16, false); }

    /**
     * The weights of {@code of(c, seed, true).withBf16Compute()}, drawn straight into BF16 compute's one copy of each
     * projection ({@link Matrix#bf16Compute}): Java's panels of them are never held, so a benchmark's peak memory is
     * that of the weights it computes with.
     */
    public static Weights bf16Compute(ModelConfig c, long seed) { return of(c, seed, true, true); }

    private static Weights of(ModelConfig c, long seed, boolean bf16, boolean compute) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int d = c.hiddenSize(), q = c.qDim(), kv = c.kvDim(), f = c.intermediateSize();
        // a tied embedding is the head: with compute, drawn straight into its one copy
        Matrix embed = matrix(c.vocabSize(), d, 0.5, bf16, compute && c.tieWordEmbeddings(), rnd);
        LayerWeights[] layers = new LayerWeights[c.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            boolean bias = c.attentionBias();
            layers[l] = new LayerWeights(
                    norm(d, rnd),
                    matrix(q, d, 1 / Math.sqrt(d), bf16, compute, rnd),
                    matrix(kv, d, 1 / Math.sqrt(d), bf16, compute, rnd),
                    matrix(kv, d, 1 / Math.sqrt(d), bf16, compute, rnd),
                    matrix(d, q, 0.5 / Math.sqrt(q), bf16, compute, rnd),
                    bias ? vector(q, 0.1, rnd) : null,
                    bias ? vector(kv, 0.1, rnd) : null,
                    bias ? vector(kv, 0.1, rnd) : null,
                    norm(d, rnd),
                    matrix(f, d, 1 / Math.sqrt(d), bf16, compute, rnd),
                    matrix(f, d, 1 / Math.sqrt(d), bf16, compute, rnd),
                    matrix(d, f, 0.5 / Math.sqrt(f), bf16, compute, rnd));
        }
        Matrix head = c.tieWordEmbeddings() ? embed : matrix(c.vocabSize(), d, 2 / Math.sqrt(d), bf16, compute, rnd);
        return new Weights(c, embed, layers, norm(d, rnd), head);
    }

    /**
     * Drawn row by row (the same values, in the same order, as one long vector) straight into the packed matrix, or
     * with compute into BF16 compute's layout.
     */
    private static Matrix matrix(int rows, int cols, double std, boolean bf16, boolean compute, SplittableRandom rnd) {
        if (compute) {
            return Matrix.bf16Compute(rows, cols, (r, dst) -> {
                for (int c = 0; c < cols; c++) dst[c] = SafeTensorsWriter.toBf16((float) (rnd.nextGaussian() * std));
            });
        }
        if (!bf16) {
            return Matrix.f32(rows, cols, (r, dst) -> {
                for (int c = 0; c < cols; c++) dst[c] = (float) (rnd.nextGaussian() * std);
            });
        }
        return Matrix.bf16(rows, cols, (r, dst) -> {
            for (int c = 0; c < cols; c++) dst[c] = SafeTensorsWriter.toBf16((float) (rnd.nextGaussian() * std));
        });
    }

    private static float[] norm(int n, SplittableRandom rnd) {
        float[] a = vector(n, 0.1, rnd);
        for (int i = 0; i < n; i++) a[i] += 1f;
        return a;
    }

    private static float[] vector(int n, double std, SplittableRandom rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * std);
        return a;
    }

}
