package tagllm.model;

/**
 * How a batch is cut into lanes: consecutive runs of its sequences, one per core, each run through the whole forward
 * (and backward) on its own core. A pass over the whole batch spreads every product, attention and norm over all
 * cores and joins them after each (about 400 joins in a SmolLM2-135M training step, each waiting on the slower core's
 * last task); a lane's parallel calls run on its own core, so the cores meet only at the end of the forward and of
 * the backward (BF16 training step and prefill, batch 8 × 128, alternated in one JVM: about 3% faster;
 * docs/benchmarks.md, twenty-second pass). A core whose lane is done takes the far end of the other lanes' parallel
 * calls ({@link tagllm.tensor.Parallel}'s helping), so a lane slowed by the machine, or holding more rows, is not
 * waited for alone (another 1.5-4.7% of that step; twenty-third pass).
 *
 * <p>The values are the same bits either way: every row depends only on its own sequence (attention never crosses
 * one), and the products sum each element in one order whatever rows share the call. Under BF16 compute a layer's
 * form follows its row counts ({@code DecoderLayer.fused}: at 14 rows or more its operands are rounded to BF16 where
 * they are made and its MLP keeps its inputs as BF16 pairs), so a batch whose lanes would take another form than the
 * whole pass (e.g. 16 read rows, 8 a lane) runs whole ({@link #counts}). A backward in lanes packs every weight once
 * per lane: under F32 compute (FP32 packing, twice the bytes) that lost (training step 2.7% slower), so there only
 * forward-only passes run in lanes; with LoRA adapters, whose gradients sum over all rows, every pass runs whole.
 */
final class Lanes {
    /**
     * Fewest rows a lane takes: where lanes with helping measured faster than the whole pass. SmolLM2-135M's BF16
     * training step, two lanes, alternated in one JVM (docs/benchmarks.md, twenty-third pass): 38 rows a lane +1.1%,
     * 50 −2.6% and 62 −10.5% / +4.8% (two runs; small steps are noisy), 92 −6.4%, 124 −5.5%, 248 −6.6%, 384 −3.9%;
     * 992 and 1,488 level (prefill 2.7-3.2% faster). Without helping, lanes had paid only between ~450 and ~750.
     */
    static final int MIN_ROWS = 90;
    /**
     * The most rows a lane may hold over an even share: the other lane helps once it is done, but only with parallel
     * calls, so the longer lane still costs. 3 × 124 rows cut 2 + 1 (1.33) measured 2.7% faster than whole, 7 × 124
     * cut 4 + 3 (1.14) 3.0%.
     */
    static final double MAX_SHARE = 1.5;

    private Lanes() {}

    /**
     * The first sequence of each of {@code lanes} lanes, then the batch's sequence count (lanes + 1 entries): lane k
     * takes sequences cut[k] .. cut[k + 1] - 1, ending at the sequence boundary nearest its even share of the rows.
     * Null where the batch runs whole: fewer than two lanes, fewer sequences than lanes, a lane under
     * {@link #MIN_ROWS}, or over {@link #MAX_SHARE} of an even share.
     */
    static int[] cut(PackedBatch b, int lanes) {
        int seqs = b.sequences(), rows = b.rows();
        if (lanes < 2 || seqs < lanes || rows < (long) lanes * MIN_ROWS) return null;
        int[] cut = new int[lanes + 1];
        cut[lanes] = seqs;
        for (int k = 1; k < lanes; k++) {
            long target = (long) rows * k / lanes;
            int best = cut[k - 1] + 1;
            // each later lane keeps at least one sequence
            for (int s = best + 1; s <= seqs - (lanes - k); s++) {
                if (Math.abs(b.seqStart(s) - target) < Math.abs(b.seqStart(best) - target)) best = s;
            }
            cut[k] = best;
        }
        double even = (double) rows / lanes;
        for (int k = 0; k < lanes; k++) {
            int laneRows = b.seqStart(cut[k + 1]) - b.seqStart(cut[k]);
            if (laneRows < MIN_ROWS || laneRows > MAX_SHARE * even) return null;
        }
        return cut;
    }

    /**
     * The row counts that decide a layer's form ({@code DecoderLayer.fused}): rows, the top layer's query rows
     * (readRows; null: every row), active rows (from each sequence's first trainable row) and active query rows.
     */
    static int[] counts(PackedBatch b, int[] readRows) {
        int[] activeIndex = BackwardRows.activeIndex(b);
        int active = 0, activeRead = 0;
        for (int a : activeIndex) if (a >= 0) active++;
        if (readRows == null) return new int[]{b.rows(), b.rows(), active, active};
        for (int r : readRows) if (activeIndex[r] >= 0) activeRead++;
        return new int[]{b.rows(), readRows.length, active, activeRead};
    }
}
