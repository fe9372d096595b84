package tagllm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Splits normalized text into the pieces ("words") that the model tokenizes independently. */
sealed interface PreTokenizer {
    /** Appends the pieces of {@code piece} to {@code out}. */
    void split(Piece piece, List<Piece> out);

    /** Applies this pre-tokenizer to every piece. */
    default List<Piece> apply(List<Piece> pieces) {
        List<Piece> out = new ArrayList<>(pieces.size() * 2);
        for (Piece p : pieces) split(p, out);
        return out;
    }

    /** GPT-2's pre-tokenization regex, used by ByteLevel when use_regex is true. */
    Pattern GPT2_PATTERN = OnigRegex.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    /**
     * GPT-2 byte-level pre-tokenization: optionally a space in front, the GPT-2 regex split, then
     * every UTF-8 byte written as its byte-level alphabet character.
     */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        public void split(Piece piece, List<Piece> out) {
            String text = piece.text();
            if (addPrefixSpace && !text.startsWith(" ")) text = " " + text;
            Piece p = new Piece(text, piece.atStart());
            List<Piece> parts = new ArrayList<>();
            if (useRegex) SplitBehavior.ISOLATED.split(p, SplitBehavior.regexRanges(GPT2_PATTERN, text, false), parts);
            else if (!text.isEmpty()) parts.add(p);
            for (Piece part : parts) out.add(new Piece(ByteLevelAlphabet.encode(part.text()), part.atStart()));
        }
    }

    /** Splits on a literal or a regex with the given behaviour; invert keeps the matches as the pieces. */
    record Split(Pattern pattern, SplitBehavior behavior, boolean invert) implements PreTokenizer {
        public void split(Piece piece, List<Piece> out) {
            behavior.split(piece, SplitBehavior.regexRanges(pattern, piece.text(), invert), out);
        }
    }

    /** Separates digits from the rest: each digit on its own, or runs of digits together. */
    record Digits(boolean individualDigits) implements PreTokenizer {
        public void split(Piece piece, List<Piece> out) {
            SplitBehavior b = individualDigits ? SplitBehavior.ISOLATED : SplitBehavior.CONTIGUOUS;
            b.split(piece, SplitBehavior.charRanges(CharClasses::isNumeric, piece.text()), out);
        }
    }

    /** SentencePiece's metaspace: spaces become the replacement character, which may start each word. */
    record Metaspace(String replacement, PrependScheme prependScheme, boolean splitWords) implements PreTokenizer {
        enum PrependScheme { ALWAYS, FIRST, NEVER }

        public void split(Piece piece, List<Piece> out) {
            String text = piece.text().replace(" ", replacement);
            boolean prepend = switch (prependScheme) {
                case ALWAYS -> true;
                case FIRST -> piece.atStart();
                case NEVER -> false;
            };
            if (prepend && !text.startsWith(replacement)) text = replacement + text;
            Piece p = new Piece(text, piece.atStart());
            if (!splitWords) {
                if (!text.isEmpty()) out.add(p);
                return;
            }
            int rep = replacement.codePointAt(0);
            SplitBehavior.MERGED_WITH_NEXT.split(p, SplitBehavior.charRanges(cp -> cp == rep, text), out);
        }
    }

    /** Words of \w characters and runs of other non-space characters; whitespace is dropped. */
    record Whitespace() implements PreTokenizer {
        private static final Pattern WORDS = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

        public void split(Piece piece, List<Piece> out) {
            SplitBehavior.REMOVED.split(piece, SplitBehavior.regexRanges(WORDS, piece.text(), true), out);
        }
    }

    /** Splits on whitespace, dropping it. */
    record WhitespaceSplit() implements PreTokenizer {
        public void split(Piece piece, List<Piece> out) {
            SplitBehavior.REMOVED.split(piece, SplitBehavior.charRanges(CharClasses::isWhiteSpace, piece.text()), out);
        }
    }

    /** Splits at punctuation characters. */
    record Punctuation(SplitBehavior behavior) implements PreTokenizer {
        public void split(Piece piece, List<Piece> out) {
            behavior.split(piece, SplitBehavior.charRanges(CharClasses::isPunctuation, piece.text()), out);
        }
    }

    /** Splits on one delimiter character, dropping it. */
    record CharDelimiterSplit(int delimiter) implements PreTokenizer {
        public void split(Piece piece, List<Piece> out) {
            SplitBehavior.REMOVED.split(piece, SplitBehavior.charRanges(cp -> cp == delimiter, piece.text()), out);
        }
    }

    record Sequence(List<PreTokenizer> preTokenizers) implements PreTokenizer {
        public void split(Piece piece, List<Piece> out) {
            List<Piece> pieces = List.of(piece);
            for (PreTokenizer p : preTokenizers) pieces = p.apply(pieces);
            out.addAll(pieces);
        }
    }
}
