package tagllm.chem;

import org.junit.jupiter.api.Test;
import tagllm.data.Dataset;
import tagllm.data.Format;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.data.ScaffoldSplit;
import tagllm.data.Split;
import tagllm.data.Splits;
import tagllm.testutil.Shared;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Bemis–Murcko scaffolds and the scaffold split: the same groups, reproducible per seed, disjoint by scaffold. */
class ScaffoldSplitTest {

    @Test
    void moleculesWithTheSameRingSystemShareAScaffold() {
        assertEquals(Scaffolds.of("c1ccccc1CC(=O)O"), Scaffolds.of("Cc1ccccc1"));
        assertEquals(Scaffolds.of("c1ccccc1CCN"), Scaffolds.of("OCc1ccccc1"));
        assertNotEquals(Scaffolds.of("c1ccccc1"), Scaffolds.of("c1ccncc1"));
        // the linker between two rings is part of the scaffold
        assertNotEquals(Scaffolds.of("c1ccccc1Cc1ccccc1"), Scaffolds.of("c1ccccc1CCc1ccccc1"));
        assertEquals("", Scaffolds.of("CCO"), "an acyclic molecule has the empty scaffold");
        assertThrows(SmilesException.class, () -> Scaffolds.of("C1CC"));
    }

    @Test
    void theScaffoldIsTheRingSystemWhereverItsSideChainsHung() {
        // Bemis–Murcko by hand: strip every side chain, keep rings and the linkers between them
        String benzene = Scaffolds.of("c1ccccc1");
        for (String s : List.of("Cc1ccccc1", "CC(=O)Nc1ccc(O)cc1", "Oc1ccccc1O", "Oc1cccc(C)c1", "CC1=CC=CC=C1", "[H]c1ccccc1"))
            assertEquals(benzene, Scaffolds.of(s), s + " has benzene's scaffold");
        String naphthalene = Scaffolds.of("c1ccc2ccccc2c1");
        for (String s : List.of("Cc1ccc2ccccc2c1", "Cc1cccc2ccccc12", "CC1=CC2=CC=CC=C2C=C1", "OC1=CC=C2C=CC=CC2=C1"))
            assertEquals(naphthalene, Scaffolds.of(s), s + " has naphthalene's scaffold");
        assertEquals(Scaffolds.of("C1CCCCC1"), Scaffolds.of("O=C1CCCCC1"), "CDK's scaffold drops the =O (documented)");
        assertEquals(Scaffolds.of("C1CC1CCC1CC1"), Scaffolds.of("CC1CC1C(O)CC1CC1N"), "the linker stays, its side chain goes");
        assertEquals(Scaffolds.of("c1ccc2[nH]ccc2c1"), Scaffolds.of("Oc1ccc2[nH]ccc2c1"));
        assertEquals(Scaffolds.of("c1ccc2[nH]ccc2c1"), Scaffolds.of("Cn1ccc2ccccc12"), "an N-substituent becomes the N-H");
        for (String key : List.of(benzene, naphthalene, Scaffolds.of("CC(=O)Nc1ccc(O)cc1")))
            assertFalse(key.contains("[c]") || key.contains("[C]"), "no atom left a hydrogen short: " + key);
    }

    private static Row row(int line, String smiles) { return Row.of("mols.csv", line, Map.of("smiles", smiles)); }

    @Test
    void largestFirstFillsTrainThenValidThenTestByHand() {
        List<Row> rows = List.of(
                row(2, "Cc1ccccc1"), row(3, "CCO"), row(4, "C1CCCCC1C"), row(5, "Oc1ccccc1"), row(6, "c1ccncc1"),
                row(7, "NC1CCCCC1"), row(8, "c1ccccc1CC"), row(9, "C1CCOC1"), row(10, "Clc1ccccc1"), row(11, "c1ccsc1"));
        // groups: benzene {2,5,8,10} (4), cyclohexane {4,7} (2), then the single rows as DeepChem sorts them,
        // (len, first index) descending: thiophene {11}, THF {9}, pyridine {6}, "" {3}. 60/20/20 of 10 (DeepChem's
        // ScaffoldSplitter by hand): train_cutoff 6, valid_cutoff 8; benzene and cyclohexane fill train (6), thiophene
        // and THF go to valid (6 + 0 + 1 <= 8, 6 + 1 + 1 <= 8), pyridine and "" to test.
        Splits<Row> s = new ScaffoldSplit(0.6, 0.2, 0.2, 0, ScaffoldSplit.Order.LARGEST_FIRST).split(rows, r -> Scaffolds.of(r.get("smiles")), RowIssues.strict());
        assertEquals(List.of(2L, 4L, 5L, 7L, 8L, 10L), lines(s.train()));
        assertEquals(List.of(9L, 11L), lines(s.valid()));
        assertEquals(List.of(3L, 6L), lines(s.test()));
    }

    @Test
    void largestFirstLetsValidTakeWhatTrainLeftAsDeepChemDoes() {
        // 10 rows in groups of 7 (benzene), 2 (cyclohexane), 1 (pyridine); 80/10/10. DeepChem by hand:
        // 7 -> train (7 <= 8); 2: 7 + 2 > 8, 7 + 0 + 2 <= 9 -> valid; 1: 7 + 1 <= 8 -> train
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 7; i++) rows.add(row(2 + i, "c1ccccc1" + "C".repeat(i)));
        rows.add(row(9, "C1CCCCC1"));
        rows.add(row(10, "CC1CCCCC1"));
        rows.add(row(11, "c1ccncc1"));
        Splits<Row> s = new ScaffoldSplit(0.8, 0.1, 0.1, 0, ScaffoldSplit.Order.LARGEST_FIRST).split(rows, r -> Scaffolds.of(r.get("smiles")), RowIssues.strict());
        assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L, 11L), lines(s.train()));
        assertEquals(List.of(9L, 10L), lines(s.valid()));
        assertEquals(List.of(), lines(s.test()));
    }

    @Test
    void unparsableRowsAreReportedWithTheirLine() {
        List<Row> rows = List.of(row(2, "Cc1ccccc1"), row(3, "C1CC"), row(4, "CCO"));
        RowIssues issues = RowIssues.skipping(5);
        Splits<Row> s = new ScaffoldSplit(0.8, 0.1, 0.1, 0, ScaffoldSplit.Order.BALANCED).split(rows, r -> {
            try {
                return Scaffolds.of(r.get("smiles"));
            } catch (SmilesException e) {
                throw new tagllm.data.DatasetException(r.origin(), e.getMessage());
            }
        }, issues);
        assertEquals(2, s.size());
        assertEquals(1, issues.count());
        assertTrue(issues.summary().contains("mols.csv:3"), issues.summary());
    }

    @Test
    void bbbpSplitIsReproducibleDisjointByScaffoldAndSeeded() {
        List<Row> rows = Dataset.read(Shared.data("smiles/bbbp.csv"), Format.CSV, RowIssues.strict()).rows();
        Map<Row, String> scaffold = new HashMap<>();
        for (Row r : rows) scaffold.put(r, Scaffolds.of(r.get("smiles")));
        ScaffoldSplit split = new ScaffoldSplit(0.8, 0.1, 0.1, 0, ScaffoldSplit.Order.BALANCED);
        Splits<Row> a = split.split(rows, scaffold::get, RowIssues.strict());
        Splits<Row> b = split.split(rows, scaffold::get, RowIssues.strict());
        for (Split part : Split.values()) assertEquals(lines(a.get(part)), lines(b.get(part)), "same seed, same " + part.label());
        assertEquals(rows.size(), a.size(), "every row lands somewhere");
        Set<String> train = scaffolds(a.train(), scaffold), valid = scaffolds(a.valid(), scaffold), test = scaffolds(a.test(), scaffold);
        assertTrue(disjoint(train, valid) && disjoint(train, test) && disjoint(valid, test), "no scaffold in two splits");
        int n = rows.size();
        assertTrue(a.train().size() <= 0.8 * n && a.train().size() > 0.75 * n, "train " + a.train().size() + " of " + n);
        assertTrue(a.valid().size() <= 0.1 * n && a.valid().size() > 0.08 * n, "valid " + a.valid().size());
        // the largest scaffold group (the acyclic molecules or benzene) is in train
        Map<String, Integer> size = new HashMap<>();
        scaffold.values().forEach(k -> size.merge(k, 1, Integer::sum));
        String largest = size.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertTrue(train.contains(largest));
        Splits<Row> other = new ScaffoldSplit(0.8, 0.1, 0.1, 1, ScaffoldSplit.Order.BALANCED).split(rows, scaffold::get, RowIssues.strict());
        assertNotEquals(lines(a.test()), lines(other.test()), "another seed gives another split");
        Splits<Row> deepchem = new ScaffoldSplit(0.8, 0.1, 0.1, 0, ScaffoldSplit.Order.LARGEST_FIRST).split(rows, scaffold::get, RowIssues.strict());
        Splits<Row> deepchem2 = new ScaffoldSplit(0.8, 0.1, 0.1, 7, ScaffoldSplit.Order.LARGEST_FIRST).split(rows, scaffold::get, RowIssues.strict());
        assertEquals(lines(deepchem.test()), lines(deepchem2.test()), "largest-first does not use the seed");
    }

    private static List<Long> lines(List<Row> rows) {
        List<Long> out = new ArrayList<>();
        for (Row r : rows) out.add(r.line());
        return out;
    }

    private static Set<String> scaffolds(List<Row> rows, Map<Row, String> scaffold) {
        Set<String> s = new HashSet<>();
        for (Row r : rows) s.add(scaffold.get(r));
        return s;
    }

    private static boolean disjoint(Set<String> a, Set<String> b) {
        for (String x : a) if (b.contains(x)) return false;
        return true;
    }
}
