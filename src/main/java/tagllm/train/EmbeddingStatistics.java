package tagllm.train;

import tagllm.model.Transformer;
import tagllm.tag.TagInit;

/**
 * The statistics of the model's token embedding matrix that new tags and heads start from (the paper's init):
 * the mean embedding, and the initial tag vector. Each is computed on first use, once per stage.
 */
final class EmbeddingStatistics {
    private final Transformer model;
    private float[] mean, initialVector;

    EmbeddingStatistics(Transformer model) { this.model = model; }

    /** The mean token embedding (a new head's rows under head init embedding, a classification head's start). */
    float[] mean() {
        if (mean == null) mean = TagInit.meanEmbedding(model.weights().embedTokens());
        return mean;
    }

    /** The vector every position of a new tag starts from (TagInit.initialVector). */
    float[] initialVector() {
        if (initialVector == null) initialVector = TagInit.initialVector(model.weights().embedTokens());
        return initialVector;
    }
}
