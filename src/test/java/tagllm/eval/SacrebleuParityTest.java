package tagllm.eval;

import org.junit.jupiter.api.Test;
import tagllm.data.RowIssues;
import tagllm.data.TranslationPair;
import tagllm.data.TranslationTsv;
import tagllm.testutil.Shared;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * BLEU and chrF on real multilingual test sets (../shared/data/translation, NTREX-128, 423 sentences), against
 * values printed by sacreBLEU 2.6.0 itself (mjpost/sacrebleu @ f615c72, full-precision repr). The "hypotheses"
 * are another language's human translation of the same sentences, so scores are low but every n-gram order,
 * accents, Cyrillic and multi-reference selection are exercised.
 */
class SacrebleuParityTest {
    // bit-identical on x86-64 today; the margin only allows Math.log/exp to differ from libm by an ulp elsewhere
    private static final double REL = 1e-13;

    private static List<TranslationPair> pairs(String dir) {
        return TranslationTsv.read(Shared.data("translation/" + dir + "/test.tsv"), false, RowIssues.strict());
    }

    private static List<String> src(String dir) {
        return pairs(dir).stream().map(TranslationPair::src).toList();
    }

    private static List<String> tgt(String dir) {
        return pairs(dir).stream().map(TranslationPair::tgt).toList();
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, Math.abs(expected) * REL, what);
    }

    @Test
    void bleuSpanishAgainstPortuguese() {
        BleuScore s = Bleu.corpus(src("es-pt"), List.of(tgt("es-pt")));
        assertClose(6.175575142045859, s.score(), "score");
        assertEquals(List.of(3572L, 1041L, 366L, 154L), s.counts());
        assertEquals(List.of(11601L, 11178L, 10755L, 10332L), s.totals());
        assertEquals(11601, s.sysLen());
        assertEquals(11073, s.refLen());
        assertEquals(1.0, s.bp());
        double[] p = {30.790449099215586, 9.312936124530328, 3.403068340306834, 1.4905149051490514};
        for (int i = 0; i < 4; i++) assertClose(p[i], s.precisions().get(i), "precision " + (i + 1));
    }

    @Test
    void bleuWithTwoReferenceStreams() {
        BleuScore s = Bleu.corpus(src("es-pt"), List.of(tgt("es-pt"), src("it-ru")));
        assertClose(7.483190299735657, s.score(), "score");
        assertEquals(List.of(4227L, 1240L, 449L, 192L), s.counts());
        assertEquals(11033, s.refLen());
    }

    @Test
    void bleuIntlLowercase() {
        BleuScore s = Bleu.builder().tokenizer(BleuTokenizer.INTL).lowercase(true).build()
                .corpusScore(src("es-pt"), List.of(tgt("es-pt")));
        assertClose(6.186657734204224, s.score(), "score");
        assertEquals(List.of(3647L, 1037L, 363L, 159L), s.counts());
        assertEquals(11693, s.sysLen());
        assertEquals(11273, s.refLen());
    }

    @Test
    void bleuFrenchAgainstGermanAndShiftedRussian() {
        BleuScore fr = Bleu.corpus(src("fr-de"), List.of(tgt("fr-de")));
        assertClose(2.6872221355717967, fr.score(), "fr-de");
        assertEquals(List.of(1736L, 378L, 146L, 70L), fr.counts());
        List<String> ru = tgt("it-ru");
        assertClose(1.342248881917535, Bleu.corpus(ru.subList(1, ru.size()), List.of(ru.subList(0, ru.size() - 1))).score(), "ru");
    }

    @Test
    void chrF() {
        assertClose(39.44945502619345, ChrF.corpus(src("es-pt"), List.of(tgt("es-pt"))), "chrF es-pt");
        assertClose(39.86638408157391, ChrF.corpus(src("es-pt"), List.of(tgt("es-pt"), src("it-ru"))), "chrF two refs");
        assertClose(34.64697373303379, ChrF.builder().wordOrder(2).build().corpusScore(src("es-pt"), List.of(tgt("es-pt"))), "chrF++");
        List<String> ru = tgt("it-ru");
        assertClose(18.909832371269435, ChrF.corpus(ru.subList(1, ru.size()), List.of(ru.subList(0, ru.size() - 1))), "chrF ru");
    }
}
