package tagllm.tokenizer;

/**
 * GPT-2's reversible byte ↔ printable-character table: bytes that are printable Latin-1 characters
 * map to themselves, the other 68 bytes to U+0100 onwards in byte order, so every byte string becomes
 * a string without spaces or control characters that BPE vocabularies can hold.
 */
final class ByteLevelAlphabet {
    private ByteLevelAlphabet() {}

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x100 + 68];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (0x100 + next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    static char charOf(int unsignedByte) { return BYTE_TO_CHAR[unsignedByte]; }

    /** The byte a character stands for, or -1 when the character is not in the alphabet. */
    static int byteOf(int ch) { return ch >= 0 && ch < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[ch] : -1; }

    /** The UTF-8 bytes of {@code s}, each written as its alphabet character. */
    static String encode(String s) {
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        return new String(out);
    }
}
