package tagllm.tokenizer;

/**
 * An entry of tokenizer.json's added_tokens: matched in the text before the model sees it.
 * {@code normalized}: matched in the normalized text instead of the raw text; {@code lstrip}/{@code rstrip}:
 * swallows the whitespace on that side; {@code singleWord}: only matches when not inside a word;
 * {@code special}: dropped by decode with skip_special_tokens.
 */
record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                  boolean normalized, boolean special) {}
