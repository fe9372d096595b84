package tagllm.tokenizer;

/**
 * UTF-8 decoding with Rust's semantics: {@link #decodeLossy} replaces each maximal invalid subpart
 * with one U+FFFD (as {@code String::from_utf8_lossy}), {@link #decodeStrict} rejects invalid input
 * (as {@code String::from_utf8}). Written out because the decoders' output must match byte for byte.
 */
final class Utf8 {
    private Utf8() {}

    static final char REPLACEMENT = '\uFFFD';

    /** The text, or null when the bytes are not valid UTF-8. */
    static String decodeStrict(byte[] bytes, int length) {
        StringBuilder sb = new StringBuilder(length);
        return decode(bytes, length, sb, true) ? sb.toString() : null;
    }

    static String decodeLossy(byte[] bytes, int length) {
        StringBuilder sb = new StringBuilder(length);
        decode(bytes, length, sb, false);
        return sb.toString();
    }

    /** Appends the decoded text; returns false at the first error when strict. */
    private static boolean decode(byte[] b, int n, StringBuilder out, boolean strict) {
        int i = 0;
        while (i < n) {
            int lead = b[i] & 0xFF;
            if (lead < 0x80) {
                out.append((char) lead);
                i++;
                continue;
            }
            int need;
            int lo = 0x80, hi = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) need = 1;
            else if (lead == 0xE0) { need = 2; lo = 0xA0; }
            else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) need = 2;
            else if (lead == 0xED) { need = 2; hi = 0x9F; }
            else if (lead == 0xF0) { need = 3; lo = 0x90; }
            else if (lead >= 0xF1 && lead <= 0xF3) need = 3;
            else if (lead == 0xF4) { need = 3; hi = 0x8F; }
            else {
                if (strict) return false;
                out.append(REPLACEMENT);
                i++;
                continue;
            }
            int cp = lead & (0x3F >> need);
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= n) { ok = false; break; }
                int c = b[j] & 0xFF;
                int min = k == 0 ? lo : 0x80, max = k == 0 ? hi : 0xBF;
                if (c < min || c > max) { ok = false; break; }
                cp = (cp << 6) | (c & 0x3F);
            }
            if (!ok) {
                if (strict) return false;
                out.append(REPLACEMENT);  // the lead byte and the valid continuation bytes seen so far
                i = j;
                continue;
            }
            out.appendCodePoint(cp);
            i = j;
        }
        return true;
    }
}
