package tagllm.tokenizer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A text transformation applied to each part of the input between added tokens, before pre-tokenization. */
sealed interface Normalizer {
    String normalize(String s);

    /** Prepends a string to non-empty text (the "▁" of SentencePiece-style tokenizers). */
    record Prepend(String prepend) implements Normalizer {
        public String normalize(String s) { return s.isEmpty() ? s : prepend + s; }
    }

    /** Replaces every match of a literal or a regex. */
    record Replace(Pattern pattern, String content) implements Normalizer {
        public String normalize(String s) {
            return pattern.matcher(s).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    /** Unicode normalization form NFC, NFD, NFKC or NFKD. */
    record Unicode(java.text.Normalizer.Form form) implements Normalizer {
        public String normalize(String s) { return java.text.Normalizer.normalize(s, form); }
    }

    record Lowercase() implements Normalizer {
        public String normalize(String s) { return CharClasses.lowercase(s); }
    }

    /** Removes leading and/or trailing Unicode whitespace. */
    record Strip(boolean left, boolean right) implements Normalizer {
        public String normalize(String s) {
            int start = 0, end = s.length();
            if (left) while (start < end && CharClasses.isWhiteSpace(s.codePointAt(start))) start += Character.charCount(s.codePointAt(start));
            if (right) while (end > start && CharClasses.isWhiteSpace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
            return s.substring(start, end);
        }
    }

    /** Removes combining marks (meant to follow NFD/NFKD). */
    record StripAccents() implements Normalizer {
        public String normalize(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            s.codePoints().filter(cp -> !CharClasses.isCombiningMark(cp)).forEach(sb::appendCodePoint);
            return sb.toString();
        }
    }

    /** Writes each UTF-8 byte as its GPT-2 byte-level character. */
    record ByteLevel() implements Normalizer {
        public String normalize(String s) { return s.isEmpty() ? s : ByteLevelAlphabet.encode(s); }
    }

    /** SentencePiece's NMT normalization: drops control characters, maps odd spaces to ' '. */
    record Nmt() implements Normalizer {
        public String normalize(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            s.codePoints().forEach(cp -> {
                if ((cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F || cp == 0x8F || cp == 0x9F) return;
                boolean space = cp == 0x09 || cp == 0x0A || cp == 0x0C || cp == 0x0D || cp == 0x1680
                        || (cp >= 0x200B && cp <= 0x200F) || cp == 0x2028 || cp == 0x2029 || cp == 0x2581
                        || cp == 0xFEFF || cp == 0xFFFD;
                sb.appendCodePoint(space ? ' ' : cp);
            });
            return sb.toString();
        }
    }

    record Sequence(List<Normalizer> normalizers) implements Normalizer {
        public String normalize(String s) {
            for (Normalizer n : normalizers) s = n.normalize(s);
            return s;
        }
    }
}
