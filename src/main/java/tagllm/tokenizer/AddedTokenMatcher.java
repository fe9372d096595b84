package tagllm.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in a text the way tokenizers' Aho-Corasick matcher (leftmost-longest) does,
 * then applies each token's single_word, lstrip and rstrip rules. Returns the text cut into
 * plain segments and token segments.
 */
final class AddedTokenMatcher {
    /** A part of the text: a matched added token ({@code token != null}) or plain text. */
    record Segment(int start, int end, AddedToken token) {}

    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(4);
        AddedToken token;
    }

    private final Node root = new Node();
    private final boolean empty;

    AddedTokenMatcher(List<AddedToken> tokens, java.util.function.Function<AddedToken, String> patternOf) {
        for (AddedToken t : tokens) {
            String p = patternOf.apply(t);
            if (p.isEmpty()) continue;
            Node node = root;
            for (int i = 0; i < p.length(); i++) node = node.children.computeIfAbsent(p.charAt(i), c -> new Node());
            if (node.token == null) node.token = t;
        }
        empty = root.children.isEmpty();
    }

    boolean isEmpty() { return empty; }

    List<Segment> split(String s) {
        List<Segment> out = new ArrayList<>();
        if (empty || s.isEmpty()) {
            out.add(new Segment(0, s.length(), null));
            return out;
        }
        int startOffset = 0;
        int pos = 0;
        while (pos < s.length()) {
            // the longest token starting at pos
            Node node = root;
            AddedToken best = null;
            int bestEnd = -1;
            for (int i = pos; i < s.length(); i++) {
                node = node.children.get(s.charAt(i));
                if (node == null) break;
                if (node.token != null) {
                    best = node.token;
                    bestEnd = i + 1;
                }
            }
            if (best == null) {
                pos++;
                continue;
            }
            int start = pos, stop = bestEnd;
            pos = bestEnd;  // the scan resumes after this match even when its rules reject it
            if (best.singleWord()) {
                boolean wordBefore = start > 0 && CharClasses.isWordChar(s.codePointBefore(start));
                boolean wordAfter = stop < s.length() && CharClasses.isWordChar(s.codePointAt(stop));
                if (wordBefore || wordAfter) continue;
            }
            if (best.lstrip()) {
                int newStart = start;
                while (newStart > 0 && CharClasses.isWhiteSpace(s.codePointBefore(newStart))) newStart -= Character.charCount(s.codePointBefore(newStart));
                start = Math.max(newStart, startOffset);
            }
            if (best.rstrip()) {
                while (stop < s.length() && CharClasses.isWhiteSpace(s.codePointAt(stop))) stop += Character.charCount(s.codePointAt(stop));
            }
            start = Math.max(start, startOffset);
            if (startOffset < start) out.add(new Segment(startOffset, start, null));
            out.add(new Segment(start, stop, best));
            startOffset = stop;
            pos = Math.max(pos, stop);
        }
        if (startOffset != s.length()) out.add(new Segment(startOffset, s.length(), null));
        return out;
    }
}
