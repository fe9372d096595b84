package tagllm.eval;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A corpus BLEU result with sacreBLEU's breakdown.
 *
 * @param score      BLEU on the 0-100 scale, full precision
 * @param precisions n-gram precisions (0-100) for n = 1..max order, after smoothing
 * @param bp         brevity penalty
 * @param sysLen     total hypothesis length in tokens
 * @param refLen     total closest-reference length in tokens
 * @param counts     matched n-grams per order (before any add-k smoothing)
 * @param totals     hypothesis n-grams per order (before any add-k smoothing)
 */
public record BleuScore(double score, List<Double> precisions, double bp, long sysLen, long refLen,
                        List<Long> counts, List<Long> totals) {

    public BleuScore {
        precisions = List.copyOf(precisions);
        counts = List.copyOf(counts);
        totals = List.copyOf(totals);
    }

    /** Hypothesis to reference length ratio (0 when the references are empty), as sacreBLEU reports it. */
    public double ratio() {
        return refLen == 0 ? 0 : (double) sysLen / refLen;
    }

    /** sacreBLEU's text form, e.g. {@code BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)}. */
    @Override
    public String toString() {
        String prec = precisions.stream().map(p -> ScoreFormat.fixed(p, 1)).collect(Collectors.joining("/"));
        return "BLEU = " + ScoreFormat.fixed(score, 2) + " " + prec + " (BP = " + ScoreFormat.fixed(bp, 3)
                + " ratio = " + ScoreFormat.fixed(ratio(), 3) + " hyp_len = " + sysLen + " ref_len = " + refLen + ")";
    }
}
