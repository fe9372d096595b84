package tagllm.data;

/**
 * A source sentence and its translation.
 *
 * @param corpus where the pair comes from (e.g. ntrex128, tatoeba; "" when the file has none)
 * @param origin file and line of the row
 */
public record TranslationPair(String src, String tgt, String corpus, Origin origin) {
    /** The same pair for the reverse direction. */
    public TranslationPair reversed() {
        return new TranslationPair(tgt, src, corpus, origin);
    }
}
