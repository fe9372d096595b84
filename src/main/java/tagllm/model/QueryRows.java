package tagllm.model;

import java.util.Arrays;

/**
 * The rows a top decoder layer computes its queries, attention, O projection and MLP for, when only some rows of
 * the final-norm output are read (a regression head reads one row per sequence): everything after the layer's
 * K and V is indexed by query index i, the position of row(i) in this ascending list.
 */
final class QueryRows {
    /** Row of each query, ascending. */
    final int[] row;
    /** Query index of each row of the batch, or -1. */
    private final int[] index;
    /** Key range [lo, hi] of each query (absolute rows). */
    final int[] lo, hi;
    /** Query index where each sequence's queries start, then the count: the attention's segments. */
    final int[] segments;

    private QueryRows(int[] row, int[] index, int[] lo, int[] hi, int[] segments) {
        this.row = row;
        this.index = index;
        this.lo = lo;
        this.hi = hi;
        this.segments = segments;
    }

    /**
     * Validates readRows (ascending, distinct, inside [0, rows)) for a batch whose sequences start at seqStarts;
     * returns null when they are all rows (nothing to leave out).
     */
    static QueryRows of(int[] readRows, int rows, int[] seqStarts, int[] keyLo, int[] keyHi) {
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
        if (readRows.length == rows) return null;
        int m = readRows.length;
        int[] lo = new int[m], hi = new int[m];
        for (int i = 0; i < m; i++) {
            lo[i] = keyLo[readRows[i]];
            hi[i] = keyHi[readRows[i]];
        }
        int seqs = seqStarts.length - 1;
        int[] segments = new int[seqs + 1];
        int i = 0;
        for (int s = 0; s < seqs; s++) {
            segments[s] = i;
            while (i < m && readRows[i] < seqStarts[s + 1]) i++;
        }
        segments[seqs] = m;
        return new QueryRows(readRows.clone(), index, lo, hi, segments);
    }

    int count() { return row.length; }

    /** The query index of a row, or -1 when the row is not one of them. */
    int indexOf(int r) { return index[r]; }

    /** The rows, for messages (the first few). */
    String describe() {
        int show = Math.min(row.length, 8);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < show; i++) b.append(i > 0 ? ", " : "").append(row[i]);
        return b.append(show < row.length ? ", …]" : "]").toString();
    }
}
