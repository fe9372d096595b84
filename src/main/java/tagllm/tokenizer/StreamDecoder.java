package tagllm.tokenizer;

/**
 * Decodes a stream of ids piece by piece so that the concatenated output equals decoding all ids at
 * once. Decoders depend on context (Strip drops the first leading space, byte-fallback and byte-level
 * pieces form characters only together), so each step decodes a short window of recent ids and returns
 * what it adds beyond the text the window's older ids already produced. Text ending in an incomplete
 * character (U+FFFD) is held back until the character completes, as tokenizers' DecodeStream does, and so is
 * a trailing run of byte-fallback pieces ({@code <0xNN>}): such a run decodes as one, its characters when its
 * bytes are valid UTF-8 and one U+FFFD per byte when not, so a later byte can turn text already valid (".z")
 * into U+FFFD. Not thread-safe: one per generation.
 */
public final class StreamDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private int[] ids = new int[0];
    private String prefix = "";
    private int prefixIndex;

    StreamDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /**
     * Takes {@code context} (a prompt the user already has) as text already shown: later pushes return only what
     * follows it, decoded in its context (so a continuation keeps the space it starts with). Unlike pushing the
     * ids and dropping what push returns, this also counts a byte-fallback run the context ends with (a prompt
     * ending in characters that are not pieces, such as CJK or emoji) as shown, where push holds it back.
     */
    public void primeWith(int[] context) {
        for (int id : context) push(id);
        prefix = tokenizer.decode(ids, skipSpecialTokens);
    }

    /** The text newly completed by {@code id}: "" while a multi-byte character or a byte-fallback run is open. */
    public String push(int id) {
        ids = java.util.Arrays.copyOf(ids, ids.length + 1);
        ids[ids.length - 1] = id;
        // a skipped special token is dropped before decoding, so it does not end a byte run either
        if (tokenizer.isBytePiece(id) || skipSpecialTokens && tokenizer.isSpecial(id)) return "";
        String text = tokenizer.decode(ids, skipSpecialTokens);
        if (text.length() <= prefix.length() || text.endsWith("\uFFFD")) return "";
        String added = newText(text);
        // the window keeps the ids of the text just returned: they are the context of the next ones and start after
        // a piece that ended every run before them
        int newPrefixIndex = ids.length - prefixIndex;
        ids = java.util.Arrays.copyOfRange(ids, prefixIndex, ids.length);
        prefix = tokenizer.decode(ids, skipSpecialTokens);
        prefixIndex = newPrefixIndex;
        return added;
    }

    /** Whatever is still held back (an incomplete character comes out as U+FFFD), then starts afresh. */
    public String flush() {
        String rest = "";
        if (ids.length > 0) {
            String text = tokenizer.decode(ids, skipSpecialTokens);
            if (text.length() > prefix.length()) rest = newText(text);
        }
        ids = new int[0];
        prefix = "";
        prefixIndex = 0;
        return rest;
    }

    /** What {@code text} adds to the prefix; decoders here only ever extend it, but stay safe if one does not. */
    private String newText(String text) {
        if (text.startsWith(prefix)) return text.substring(prefix.length());
        int common = 0;
        while (common < prefix.length() && common < text.length() && prefix.charAt(common) == text.charAt(common)) common++;
        return text.substring(common);
    }
}
