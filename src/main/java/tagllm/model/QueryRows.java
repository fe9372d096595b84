package tagllm.model;

import tagllm.tensor.Attention;

import java.util.Arrays;

/**
 * The rows a decoder layer computes its queries, attention, O projection and MLP for: every row (the identity
 * selection, what every layer but the top one uses), or, for the top layer of a pass whose final-norm output is
 * read only at some rows (a regression head reads one row per sequence), just those. K and V are computed at every
 * row either way (the queries read them); everything after them is indexed by query index i, the position of
 * row[i] in this ascending list (i = row for the identity).
 */
final class QueryRows {
    /** Row of each query, ascending. */
    final int[] row;
    /** Query index of each row of the batch, or -1; null for the identity. */
    private final int[] index;
    /** Key range of each query (absolute rows). */
    final Attention.KeyRanges keys;
    /** Query index where each sequence's queries start, then the count: the attention's segments. */
    final int[] segments;
    /** Row where each sequence starts, then the row count: a sequence's length picks its attention form. */
    final int[] sequences;

    private QueryRows(int[] row, int[] index, Attention.KeyRanges keys, int[] segments, int[] sequences) {
        this.row = row;
        this.index = index;
        this.keys = keys;
        this.segments = segments;
        this.sequences = sequences;
    }

    /** Every row of sequences starting at seqStarts (then the row count), row r seeing keys [lo[r], hi[r]]. */
    static QueryRows all(int[] seqStarts, int[] lo, int[] hi) {
        int n = seqStarts[seqStarts.length - 1];
        int[] row = new int[n];
        for (int r = 0; r < n; r++) row[r] = r;
        return new QueryRows(row, null, new Attention.KeyRanges(lo, hi), seqStarts, seqStarts);
    }

    /**
     * The rows readRows of all's batch, validated (ascending, distinct, inside the batch); all itself when they are
     * every row (nothing to leave out).
     */
    static QueryRows of(int[] readRows, QueryRows all) {
        int rows = all.count();
        if (readRows.length == 0) throw new IllegalArgumentException("read rows are empty: a forward pass must be read somewhere");
        int[] index = new int[rows];
        Arrays.fill(index, -1);
        for (int i = 0; i < readRows.length; i++) {
            int r = readRows[i];
            if (r < 0 || r >= rows) {
                throw new IllegalArgumentException("read row " + r + " (entry " + i + ") is outside the batch's rows [0, " + rows + ")");
            }
            if (i > 0 && r <= readRows[i - 1]) {
                throw new IllegalArgumentException("read rows must be ascending and distinct: entry " + i + " is " + r
                        + " after " + readRows[i - 1]);
            }
            index[r] = i;
        }
        if (readRows.length == rows) return all;
        int m = readRows.length;
        int[] lo = new int[m], hi = new int[m];
        for (int i = 0; i < m; i++) {
            lo[i] = all.keys.lo()[readRows[i]];
            hi[i] = all.keys.hi()[readRows[i]];
        }
        int[] seqStarts = all.sequences;
        int seqs = seqStarts.length - 1;
        int[] segments = new int[seqs + 1];
        int i = 0;
        for (int s = 0; s < seqs; s++) {
            segments[s] = i;
            while (i < m && readRows[i] < seqStarts[s + 1]) i++;
        }
        segments[seqs] = m;
        return new QueryRows(readRows.clone(), index, new Attention.KeyRanges(lo, hi), segments, seqStarts);
    }

    int count() { return row.length; }

    /** Whether every row is queried (the identity selection). */
    boolean all() { return index == null; }

    /** The query index of a row, or -1 when the row is not one of them. */
    int indexOf(int r) { return index == null ? r : index[r]; }

    /** The rows, for messages (the first few). */
    String describe() { return describe(row); }

    /** Rows as messages show them: the first eight, then an ellipsis. */
    static String describe(int[] row) {
        int show = Math.min(row.length, 8);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < show; i++) b.append(i > 0 ? ", " : "").append(row[i]);
        return b.append(show < row.length ? ", …]" : "]").toString();
    }
}
