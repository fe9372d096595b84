package tagllm.tokenizer;

/**
 * A part of the input on its way through pre-tokenization: its (normalized) text, and whether it
 * begins at the very start of the input (Metaspace's prepend_scheme "first" needs to know).
 */
record Piece(String text, boolean atStart) {}
