package tagllm.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Cases and expected values re-entered from sacreBLEU's own tests (mjpost/sacrebleu test/test_bleu.py,
 * test/test_sentence_bleu.py) and its README's API example.
 */
class BleuTest {
    private static final double EPSILON = 1e-8;

    private static final List<List<String>> REFS = List.of(
            List.of("The dog bit the man.", "It was not unexpected.", "The man bit him first."),
            List.of("The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."));
    private static final List<String> HYPS = List.of(
            "The dog bit the man.", "It wasn't surprising.", "The man had just bitten him.");

    /** sacreBLEU's raw_corpus_bleu: no tokenization, floor smoothing, effective order. */
    private static BleuScore raw(List<String> hyps, List<List<String>> refs, double floor) {
        return Bleu.builder().tokenizer(BleuTokenizer.NONE).smoothing(Bleu.Smoothing.FLOOR, floor)
                .effectiveOrder(true).build().corpusScore(hyps, refs);
    }

    @Test
    void corpusBleuDefaults() {
        BleuScore s = Bleu.corpus(HYPS, REFS);
        assertEquals(48.530827, s.score(), EPSILON);
        assertEquals(17, s.sysLen());
        assertEquals(18, s.refLen());
        // README: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)
        assertEquals("BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", s.toString());
        assertEquals(Math.exp(1 - 18.0 / 17), s.bp(), 1e-15);
        assertEquals(100.0 * 14 / 17, s.precisions().get(0), 1e-12);
    }

    @Test
    void emptyHypothesesAreScoredNotDropped() {
        assertEquals(0.0, Bleu.corpus(List.of("", "", ""), REFS).score(), EPSILON);
    }

    @Test
    void corpusBleuTokenizersAndSmoothing() {
        assertEquals(49.1919566, Bleu.builder().tokenizer(BleuTokenizer.NONE).build().corpusScore(HYPS, REFS).score(), EPSILON);
        assertEquals(48.530827, Bleu.builder().tokenizer(BleuTokenizer.fromSignature("13a")).build().corpusScore(HYPS, REFS).score(), EPSILON);
        assertEquals(43.91623493, Bleu.builder().tokenizer(BleuTokenizer.INTL).build().corpusScore(HYPS, REFS).score(), EPSILON);
        assertEquals(48.530827, Bleu.builder().smoothing(Bleu.Smoothing.NONE).build().corpusScore(HYPS, REFS).score(), EPSILON);
    }

    @Test
    void variableNumberOfReferences() {
        // README: an empty first reference -> BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)
        List<List<String>> refs = List.of(
                List.of("", "It was not unexpected.", "The man bit him first."),
                List.of("The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."));
        assertEquals("BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)",
                Bleu.corpus(HYPS, refs).toString());
    }

    @Test
    void nullReferenceMeansNoReferenceForThatSegment() {
        // with the first segment's first reference absent, only "The dog had bit the man." (7 tokens) is left for it
        List<String> first = new java.util.ArrayList<>(REFS.get(0));
        first.set(0, null);
        BleuScore s = Bleu.corpus(HYPS, List.of(first, REFS.get(1)));
        assertEquals(19, s.refLen());
    }

    @Test
    void maxNgramOrder() {
        String[] expected = {"77.65", "60.50", "53.93", "48.53", "46.14", "43.28"};
        for (int order = 1; order <= 6; order++) {
            BleuScore s = Bleu.builder().maxNgramOrder(order).build().corpusScore(HYPS, REFS);
            assertEquals(expected[order - 1], ScoreFormat.fixed(s.score(), 2), "order " + order);
            assertEquals(order, s.precisions().size());
        }
    }

    @Test
    void rawBleu() {
        assertEquals(0.0, raw(List.of("this is a test", "another test"), List.of(List.of("ref1", "ref2")), .01).score() / 100, EPSILON);
        assertEquals(1.0, raw(List.of("this is a test"), List.of(List.of("this is a test")), .01).score() / 100, EPSILON);
        assertEquals(0.223606797749979, raw(List.of("this is a fest"), List.of(List.of("this is a test")), .01).score() / 100, EPSILON);
    }

    @Test
    void effectiveOrder() {
        assertEquals(0.3678794411714425, raw(List.of("test"), List.of(List.of("a test")), .01).score() / 100, EPSILON);
        assertEquals(1.0, raw(List.of("a test"), List.of(List.of("a test")), .01).score() / 100, EPSILON);
        assertEquals(0.03218297948685433, raw(List.of("a little test"), List.of(List.of("a test")), .01).score() / 100, EPSILON);
    }

    @Test
    void statistics() {
        BleuScore s = raw(List.of("am I am a character sequence"), List.of(List.of("I am a symbol string sequence a a")), .01);
        assertEquals(List.of(4L, 2L, 1L, 0L), s.counts());
        assertEquals(List.of(6L, 5L, 4L, 3L), s.totals());
    }

    @Test
    void offset() {
        List<String> hyp = List.of("am I am a character sequence");
        List<List<String>> ref = List.of(List.of("I am a symbol string sequence a a"));
        assertEquals(0.0, raw(hyp, ref, 0.0).score() / 100, EPSILON);
        assertEquals(0.1555722182, raw(hyp, ref, Double.NaN).score() / 100, EPSILON); // floor's default 0.1
    }

    @Test
    void scoringFromStatistics() {
        Bleu none = Bleu.builder().smoothing(Bleu.Smoothing.NONE).build();
        assertEquals(0.8375922397, none.fromStatistics(new long[]{9, 7, 5, 3}, new long[]{10, 8, 6, 4}, 11, 11).score() / 100, EPSILON);
    }

    @Test
    void degenerateStatisticsScoreExactlyZero() {
        long[][][] stats = {
                {{0, 0, 0, 0}, {4, 4, 2, 1}, {0, 1}},
                {{0, 0, 0, 0}, {10, 11, 12, 0}, {14, 10}},
                {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0}},
                {{6, 5, 4, 0}, {6, 5, 4, 3}, {6, 6}},
                {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0}},
                {{0, 0, 0, 0}, {0, 0, 0, 0}, {1, 5}}};
        double[] offsets = {0.0, 0.0, 0.0, 0.0, 0.1, 0.01};
        for (int i = 0; i < stats.length; i++) {
            Bleu floor = Bleu.builder().smoothing(Bleu.Smoothing.FLOOR, offsets[i]).build();
            assertEquals(0.0, floor.fromStatistics(stats[i][0], stats[i][1], stats[i][2][0], stats[i][2][1]).score(), "case " + i);
        }
    }

    // test_sentence_bleu.py, the example of sacreBLEU issue #98 (tolerance 1e-3 as there)
    private static final String REF = "producţia de zahăr brut se exprimă în zahăr alb;";
    private static final String SYS = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";

    private static double sentence(Bleu.Smoothing method, double value, boolean lowercase, BleuTokenizer tok, String sys, String ref) {
        return Bleu.builder().smoothing(method, value).lowercase(lowercase).tokenizer(tok).effectiveOrder(true)
                .build().sentenceScore(sys, List.of(ref)).score();
    }

    @Test
    void sentenceBleuSmoothingTokenizersAndCase() {
        double nan = Double.NaN;
        BleuTokenizer v13a = BleuTokenizer.THIRTEEN_A;
        assertEquals(8.493, sentence(Bleu.Smoothing.EXP, nan, false, v13a, SYS, REF), 1e-3);
        assertEquals(0.0, sentence(Bleu.Smoothing.NONE, nan, false, v13a, SYS, REF), 1e-3);
        assertEquals(4.51688, sentence(Bleu.Smoothing.FLOOR, nan, false, v13a, SYS, REF), 1e-3);
        assertEquals(4.51688, sentence(Bleu.Smoothing.FLOOR, 0.1, false, v13a, SYS, REF), 1e-3);
        assertEquals(10.10, sentence(Bleu.Smoothing.FLOOR, 0.5, false, v13a, SYS, REF), 1e-3);
        assertEquals(14.882, sentence(Bleu.Smoothing.ADD_K, nan, false, v13a, SYS, REF), 1e-3);
        assertEquals(14.882, sentence(Bleu.Smoothing.ADD_K, 1, false, v13a, SYS, REF), 1e-3);
        assertEquals(21.389, sentence(Bleu.Smoothing.ADD_K, 2, false, v13a, SYS, REF), 1e-3);
        assertEquals(7.347, sentence(Bleu.Smoothing.EXP, nan, false, BleuTokenizer.NONE, SYS, REF), 1e-3);
        assertEquals(8.493, sentence(Bleu.Smoothing.EXP, nan, false, BleuTokenizer.INTL, SYS, REF), 1e-3);
        assertEquals(40.8759, sentence(Bleu.Smoothing.EXP, nan, false, BleuTokenizer.CHAR, SYS, REF), 1e-3);
        assertEquals(42.0267, sentence(Bleu.Smoothing.EXP, nan, true, BleuTokenizer.CHAR, SYS, REF), 1e-3);
    }

    @Test
    void sentenceBleuWithoutAnyMatchIsZeroForEverySmoothing() {
        // sacreBLEU issue #141
        for (Bleu.Smoothing m : Bleu.Smoothing.values()) {
            assertEquals(0.0, sentence(m, Double.NaN, false, BleuTokenizer.THIRTEEN_A, "this is a cat", "okay thanks"), 1e-3, m.name());
        }
    }

    @Test
    void tokenizer13a() {
        BleuTokenizer t = BleuTokenizer.THIRTEEN_A;
        // the apostrophe (0x27) is outside 13a's punctuation ranges, so it stays inside the word
        assertEquals("It wasn't surprising .", t.tokenize("It wasn't surprising."));
        // periods and commas stay inside numbers; a dash after a digit splits
        assertEquals("3.14 , 1,000 and 5 - 6 ( a / b )", t.tokenize("3.14, 1,000 and 5-6 (a/b)"));
        assertEquals("a \" b & c < d", t.tokenize("a &quot;b &amp; c&lt;d"));
        assertEquals("In 2019 .", t.tokenize("In 2019."));
    }

    @Test
    void argumentErrorsAreClear() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Bleu.corpus(HYPS, List.of(List.of("only one"))));
        assertTrue(e.getMessage().contains("reference stream 0 has 1 segments but there are 3 hypotheses"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Bleu.corpus(HYPS, List.of()));
        assertThrows(IllegalArgumentException.class, () -> BleuTokenizer.fromSignature("moses"));
    }

    /** Segments added one at a time (eval of a large split keeps only their statistics) score as the corpus at once. */
    @Test
    void aCorpusGatheredSegmentBySegmentScoresAsTheWholeCorpus() {
        Bleu bleu = Bleu.builder().build();
        Bleu.Corpus c = bleu.corpus();
        for (int i = 0; i < HYPS.size(); i++) c.add(HYPS.get(i), REFS.get(1).get(i));
        BleuScore whole = bleu.corpusScore(HYPS, List.of(REFS.get(1)));
        assertEquals(whole.toString(), c.score().toString());
        assertEquals(whole.score(), c.score().score(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> bleu.corpus().score());
    }
}
