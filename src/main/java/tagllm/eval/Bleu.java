package tagllm.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Corpus BLEU computed exactly as sacreBLEU 2.x computes it (same tokenization, n-gram statistics, closest
 * reference length, smoothing and arithmetic order), so scores agree to the last digit.
 *
 * <p>References use sacreBLEU's layout: {@code refs.get(k)} is the k-th reference <em>stream</em>, parallel to
 * {@code hyps}; with one reference per sentence that is {@code List.of(refList)}. A null entry in a stream means
 * that segment has no k-th reference; an empty string is an (empty) reference.
 *
 * <p>Defaults are sacreBLEU's: 13a tokenizer, exponential smoothing, max n-gram order 4, mixed case,
 * no effective order.
 */
public final class Bleu {

    /** sacreBLEU's smoothing methods (Chen and Cherry 2014); {@link #EXP} is mteval-v13a's and the default. */
    public enum Smoothing {
        NONE(Double.NaN), FLOOR(0.1), ADD_K(1), EXP(Double.NaN);

        final double defaultValue;

        Smoothing(double defaultValue) {
            this.defaultValue = defaultValue;
        }
    }

    public static final int MAX_NGRAM_ORDER = 4;

    private final BleuTokenizer tokenizer;
    private final Smoothing smoothing;
    private final double smoothValue;
    private final int maxOrder;
    private final boolean lowercase;
    private final boolean effectiveOrder;

    private Bleu(Builder b) {
        this.tokenizer = b.tokenizer;
        this.smoothing = b.smoothing;
        this.smoothValue = Double.isNaN(b.smoothValue) ? b.smoothing.defaultValue : b.smoothValue;
        this.maxOrder = b.maxOrder;
        this.lowercase = b.lowercase;
        this.effectiveOrder = b.effectiveOrder;
    }

    /** BLEU with sacreBLEU's defaults. */
    public static BleuScore corpus(List<String> hyps, List<List<String>> refs) {
        return builder().build().corpusScore(hyps, refs);
    }

    public static Builder builder() {
        return new Builder();
    }

    public BleuScore corpusScore(List<String> hyps, List<List<String>> refs) {
        List<List<String>> segRefs = ReferenceStreams.perSegment(hyps, refs, this::preprocess);
        long[] stats = new long[2 + 2 * maxOrder];
        for (int i = 0; i < hyps.size(); i++) {
            long[] s = segmentStatistics(preprocess(hyps.get(i)), segRefs.get(i));
            for (int j = 0; j < stats.length; j++) stats[j] += s[j];
        }
        long[] correct = new long[maxOrder], total = new long[maxOrder];
        System.arraycopy(stats, 2, correct, 0, maxOrder);
        System.arraycopy(stats, 2 + maxOrder, total, 0, maxOrder);
        return fromStatistics(correct, total, stats[0], stats[1]);
    }

    /**
     * Corpus BLEU gathered one segment at a time: its score is {@link #corpusScore}'s over the segments added (with one
     * reference each), and only the summed n-gram statistics are kept, not the text (eval of a large split).
     */
    public Corpus corpus() {
        return new Corpus();
    }

    /** The running statistics of {@link #corpus()}. */
    public final class Corpus extends SegmentSums {
        private Corpus() {
            super(2 + 2 * maxOrder);
        }

        @Override
        long[] statistics(String hyp, String ref) {
            return segmentStatistics(preprocess(hyp), List.of(preprocess(ref)));
        }

        public BleuScore score() {
            requireSegments();
            long[] correct = new long[maxOrder], total = new long[maxOrder];
            System.arraycopy(stats, 2, correct, 0, maxOrder);
            System.arraycopy(stats, 2 + maxOrder, total, 0, maxOrder);
            return fromStatistics(correct, total, stats[0], stats[1]);
        }
    }

    /** BLEU of one sentence against its references (sacreBLEU's sentence_score; consider effective order). */
    public BleuScore sentenceScore(String hyp, List<String> refs) {
        if (refs == null) throw new IllegalArgumentException("references must not be null");
        List<List<String>> streams = new ArrayList<>(refs.size());
        for (String r : refs) streams.add(java.util.Collections.singletonList(r));
        return corpusScore(List.of(hyp), streams);
    }

    /**
     * BLEU from sufficient statistics (sacreBLEU's {@code compute_bleu}) with this instance's smoothing,
     * order and effective-order setting.
     */
    public BleuScore fromStatistics(long[] correct, long[] total, long sysLen, long refLen) {
        if (correct.length != maxOrder || total.length != maxOrder) {
            throw new IllegalArgumentException("expected " + maxOrder + " match and total counts, got "
                    + correct.length + " and " + total.length);
        }
        double bp = 1.0;
        if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - (double) refLen / sysLen) : 0.0;

        double[] precisions = new double[maxOrder];
        boolean anyMatch = false;
        for (long c : correct) anyMatch |= c != 0;
        // no matching n-gram at all: BLEU is 0 whatever the smoothing (sacreBLEU #141)
        if (!anyMatch) return score(0.0, precisions, bp, sysLen, refLen, correct, total);

        double smoothMteval = 1.0;
        int effOrder = maxOrder;
        for (int n = 1; n <= maxOrder; n++) {
            double c = correct[n - 1], t = total[n - 1];
            if (smoothing == Smoothing.ADD_K && n > 1) {
                c += smoothValue;
                t += smoothValue;
            }
            if (t == 0) break;
            if (effectiveOrder) effOrder = n;
            if (c == 0) {
                if (smoothing == Smoothing.EXP) {
                    smoothMteval *= 2;
                    precisions[n - 1] = 100. / (smoothMteval * t);
                } else if (smoothing == Smoothing.FLOOR) {
                    precisions[n - 1] = 100. * smoothValue / t;
                }
            } else {
                precisions[n - 1] = 100. * c / t;
            }
        }
        double logSum = 0;
        for (int n = 0; n < effOrder; n++) logSum += floorLog(precisions[n]);
        return score(bp * Math.exp(logSum / effOrder), precisions, bp, sysLen, refLen, correct, total);
    }

    /** sacreBLEU's my_log: log(0) is a very negative finite number, so a zero precision zeroes the score. */
    private static double floorLog(double x) {
        return x == 0.0 ? -9999999999.0 : Math.log(x);
    }

    private static BleuScore score(double score, double[] precisions, double bp, long sysLen, long refLen,
                                   long[] correct, long[] total) {
        List<Double> p = new ArrayList<>(precisions.length);
        for (double d : precisions) p.add(d);
        List<Long> c = new ArrayList<>(correct.length), t = new ArrayList<>(total.length);
        for (long x : correct) c.add(x);
        for (long x : total) t.add(x);
        return new BleuScore(score, p, bp, sysLen, refLen, c, t);
    }

    private String preprocess(String sentence) {
        if (lowercase) sentence = sentence.toLowerCase(Locale.ROOT);
        return tokenizer.tokenize(PyText.rstrip(sentence));
    }

    /** [hypLen, closestRefLen, correct_1..max, total_1..max] for one tokenized segment. */
    private long[] segmentStatistics(String hyp, List<String> refs) {
        Map<String, Integer> refNgrams = new HashMap<>();
        List<Integer> refLens = new ArrayList<>(refs.size());
        for (String ref : refs) {
            List<String> tokens = PyText.split(ref);
            refLens.add(tokens.size());
            // clip counts by the maximum count of each n-gram over the references
            ngrams(tokens).forEach((g, count) -> refNgrams.merge(g, count, Math::max));
        }
        List<String> hypTokens = PyText.split(hyp);
        int hypLen = hypTokens.size();
        long[] s = new long[2 + 2 * maxOrder];
        s[0] = hypLen;
        s[1] = closestRefLen(hypLen, refLens);
        ngrams(hypTokens).forEach((g, count) -> {
            int n = order(g);
            s[2 + maxOrder + n - 1] += count;
            Integer r = refNgrams.get(g);
            if (r != null) s[2 + n - 1] += Math.min(count, r);
        });
        return s;
    }

    /** The reference length nearest the hypothesis length; on a tie the shorter one. */
    private static int closestRefLen(int hypLen, List<Integer> refLens) {
        int bestDiff = -1, best = -1;
        for (int len : refLens) {
            int diff = Math.abs(hypLen - len);
            if (bestDiff == -1 || diff < bestDiff) {
                bestDiff = diff;
                best = len;
            } else if (diff == bestDiff && len < best) {
                best = len;
            }
        }
        return best;
    }

    /** All 1..maxOrder-grams, keyed by their tokens joined with single spaces (tokens hold no spaces). */
    private Map<String, Integer> ngrams(List<String> tokens) {
        Map<String, Integer> counts = new HashMap<>();
        for (int n = 1; n <= maxOrder; n++) {
            for (int i = 0; i + n <= tokens.size(); i++) {
                counts.merge(String.join(" ", tokens.subList(i, i + n)), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static int order(String ngram) {
        int n = 1;
        for (int i = 0; i < ngram.length(); i++) if (ngram.charAt(i) == ' ') n++;
        return n;
    }

    /** Options, each defaulting to sacreBLEU's. */
    public static final class Builder {
        private BleuTokenizer tokenizer = BleuTokenizer.THIRTEEN_A;
        private Smoothing smoothing = Smoothing.EXP;
        private double smoothValue = Double.NaN;
        private int maxOrder = MAX_NGRAM_ORDER;
        private boolean lowercase;
        private boolean effectiveOrder;

        private Builder() {}

        public Builder tokenizer(BleuTokenizer tokenizer) {
            this.tokenizer = java.util.Objects.requireNonNull(tokenizer);
            return this;
        }

        /** Smoothing with its default value (floor 0.1, add-k 1). */
        public Builder smoothing(Smoothing smoothing) {
            return smoothing(smoothing, Double.NaN);
        }

        /** Smoothing with an explicit value for FLOOR and ADD_K; NaN means the method's default. */
        public Builder smoothing(Smoothing smoothing, double value) {
            this.smoothing = java.util.Objects.requireNonNull(smoothing);
            if (!Double.isNaN(value) && (value < 0 || Double.isInfinite(value))) {
                throw new IllegalArgumentException("smoothing value must be finite and >= 0, got " + value);
            }
            this.smoothValue = value;
            return this;
        }

        public Builder maxNgramOrder(int order) {
            if (order < 1) throw new IllegalArgumentException("max n-gram order must be >= 1, got " + order);
            this.maxOrder = order;
            return this;
        }

        public Builder lowercase(boolean lowercase) {
            this.lowercase = lowercase;
            return this;
        }

        /** Average only over n-gram orders the hypotheses have (for sentence-level BLEU). */
        public Builder effectiveOrder(boolean effectiveOrder) {
            this.effectiveOrder = effectiveOrder;
            return this;
        }

        public Bleu build() {
            return new Bleu(this);
        }
    }
}
