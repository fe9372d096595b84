package tagllm.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * What a splitting pattern does with the delimiters it matches (tokenizers' SplitDelimiterBehavior).
 * Input is the alternating list of matched / unmatched ranges covering the text.
 */
enum SplitBehavior {
    /** Delimiters are dropped. */
    REMOVED,
    /** Each delimiter becomes a piece of its own. */
    ISOLATED,
    /** Each delimiter is glued to the piece before it. */
    MERGED_WITH_PREVIOUS,
    /** Each delimiter is glued to the piece after it. */
    MERGED_WITH_NEXT,
    /** Runs of consecutive delimiters become one piece. */
    CONTIGUOUS;

    static SplitBehavior fromJson(String name) {
        return switch (name) {
            case "Removed" -> REMOVED;
            case "Isolated" -> ISOLATED;
            case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> MERGED_WITH_NEXT;
            case "Contiguous" -> CONTIGUOUS;
            default -> null;
        };
    }

    /** A range of the text and whether the pattern matched it. */
    record Range(int start, int end, boolean match) {}

    /** Splits {@code piece} at {@code ranges}; empty pieces are dropped, as in tokenizers. */
    void split(Piece piece, List<Range> ranges, List<Piece> out) {
        String text = piece.text();
        List<int[]> kept = new ArrayList<>(ranges.size());  // {start, end, remove?1:0}
        switch (this) {
            case ISOLATED -> { for (Range r : ranges) kept.add(new int[]{r.start, r.end, 0}); }
            case REMOVED -> { for (Range r : ranges) kept.add(new int[]{r.start, r.end, r.match ? 1 : 0}); }
            case CONTIGUOUS -> {
                boolean previous = false;
                for (Range r : ranges) {
                    if (r.match == previous && !kept.isEmpty()) kept.getLast()[1] = r.end;
                    else kept.add(new int[]{r.start, r.end, 0});
                    previous = r.match;
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean previous = false;
                for (Range r : ranges) {
                    if (r.match && !previous && !kept.isEmpty()) kept.getLast()[1] = r.end;
                    else kept.add(new int[]{r.start, r.end, 0});
                    previous = r.match;
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean previous = false;
                for (int i = ranges.size() - 1; i >= 0; i--) {
                    Range r = ranges.get(i);
                    if (r.match && !previous && !kept.isEmpty()) kept.getLast()[0] = r.start;
                    else kept.add(new int[]{r.start, r.end, 0});
                    previous = r.match;
                }
                java.util.Collections.reverse(kept);
            }
        }
        for (int[] k : kept) {
            if (k[2] == 1 || k[1] <= k[0]) continue;
            out.add(new Piece(text.substring(k[0], k[1]), piece.atStart() && k[0] == 0));
        }
    }

    /** Ranges of the matches of {@code regex} and the gaps between them (tokenizers' find_matches). */
    static List<Range> regexRanges(java.util.regex.Pattern regex, String text, boolean invert) {
        List<Range> ranges = new ArrayList<>();
        if (text.isEmpty()) {
            ranges.add(new Range(0, 0, invert));
            return ranges;
        }
        java.util.regex.Matcher m = regex.matcher(text);
        int prev = 0;
        while (m.find()) {
            if (prev != m.start()) ranges.add(new Range(prev, m.start(), invert));
            ranges.add(new Range(m.start(), m.end(), !invert));
            prev = m.end();
        }
        if (prev != text.length()) ranges.add(new Range(prev, text.length(), invert));
        return ranges;
    }

    /** Ranges where each code point satisfying {@code test} is a match of its own. */
    static List<Range> charRanges(java.util.function.IntPredicate test, String text) {
        List<Range> ranges = new ArrayList<>();
        if (text.isEmpty()) {
            ranges.add(new Range(0, 0, false));
            return ranges;
        }
        int last = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (test.test(cp)) {
                if (last < i) ranges.add(new Range(last, i, false));
                ranges.add(new Range(i, next, true));
                last = next;
            }
            i = next;
        }
        if (last < text.length()) ranges.add(new Range(last, text.length(), false));
        return ranges;
    }
}
