package tagllm.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The header of an output that carries every input column plus the ones a command adds (predictions, labels, the
 * error column): an added column goes after the input's, or takes the place of an input column of the same name,
 * so each name has one header (a repeated one is ambiguous to CSV readers and repeats a key in a JSON object).
 * {@link #replaced()} names the input columns whose values the output does not carry, for the command to say so.
 */
public final class OutputColumns {
    private final List<String> header;
    private final int[] positions;
    private final List<String> replaced;

    private OutputColumns(List<String> header, int[] positions, List<String> replaced) {
        this.header = List.copyOf(header);
        this.positions = positions;
        this.replaced = List.copyOf(replaced);
    }

    /** The input's columns, then added ones in order: each at an input column of its name, else appended. */
    public static OutputColumns place(List<String> input, List<String> added) {
        List<String> header = new ArrayList<>(input);
        List<String> replaced = new ArrayList<>();
        int[] positions = new int[added.size()];
        for (int i = 0; i < added.size(); i++) {
            String name = added.get(i);
            int at = header.indexOf(name);
            if (at < 0) {
                at = header.size();
                header.add(name);
            } else if (at < input.size() && !replaced.contains(name)) {
                replaced.add(name);
            }
            positions[i] = at;
        }
        return new OutputColumns(header, positions, replaced);
    }

    /** Every column of the output, in order. */
    public List<String> header() { return header; }

    /** Where added column i is in {@link #header()}. */
    public int position(int i) { return positions[i]; }

    /** The input's columns that added ones replaced, in the order of the added ones (empty: none). */
    public List<String> replaced() { return replaced; }
}
