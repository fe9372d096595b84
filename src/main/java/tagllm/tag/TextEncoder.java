package tagllm.tag;

/**
 * What template rendering needs from a tokenizer: ids of one text part without special tokens
 * (a SentencePiece tokenizer still prepends its own "▁" to the part), and the BOS/EOS ids.
 */
public interface TextEncoder {
    int[] encodePart(String text);

    /** -1 when the tokenizer has none. */
    int bosId();

    /** -1 when the tokenizer has none. */
    int eosId();
}
