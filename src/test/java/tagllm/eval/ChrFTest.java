package tagllm.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Cases and expected values re-entered from sacreBLEU's test/test_chrf.py and its README's API example. */
class ChrFTest {
    private static final double EPSILON = 1e-4;

    private static double chrf(ChrF metric, List<String> hyps, List<String> refs) {
        return metric.corpusScore(hyps, List.of(refs));
    }

    @Test
    void readmeExampleWithDefaultsAndTwoReferences() {
        List<List<String>> refs = List.of(
                List.of("The dog bit the man.", "It was not unexpected.", "The man bit him first."),
                List.of("The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."));
        List<String> sys = List.of("The dog bit the man.", "It wasn't surprising.", "The man had just bitten him.");
        assertEquals("59.73", ScoreFormat.fixed(ChrF.corpus(sys, refs), 2));
    }

    @Test
    void epsilonSmoothingBeta3() {
        ChrF m = ChrF.builder().charOrder(6).wordOrder(0).beta(3).epsSmoothing(true).build();
        assertEquals(0.0, chrf(m, List.of("abcdefg"), List.of("hijklmnop")), EPSILON);
        assertEquals(0.0, chrf(m, List.of("a"), List.of("b")), EPSILON);
        assertEquals(0.0, chrf(m, List.of(""), List.of("b")), EPSILON);
        assertEquals(0.0, chrf(m, List.of(""), List.of("ref")), EPSILON);
        assertEquals(0.0, chrf(m, List.of(""), List.of("reference")), EPSILON);
        assertEquals(8.3333, chrf(m, List.of("aa"), List.of("ab")), EPSILON);
        assertEquals(8.3333, chrf(m, List.of("a", "b"), List.of("a", "c")), EPSILON);
        assertEquals(16.6667, chrf(m, List.of("a"), List.of("a")), EPSILON);
        assertEquals(50.0, chrf(m, List.of("a b c"), List.of("a b c")), EPSILON);
        assertEquals(50.0, chrf(m, List.of("a b c"), List.of("abc")), EPSILON);
        assertEquals(63.361730, chrf(m,
                List.of(" risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ."),
                List.of("risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .")), EPSILON);
        assertEquals(64.1302698, chrf(m,
                List.of(" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "),
                List.of("Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.")), EPSILON);
        assertEquals(100.0, chrf(m, List.of("Niemand hat die Absicht, eine Mauer zu errichten"),
                List.of("Niemand hat die Absicht, eine Mauer zu errichten")), EPSILON);
    }

    @Test
    void effectiveOrderBeta3() {
        ChrF m = ChrF.builder().beta(3).build();
        assertEquals(100.0, chrf(m, List.of("a"), List.of("a")), EPSILON);
        assertEquals(0.0, chrf(m, List.of(""), List.of("reference")), EPSILON);
        assertEquals(100.0, chrf(m, List.of("a b c"), List.of("a b c")), EPSILON);
        assertEquals(100.0, chrf(m, List.of("a b c"), List.of("abc")), EPSILON);
        assertEquals(0.0, chrf(m, List.of(""), List.of("c")), EPSILON);
        assertEquals(50.0, chrf(m, List.of("a", "b"), List.of("a", "c")), EPSILON);
        assertEquals(25.0, chrf(m, List.of("aa"), List.of("ab")), EPSILON);
    }

    @Test
    void keepWhitespaceBeta3() {
        ChrF m = ChrF.builder().beta(3).keepWhitespace(true).build();
        assertEquals(67.3481606, chrf(m,
                List.of("Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."),
                List.of("Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.")), EPSILON);
        assertEquals(65.2414427, chrf(m,
                List.of("risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ."),
                List.of("risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .")), EPSILON);
    }

    @Test
    void sentenceLevelWithEpsilonSmoothing() {
        ChrF m = ChrF.builder().epsSmoothing(true).build();
        assertEquals(39.14078509, m.sentenceScore("Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.",
                List.of("Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.")), EPSILON);
        assertEquals(31.22557079, m.sentenceScore("Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
                List.of("A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.")), EPSILON);
        assertEquals(57.15704367, m.sentenceScore("Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
                List.of("Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.")), EPSILON);
    }

    @Test
    void handComputedDefaultChrF2() {
        // "ab" vs "ac": unigrams hyp {a,b} ref {a,c}: P = R = 1/2; bigrams "ab" vs "ac": P = R = 0; orders 3-6 absent.
        // effective order 2: avg P = avg R = 1/4 -> F2 = 5 * 1/16 / (4/4 + 1/4) ... = (5/16) / (5/4) = 1/4 -> 25.0
        assertEquals(25.0, ChrF.corpus(List.of("ab"), List.of(List.of("ac"))), 1e-12);
    }

    @Test
    void codePointsNotUtf16Units() {
        // one supplementary character is one character n-gram, as in Python
        assertEquals(100.0, ChrF.corpus(List.of("\uD83D\uDE00"), List.of(List.of("\uD83D\uDE00"))), 1e-12);
        assertEquals(0.0, ChrF.corpus(List.of("\uD83D\uDE00"), List.of(List.of("\uD83D\uDE01"))), 1e-12);
    }

    @Test
    void mismatchedStreamIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChrF.corpus(List.of("a", "b"), List.of(List.of("a"))));
        assertTrue(e.getMessage().contains("reference stream 0"), e.getMessage());
    }

    /** Segments added one at a time (eval of a large split keeps only their statistics) score as the corpus at once. */
    @Test
    void aCorpusGatheredSegmentBySegmentScoresAsTheWholeCorpus() {
        List<String> refs = List.of("The dog had bit the man.", "No one was surprised.", "The man had bitten the dog.");
        List<String> sys = List.of("The dog bit the man.", "It wasn't surprising.", "The man had just bitten him.");
        ChrF chrf = ChrF.builder().build();
        ChrF.Corpus c = chrf.corpus();
        for (int i = 0; i < sys.size(); i++) c.add(sys.get(i), refs.get(i));
        assertEquals(chrf.corpusScore(sys, List.of(refs)), c.score(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> chrf.corpus().score());
    }
}
