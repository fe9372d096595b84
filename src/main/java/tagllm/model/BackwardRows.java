package tagllm.model;

import tagllm.tensor.Attention;

import java.util.Arrays;

/**
 * The rows a layer's backward runs over: the entries of its {@link QueryRows} whose rows are active, i.e. at or
 * after their sequence's first trainable row (earlier rows do not depend on any trainable input, so backward never
 * reaches them). Gradient arrays hold active rows only, at their active index.
 *
 * <p>Entry t (0 ≤ t &lt; count) is query index q[t] of the selection, batch row row[t], active index act[t]. In the
 * selection's query index space, into.query maps back to t (or -1) and [from[s], to[s]) are sequence s's entries
 * (active rows are a suffix of a sequence, so they are consecutive); into.key maps every batch row to its active
 * index (or -1): where dK and dV land. For the identity selection t, act[t] and the active index coincide.
 */
final class BackwardRows {
    final int count;
    /** Whether the entries are every active row (their gradient rows are then the active rows themselves). */
    final boolean everyActiveRow;
    final int[] row, act, q, from, to;
    final QueryRows sel;
    final Attention.GradientRows into;
    /** Per sequence: its first trainable row and its end, which choose the attention backward's form and blocks. */
    final int[] firstActive, seqEnd;

    private BackwardRows(int count, boolean everyActiveRow, int[] row, int[] act, int[] q, int[] from, int[] to,
                         QueryRows sel, Attention.GradientRows into, int[] firstActive, int[] seqEnd) {
        this.count = count;
        this.everyActiveRow = everyActiveRow;
        this.row = row;
        this.act = act;
        this.q = q;
        this.from = from;
        this.to = to;
        this.sel = sel;
        this.into = into;
        this.firstActive = firstActive;
        this.seqEnd = seqEnd;
    }

    /** The active index of every row of the batch (-1 before its sequence's first trainable row). */
    static int[] activeIndex(PackedBatch b) {
        int[] active = new int[b.rows()];
        Arrays.fill(active, -1);
        int m = 0;
        for (int s = 0; s < b.sequences(); s++) {
            for (int r = Math.max(b.seqStart(s), b.gradFrom(s)); r < b.seqEnd(s); r++) active[r] = m++;
        }
        return active;
    }

    /** The active entries of sel; activeRows: how many rows of the batch are active. */
    static BackwardRows of(QueryRows sel, PackedBatch b, int[] activeIndex, int activeRows) {
        int seqs = b.sequences(), qs = sel.count();
        int[] toT = new int[qs], row = new int[qs], act = new int[qs], q = new int[qs];
        int[] from = new int[seqs], to = new int[seqs], firstActive = new int[seqs], seqEnd = new int[seqs];
        int t = 0;
        for (int s = 0; s < seqs; s++) {
            firstActive[s] = Math.max(b.seqStart(s), b.gradFrom(s));
            seqEnd[s] = b.seqEnd(s);
            from[s] = sel.segments[s + 1];
            to[s] = sel.segments[s + 1];
            for (int i = sel.segments[s]; i < sel.segments[s + 1]; i++) {
                int r = sel.row[i];
                if (activeIndex[r] < 0) {
                    toT[i] = -1;
                    continue;
                }
                from[s] = Math.min(from[s], i);
                toT[i] = t;
                row[t] = r;
                act[t] = activeIndex[r];
                q[t] = i;
                t++;
            }
        }
        return new BackwardRows(t, t == activeRows, row, act, q, from, to, sel,
                new Attention.GradientRows(toT, activeIndex), firstActive, seqEnd);
    }
}
