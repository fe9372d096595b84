package tagllm.tag;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * One rendered example: a row of elements, each a token id or slot j of a named tag, at positions
 * 0..length-1 (tag slots take real RoPE positions like tokens). It also records the domain spans that
 * attention isolates (empty when the task uses plain causal attention), the position the regression
 * head reads (the last slot of the function tag) and where the output text starts.
 */
public final class Sequence implements java.io.Serializable {
    private final int[] token;
    private final String[] tag;
    private final int[] slot;
    private final int[][] spans;
    private final int readPosition;
    private final int outputStart;

    private Sequence(int[] token, String[] tag, int[] slot, int[][] spans, int readPosition, int outputStart) {
        this.token = token;
        this.tag = tag;
        this.slot = slot;
        this.spans = spans;
        this.readPosition = readPosition;
        this.outputStart = outputStart;
    }

    public int length() { return token.length; }

    public boolean isTag(int i) { return tag[i] != null; }

    /** The token id at i, or -1 at a tag slot. */
    public int tokenId(int i) { return token[i]; }

    /** The tag name at i ("{@code <SMILES>}"), or null at a token. */
    public String tagName(int i) { return tag[i]; }

    public int slot(int i) { return slot[i]; }

    /** Isolated domain spans [start, end): rows inside may not attend before start. */
    public int[][] spans() { return spans; }

    /** The function tag's last slot, or -1 when the template has no function tag. */
    public int readPosition() { return readPosition; }

    /** First position of the output text, or -1 when it is absent (a prompt, or no output field). */
    public int outputStart() { return outputStart; }

    /** The first row where a tag accepted by the predicate sits, or -1. */
    public int firstSlotOf(Predicate<String> tags) {
        for (int i = 0; i < token.length; i++) if (tag[i] != null && tags.test(tag[i])) return i;
        return -1;
    }

    /**
     * Next-token targets {position, token}: every position whose next element is a token. Tag slots
     * are never targets (the model cannot output a tag), but the last slot of a tag does predict the
     * token after it. With outputOnly, only targets inside the output text count.
     */
    public int[][] ceTargets(boolean outputOnly) {
        List<int[]> out = new ArrayList<>();
        int from = outputOnly ? Math.max(outputStart, 1) : 1;
        if (outputOnly && outputStart < 0) return new int[0][];
        for (int i = from; i < token.length; i++) {
            if (tag[i] == null) out.add(new int[]{i - 1, token[i]});
        }
        return out.toArray(new int[0][]);
    }

    /** The first n elements (forward need not go further than the last position a loss reads). */
    public Sequence truncate(int n) {
        if (n >= token.length) return this;
        if (n <= 0) throw new IllegalArgumentException("cannot truncate a sequence to " + n + " elements");
        List<int[]> kept = new ArrayList<>();
        for (int[] s : spans) if (s[0] < n) kept.add(new int[]{s[0], Math.min(s[1], n)});
        return new Sequence(Arrays.copyOf(token, n), Arrays.copyOf(tag, n), Arrays.copyOf(slot, n),
                kept.toArray(new int[0][]), readPosition < n ? readPosition : -1, outputStart < n ? outputStart : -1);
    }

    /** The same sequence with the head reading another position (a template without a function tag reads its last input). */
    public Sequence withReadPosition(int p) {
        if (p < 0 || p >= token.length) throw new IllegalArgumentException("read position " + p + " outside the sequence of " + token.length);
        return new Sequence(token, tag, slot, spans, p, outputStart);
    }

    /** All token ids in order, tags left out (for decoding the text of a rendered example). */
    public int[] tokenIds() {
        return Arrays.stream(token).filter(t -> t >= 0).toArray();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < token.length; i++) {
            if (i > 0) b.append(' ');
            b.append(tag[i] != null ? tag[i] + "#" + slot[i] : Integer.toString(token[i]));
        }
        return b.append(']').toString();
    }

    public static Builder builder() { return new Builder(); }

    /** Appends tokens and tag slots in order. */
    public static final class Builder {
        private final List<Integer> token = new ArrayList<>();
        private final List<String> tag = new ArrayList<>();
        private final List<Integer> slot = new ArrayList<>();
        private final List<int[]> spans = new ArrayList<>();
        private int readPosition = -1;
        private int outputStart = -1;

        public int size() { return token.size(); }

        public Builder token(int id) {
            if (id < 0) throw new IllegalArgumentException("token id " + id + " is negative");
            token.add(id);
            tag.add(null);
            slot.add(-1);
            return this;
        }

        public Builder tokens(int... ids) {
            for (int id : ids) token(id);
            return this;
        }

        public Builder tag(String name, int length) {
            for (int j = 0; j < length; j++) {
                token.add(-1);
                tag.add(name);
                slot.add(j);
            }
            return this;
        }

        public Builder span(int start, int end) {
            if (end > start) spans.add(new int[]{start, end});
            return this;
        }

        public Builder readPosition(int p) { readPosition = p; return this; }

        public Builder outputStart(int p) { outputStart = p; return this; }

        public Sequence build() {
            return new Sequence(token.stream().mapToInt(Integer::intValue).toArray(), tag.toArray(new String[0]),
                    slot.stream().mapToInt(Integer::intValue).toArray(), spans.toArray(new int[0][]), readPosition, outputStart);
        }
    }
}
