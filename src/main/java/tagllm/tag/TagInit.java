package tagllm.tag;

import tagllm.tensor.Matrix;

/**
 * The paper's initialisation (§3.1): the mean token embedding v̂, rescaled so its norm is the mean
 * token norm, stacked p times. Starting from an "average token" keeps the first forward passes in the
 * range of activations the frozen model was trained on.
 */
public final class TagInit {
    private TagInit() {}

    /** Mean over the vocabulary of the embedding rows (computed in double). */
    public static float[] meanEmbedding(Matrix embed) {
        int v = embed.rows(), d = embed.cols();
        double[] sum = new double[d];
        float[] row = new float[d];
        for (int r = 0; r < v; r++) {
            embed.row(r, row, 0);
            for (int k = 0; k < d; k++) sum[k] += row[k];
        }
        float[] mean = new float[d];
        for (int k = 0; k < d; k++) mean[k] = (float) (sum[k] / v);
        return mean;
    }

    /** Mean over the vocabulary of the row norms ‖v‖. */
    public static double meanNorm(Matrix embed) {
        int v = embed.rows(), d = embed.cols();
        float[] row = new float[d];
        double total = 0;
        for (int r = 0; r < v; r++) {
            embed.row(r, row, 0);
            double s = 0;
            for (int k = 0; k < d; k++) s += (double) row[k] * row[k];
            total += Math.sqrt(s);
        }
        return total / v;
    }

    /** v̂ · (mean ‖v‖ / ‖v̂‖): one vector of the hidden size. */
    public static float[] initialVector(Matrix embed) {
        float[] mean = meanEmbedding(embed);
        double n = 0;
        for (float x : mean) n += (double) x * x;
        n = Math.sqrt(n);
        if (n == 0) throw new IllegalArgumentException("the mean token embedding is zero: cannot rescale it to the mean token norm");
        double scale = meanNorm(embed) / n;
        float[] out = new float[mean.length];
        for (int k = 0; k < out.length; k++) out[k] = (float) (mean[k] * scale);
        return out;
    }

    /**
     * p slots copied from token embeddings: slot p-1 is the last id, slot p-2 the one before, and so on;
     * when there are fewer than p ids the earliest one fills the remaining front slots. Used to start a
     * function tag as a copy of the prompt words before it (prompt tuning's text initialisation).
     */
    public static Tag fromTokens(String name, TagKind kind, int length, Matrix embed, int[] ids) {
        if (ids.length == 0) throw new IllegalArgumentException("tag " + name + ": no token ids to initialise it from");
        int d = embed.cols();
        float[] values = new float[length * d];
        for (int j = 0; j < length; j++) {
            int k = Math.max(0, ids.length - length + j);
            int id = ids[k];
            if (id < 0 || id >= embed.rows()) {
                throw new IllegalArgumentException("tag " + name + ": token id " + id + " is outside the vocabulary (0.." + (embed.rows() - 1) + ")");
            }
            embed.row(id, values, j * d);
        }
        return new Tag(name, kind, length, d, values);
    }

    public static Tag newTag(String name, TagKind kind, int length, Matrix embed) {
        return newTag(name, kind, length, initialVector(embed));
    }

    public static Tag newTag(String name, TagKind kind, int length, float[] initialVector) {
        int d = initialVector.length;
        float[] values = new float[length * d];
        for (int j = 0; j < length; j++) System.arraycopy(initialVector, 0, values, j * d, d);
        return new Tag(name, kind, length, d, values);
    }
}
