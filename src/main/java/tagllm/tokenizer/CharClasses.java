package tagllm.tokenizer;

/**
 * The character predicates of the Hugging Face tokenizers library (Rust's {@code char} methods and the
 * Unicode {@code \w}/{@code \s} of its regex crate), which differ from {@link Character}'s own:
 * Rust's whitespace is the Unicode White_Space property, Java's isWhitespace is not.
 */
final class CharClasses {
    private CharClasses() {}

    /** Unicode White_Space (Rust {@code char::is_whitespace}, regex {@code \s}). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** Rust {@code char::is_numeric}: general category Nd, Nl or No. */
    static boolean isNumeric(int cp) {
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** ASCII punctuation or any Unicode P* category, as the Punctuation pre-tokenizer defines it. */
    static boolean isPunctuation(int cp) {
        if (cp < 0x80) return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) || (cp >= 0x7B && cp <= 0x7E);
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** Unicode regex {@code \w}: Alphabetic, marks, decimal digits, connector punctuation, joiners. */
    static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp)) return true;
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> cp == 0x200C || cp == 0x200D;
        };
    }

    /** A combining mark (general category M), the characters StripAccents removes. */
    static boolean isCombiningMark(int cp) {
        int t = Character.getType(cp);
        return t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK || t == Character.COMBINING_SPACING_MARK;
    }

    /**
     * Lowercases code point by code point like Rust's {@code char::to_lowercase}: no context rules
     * (a final sigma stays σ, unlike {@link String#toLowerCase}), and İ becomes i + combining dot.
     */
    static String lowercase(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0x130) sb.append("i\u0307");
            else sb.appendCodePoint(Character.toLowerCase(cp));
        }
        return sb.toString();
    }
}
