package tagllm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The benchmark readers on the real files in ../shared/data; counts as documented in its README. */
class BenchmarkReadersTest {
    @TempDir
    Path dir;

    private static Map<Split, Integer> sizes(int train, int valid, int test) {
        return Map.of(Split.TRAIN, train, Split.VALID, valid, Split.TEST, test);
    }

    @Test
    void davisJoinedFromPairsProteinsAndLigands() {
        Splits<DtiExample> s = Davis.readDirectory(Shared.data("binding_affinity"), RowIssues.strict());
        assertEquals(30056, s.size());
        assertEquals(sizes(20037, 5009, 5010), s.sizes());
        DtiExample first = s.train().get(0);
        assertEquals("11314340", first.drugId());
        assertEquals("AAK1", first.proteinId());
        assertEquals(7.366532, first.affinity());
        assertEquals("CC1=C2C=C(C=CC2=NN1)C3=CC(=CN=C3)OCC(CC4=CC=CC=C4)N", first.smiles());
        assertTrue(first.protein().startsWith("MKKFFDSRREQGGSGLGSGSSGGGGSTSGLGSGYIGRVFGIGRQQ"), first.protein());
        assertTrue(first.origin().source().endsWith("davis_pairs.csv"));
        assertEquals(2, first.origin().line());
        DtiExample firstValid = s.valid().get(0);
        assertEquals("ABL1(E255K)", firstValid.proteinId());
        assertEquals(5.0, firstValid.affinity());
        assertEquals(3, firstValid.origin().line());
        // pKd range as documented (5.0 to 10.8)
        double min = s.train().stream().mapToDouble(DtiExample::affinity).min().orElseThrow();
        double max = s.train().stream().mapToDouble(DtiExample::affinity).max().orElseThrow();
        assertEquals(5.0, min);
        assertTrue(max > 10.7 && max < 10.9, "max " + max);
    }

    @Test
    void davisSampleWithSequencesInline() {
        Splits<DtiExample> s = Davis.sample(Shared.data("binding_affinity/davis_sample.csv"), RowIssues.strict());
        assertEquals(sizes(2400, 300, 300), s.sizes());
        DtiExample first = s.train().get(0);
        assertEquals("GSK3A", first.proteinId());
        assertEquals("11656518", first.drugId());
        assertEquals(5.0, first.affinity());
        assertTrue(first.protein().startsWith("MSGGGPSGGGPGGSGRARTSSFAEPGG"));
        assertTrue(first.smiles().startsWith("CN1C2=C(C=C(C=C2)OC3=CC(=NC=C3)"));
    }

    @Test
    void davisPairWithUnknownProteinIsReported() throws IOException {
        Files.writeString(dir.resolve("davis_pairs.csv"), "drug_id,protein_id,affinity,kd_nm,split\n1,P,5.0,1,train\n1,Q,6.0,1,test\n");
        Files.writeString(dir.resolve("davis_proteins.csv"), "protein_id,protein_seq\nP,MKV\n");
        Files.writeString(dir.resolve("davis_ligands.csv"), "drug_id,smiles\n1,CCO\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Davis.readDirectory(dir, RowIssues.strict()));
        assertEquals(dir.resolve("davis_pairs.csv") + ":3: protein_id 'Q' is not in " + dir.resolve("davis_proteins.csv"), e.getMessage());
        RowIssues issues = RowIssues.skipping();
        Splits<DtiExample> s = Davis.readDirectory(dir, issues);
        assertEquals(sizes(1, 0, 0), s.sizes());
        assertEquals(1, issues.count());

        Files.writeString(dir.resolve("davis_proteins.csv"), "protein_id,protein_seq\nP,MKV\nP,GGG\n");
        DatasetException dup = assertThrows(DatasetException.class, () -> Davis.readDirectory(dir, RowIssues.skipping()));
        assertEquals(dir.resolve("davis_proteins.csv") + ":3: protein_id 'P' appears twice (first at line 2)", dup.getMessage());
    }

    @Test
    void oneilCssAndLoewe() {
        Splits<DrugPairExample> css = Oneil.read(Shared.data("drug_combination/oneil_css.csv"), RowIssues.strict());
        assertEquals(sizes(726, 91, 91), css.sizes());
        DrugPairExample first = css.train().get(0);
        assertEquals("5-FU", first.drug1());
        assertEquals("ABT-888", first.drug2());
        assertEquals("CAOV3", first.cellLine());
        assertEquals("O=c1[nH]cc(F)c(=O)[nH]1", first.smiles1());
        assertEquals("CC1(c2nc3c(C(N)=O)cccc3[nH]2)CCCN1", first.smiles2());
        assertEquals(8.8137, first.score());

        Splits<DrugPairExample> loewe = Oneil.read(Shared.data("drug_combination/oneil_loewe.csv"), RowIssues.strict());
        assertEquals(sizes(13884, 4614, 4554), loewe.sizes());
        assertEquals(7.6935301658, loewe.train().get(0).score());
        assertEquals("A2058", loewe.train().get(0).cellLine());
    }

    @Test
    void translationPairsBothDirections() {
        Path train = Shared.data("translation/en-fr/train.tsv");
        List<TranslationPair> enFr = TranslationTsv.read(train, false, RowIssues.strict());
        assertEquals(2374, enFr.size());
        TranslationPair first = enFr.get(0);
        assertEquals("Welsh AMs worried about 'looking like muppets'", first.src());
        assertEquals("Des membres de l’Assemblée du pays de Galles inquiets de « passer pour des marionnettes »", first.tgt());
        assertEquals("ntrex128", first.corpus());
        assertEquals(2, first.origin().line());
        TranslationPair reversed = TranslationTsv.read(train, true, RowIssues.strict()).get(0);
        assertEquals(first.tgt(), reversed.src());
        assertEquals(first.src(), reversed.tgt());

        assertEquals(623, TranslationTsv.read(Shared.data("translation/en-fr/test.tsv"), false, RowIssues.strict()).size());
        for (String pair : List.of("es-pt", "fr-de", "it-ru")) {
            assertEquals(423, TranslationTsv.read(Shared.data("translation/" + pair + "/test.tsv"), false, RowIssues.strict()).size(), pair);
        }
        long tatoeba = enFr.stream().filter(p -> p.corpus().equals("tatoeba")).count();
        assertEquals(800, tatoeba);
    }

    @Test
    void languageText() {
        List<TextExample> en = LanguageText.read(Shared.data("language/en.txt"));
        assertEquals(6901, en.size());
        assertEquals("Welsh AMs worried about 'looking like muppets'", en.get(0).text());
        assertEquals(1, en.get(0).origin().line());
        for (String lang : List.of("fr", "ru", "de", "it", "el", "es", "pt")) {
            assertEquals(2373, LanguageText.read(Shared.data("language/" + lang + ".txt")).size(), lang);
        }
    }

    @Test
    void tdcStyleCsvs() throws IOException {
        Path dti = dir.resolve("bindingdb_train.csv");
        Files.writeString(dti, "Drug_ID,Drug,Target_ID,Target,Y\nD1,CCO,T1,MKV,7.25\nD2,N,T2,GGA,abc\n");
        RowIssues issues = RowIssues.skipping();
        List<DtiExample> ex = TdcCsv.dti(dti, issues);
        assertEquals(1, ex.size());
        assertEquals(new DtiExample("CCO", "MKV", 7.25, "D1", "T1", new Origin(dti.toString(), 2)), ex.get(0));
        assertEquals(List.of(dti + ":3: column 'Y': expected a number, got 'abc'"), issues.messages());

        Path dc = dir.resolve("drugcomb.csv");
        Files.writeString(dc, "Drug1,Drug2,Y\nCCO,N,12.5\n");
        assertEquals(new DrugPairExample("CCO", "N", 12.5, "", "", "", new Origin(dc.toString(), 2)),
                TdcCsv.drugCombination(dc, RowIssues.strict()).get(0));

        Path wrong = dir.resolve("wrong.csv");
        Files.writeString(wrong, "smiles,target,affinity\nCCO,MKV,1\n");
        DatasetException e = assertThrows(DatasetException.class, () -> TdcCsv.dti(wrong, RowIssues.strict()));
        assertEquals(wrong + ":1: missing columns 'Drug', 'Target', 'Y' (the file has: smiles, target, affinity)", e.getMessage());
    }

    @Test
    void everySharedCsvReadsCleanly() {
        // all shared CSV files parse with RFC 4180 quoting (freesolv has quoted IUPAC names with commas)
        Dataset free = Dataset.read(Shared.data("smiles/freesolv.csv"));
        assertEquals(642, free.size());
        assertTrue(free.rows().stream().anyMatch(r -> r.get("iupac").contains(",")));
        assertEquals(20000, Dataset.read(Shared.data("smiles/zinc20k.csv")).size());
        assertEquals(8943, Dataset.read(Shared.data("protein/deepsol.csv")).size());
    }
}
