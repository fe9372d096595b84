package tagllm.tag;

/**
 * A test-only stand-in for a SentencePiece tokenizer: each part becomes "▁" (id 9601) followed by one
 * id per character (its code point), spaces mapping to "▁" too. Enough to check how a template is cut
 * into parts, without the real tokenizer.
 */
final class FakeEncoder implements TextEncoder {
    static final int META = 0x2581;

    @Override
    public int[] encodePart(String text) {
        String s = "\u2581" + text.replace(' ', '\u2581');
        return s.codePoints().toArray();
    }

    @Override
    public int bosId() { return 1; }

    @Override
    public int eosId() { return 2; }

    static int[] part(String text) { return new FakeEncoder().encodePart(text); }
}
