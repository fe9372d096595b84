package tagllm.task;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows that did not fit a task: in lenient mode they are counted, the first few reported, and skipped;
 * in strict mode the first one stops the run with its file, line and reason.
 */
public final class RowIssues {
    private static final int SHOWN = 5;
    private final boolean strict;
    private final List<String> first = new ArrayList<>();
    private int count;

    public RowIssues(boolean strict) { this.strict = strict; }

    public void add(RowProblem p) {
        if (strict) throw new RowProblem(p.getMessage() + " (--strict: stopping at the first row that does not fit)");
        count++;
        if (first.size() < SHOWN) first.add(p.getMessage());
    }

    public int count() { return count; }

    public List<String> first() { return first; }

    /** "skipped 3 rows of task qed: a.csv:12: …; …" or "" when none. */
    public String summary(String what) {
        if (count == 0) return "";
        return "skipped " + count + " row" + (count == 1 ? "" : "s") + " of " + what + ": " + String.join("; ", first)
                + (count > first.size() ? "; …" : "");
    }
}
