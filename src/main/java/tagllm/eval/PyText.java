package tagllm.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The few Python {@code str} operations sacreBLEU relies on, with Python's exact semantics: whitespace is
 * {@code str.isspace()} (which, unlike {@link Character#isWhitespace}, includes no-break spaces and U+0085),
 * and strings are sequences of code points, not UTF-16 units. Scores only match sacreBLEU bit for bit if
 * these agree.
 */
final class PyText {
    private PyText() {}

    /** Python's {@code str.isspace()} for one code point. */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || cp == 0x85 || cp == 0xA0 || cp == 0x2007 || cp == 0x202F;
    }

    /** Python's {@code s.split()}: runs of whitespace separate, leading/trailing whitespace ignored. */
    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int i = 0, n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            int start = i;
            while (i < n && !isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            if (i > start) out.add(s.substring(start, i));
        }
        return out;
    }

    /** Python's {@code s.rstrip()}. */
    static String rstrip(String s) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!isSpace(cp)) break;
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    /** Python's {@code ''.join(s.split())}: the string with all whitespace removed. */
    static String removeSpaces(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().filter(cp -> !isSpace(cp)).forEach(b::appendCodePoint);
        return b.toString();
    }
}
