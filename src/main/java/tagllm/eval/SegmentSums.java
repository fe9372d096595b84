package tagllm.eval;

/**
 * A corpus metric's per-segment statistics summed one segment at a time (sacreBLEU's BLEU and chrF are both scored
 * from such sums), so that a large split's texts need not be kept. {@link Bleu.Corpus} and {@link ChrF.Corpus}.
 */
abstract class SegmentSums {
    final long[] stats;
    private long segments;

    SegmentSums(int size) {
        stats = new long[size];
    }

    /** The statistics of one hypothesis against its one reference, as the metric's corpus score sums them. */
    abstract long[] statistics(String hyp, String ref);

    /** Adds one hypothesis and its reference. */
    public void add(String hyp, String ref) {
        if (hyp == null) throw new IllegalArgumentException("hypothesis " + segments + " is null");
        if (ref == null) throw new IllegalArgumentException("hypothesis " + segments + " has no reference (null)");
        long[] s = statistics(hyp, ref);
        for (int j = 0; j < stats.length; j++) stats[j] += s[j];
        segments++;
    }

    void requireSegments() {
        if (segments == 0) throw new IllegalArgumentException("no hypotheses given");
    }
}
