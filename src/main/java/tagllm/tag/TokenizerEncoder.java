package tagllm.tag;

import tagllm.tokenizer.Tokenizer;

/** A Hugging Face tokenizer as a template encoder: each part encoded alone, without special tokens. */
public record TokenizerEncoder(Tokenizer tokenizer) implements TextEncoder {
    @Override
    public int[] encodePart(String text) { return tokenizer.encode(text, false); }

    @Override
    public int bosId() { return tokenizer.bosId(); }

    @Override
    public int eosId() { return tokenizer.eosId(); }
}
