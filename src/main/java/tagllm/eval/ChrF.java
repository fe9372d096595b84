package tagllm.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * chrF / chrF++ (Popović 2015, 2017) computed exactly as sacreBLEU 2.x computes it.
 *
 * <p>Defaults are sacreBLEU's: character n-grams up to 6, no word n-grams, β = 2, whitespace removed before
 * extracting character n-grams, case-sensitive, and sacreBLEU's corpus averaging: match statistics are summed
 * over the corpus, precision and recall are averaged over the n-gram orders that occur ("effective order"),
 * then combined into one F-β. With several references, each sentence uses the reference with the best
 * sentence F-score. References use sacreBLEU's stream layout, as in {@link Bleu}.
 */
public final class ChrF {
    public static final int CHAR_ORDER = 6;
    public static final int WORD_ORDER = 0;
    public static final int BETA = 2;

    private static final Set<Integer> PUNCTUATION = Set.copyOf("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
            .codePoints().boxed().toList());

    private final int charOrder;
    private final int wordOrder;
    private final int beta;
    private final boolean lowercase;
    private final boolean whitespace;
    private final boolean epsSmoothing;

    private ChrF(Builder b) {
        this.charOrder = b.charOrder;
        this.wordOrder = b.wordOrder;
        this.beta = b.beta;
        this.lowercase = b.lowercase;
        this.whitespace = b.whitespace;
        this.epsSmoothing = b.epsSmoothing;
    }

    /** chrF2 with sacreBLEU's defaults, on the 0-100 scale. */
    public static double corpus(List<String> hyps, List<List<String>> refs) {
        return builder().build().corpusScore(hyps, refs);
    }

    public static Builder builder() {
        return new Builder();
    }

    public double corpusScore(List<String> hyps, List<List<String>> refs) {
        List<List<String>> segRefs = ReferenceStreams.perSegment(hyps, refs, this::preprocess);
        long[] stats = new long[3 * (charOrder + wordOrder)];
        for (int i = 0; i < hyps.size(); i++) {
            long[] s = segmentStatistics(preprocess(hyps.get(i)), segRefs.get(i));
            for (int j = 0; j < stats.length; j++) stats[j] += s[j];
        }
        return fScore(stats);
    }

    /**
     * Corpus chrF gathered one segment at a time: its score is {@link #corpusScore}'s over the segments added (with one
     * reference each), and only the summed match statistics are kept, not the text (eval of a large split).
     */
    public Corpus corpus() {
        return new Corpus();
    }

    /** The running statistics of {@link #corpus()}. */
    public final class Corpus extends SegmentSums {
        private Corpus() {
            super(3 * (charOrder + wordOrder));
        }

        @Override
        long[] statistics(String hyp, String ref) {
            return segmentStatistics(preprocess(hyp), List.of(preprocess(ref)));
        }

        public double score() {
            requireSegments();
            return fScore(stats);
        }
    }

    /** chrF of one sentence against its references. */
    public double sentenceScore(String hyp, List<String> refs) {
        if (refs == null) throw new IllegalArgumentException("references must not be null");
        List<List<String>> streams = new ArrayList<>(refs.size());
        for (String r : refs) streams.add(java.util.Collections.singletonList(r));
        return corpusScore(List.of(hyp), streams);
    }

    private String preprocess(String s) {
        return lowercase ? s.toLowerCase(Locale.ROOT) : s;
    }

    /** Per order: [hyp n-grams, ref n-grams, matches], for the reference with the best F-score. */
    private long[] segmentStatistics(String hyp, List<String> refs) {
        List<Map<String, Integer>> hypNgrams = allNgrams(hyp);
        long[] best = null;
        double bestF = -1.0;
        for (String ref : refs) {
            List<Map<String, Integer>> refNgrams = allNgrams(ref);
            long[] stats = new long[3 * hypNgrams.size()];
            for (int o = 0; o < hypNgrams.size(); o++) {
                Map<String, Integer> h = hypNgrams.get(o), r = refNgrams.get(o);
                long hypCount = 0, match = 0, refCount = 0;
                for (Map.Entry<String, Integer> e : h.entrySet()) {
                    hypCount += e.getValue();
                    Integer rc = r.get(e.getKey());
                    if (rc != null) match += Math.min(e.getValue(), rc);
                }
                for (int c : r.values()) refCount += c;
                // sacreBLEU does not count hypothesis n-grams of an order the reference lacks entirely
                stats[3 * o] = r.isEmpty() ? 0 : hypCount;
                stats[3 * o + 1] = refCount;
                stats[3 * o + 2] = match;
            }
            double f = fScore(stats);
            if (f > bestF) {
                bestF = f;
                best = stats;
            }
        }
        return best;
    }

    private List<Map<String, Integer>> allNgrams(String sentence) {
        List<Map<String, Integer>> out = new ArrayList<>(charOrder + wordOrder);
        int[] cps = (whitespace ? sentence : PyText.removeSpaces(sentence)).codePoints().toArray();
        for (int n = 1; n <= charOrder; n++) {
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i + n <= cps.length; i++) counts.merge(new String(cps, i, n), 1, Integer::sum);
            out.add(counts);
        }
        if (wordOrder > 0) {
            List<String> words = splitPunctuation(sentence);
            for (int n = 1; n <= wordOrder; n++) {
                Map<String, Integer> counts = new HashMap<>();
                for (int i = 0; i + n <= words.size(); i++) counts.merge(String.join(" ", words.subList(i, i + n)), 1, Integer::sum);
                out.add(counts);
            }
        }
        return out;
    }

    /** chrF++'s word split: one leading or trailing ASCII punctuation mark becomes its own word ("(hi)" → "(hi", ")"). */
    private static List<String> splitPunctuation(String sentence) {
        List<String> words = new ArrayList<>();
        for (String w : PyText.split(sentence)) {
            if (w.codePointCount(0, w.length()) == 1) {
                words.add(w);
                continue;
            }
            int last = w.codePointBefore(w.length()), first = w.codePointAt(0);
            if (PUNCTUATION.contains(last)) {
                int cut = w.length() - Character.charCount(last);
                words.add(w.substring(0, cut));
                words.add(w.substring(cut));
            } else if (PUNCTUATION.contains(first)) {
                words.add(w.substring(0, 1));
                words.add(w.substring(1));
            } else {
                words.add(w);
            }
        }
        return words;
    }

    /** sacreBLEU's _compute_f_score, keeping its order of floating-point operations. */
    private double fScore(long[] stats) {
        final double eps = 1e-16;
        int order = charOrder + wordOrder;
        int factor = beta * beta;
        double score = 0.0, avgPrec = 0.0, avgRec = 0.0;
        int effective = 0;
        for (int i = 0; i < order; i++) {
            long nHyp = stats[3 * i], nRef = stats[3 * i + 1], nMatch = stats[3 * i + 2];
            double prec = nHyp > 0 ? (double) nMatch / nHyp : eps;
            double rec = nRef > 0 ? (double) nMatch / nRef : eps;
            double denom = factor * prec + rec;
            score += denom > 0 ? (1 + factor) * prec * rec / denom : eps;
            if (nHyp > 0 && nRef > 0) {
                avgPrec += prec;
                avgRec += rec;
                effective++;
            }
        }
        if (epsSmoothing) return 100 * score / order;
        if (effective == 0) {
            avgPrec = avgRec = 0.0;
        } else {
            avgPrec /= effective;
            avgRec /= effective;
        }
        if (avgPrec + avgRec != 0) {
            double f = (1 + factor) * avgPrec * avgRec;
            f /= (factor * avgPrec) + avgRec;
            return 100 * f;
        }
        return 0.0;
    }

    /** Options, each defaulting to sacreBLEU's. */
    public static final class Builder {
        private int charOrder = CHAR_ORDER;
        private int wordOrder = WORD_ORDER;
        private int beta = BETA;
        private boolean lowercase;
        private boolean whitespace;
        private boolean epsSmoothing;

        private Builder() {}

        public Builder charOrder(int n) {
            if (n < 1) throw new IllegalArgumentException("character n-gram order must be >= 1, got " + n);
            this.charOrder = n;
            return this;
        }

        /** Word n-gram order; 2 gives chrF++. */
        public Builder wordOrder(int n) {
            if (n < 0) throw new IllegalArgumentException("word n-gram order must be >= 0, got " + n);
            this.wordOrder = n;
            return this;
        }

        public Builder beta(int beta) {
            if (beta < 0) throw new IllegalArgumentException("beta must be >= 0, got " + beta);
            this.beta = beta;
            return this;
        }

        public Builder lowercase(boolean lowercase) {
            this.lowercase = lowercase;
            return this;
        }

        /** Keep whitespace inside character n-grams (sacreBLEU's {@code whitespace=True}). */
        public Builder keepWhitespace(boolean keep) {
            this.whitespace = keep;
            return this;
        }

        /** chrF++.py / NLTK / Moses epsilon smoothing over all orders instead of sacreBLEU's effective order. */
        public Builder epsSmoothing(boolean eps) {
            this.epsSmoothing = eps;
            return this;
        }

        public ChrF build() {
            return new ChrF(this);
        }
    }
}
