package tagllm.tag;

/** Writes the frozen input embedding of a token into dst[off .. off+hidden). */
@FunctionalInterface
public interface Embedder {
    void embed(int tokenId, float[] dst, int off);
}
