package tagllm.data;

import org.junit.jupiter.api.Test;
import tagllm.testutil.Shared;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SplitsTest {

    @Test
    void mersenneTwisterMatchesTheReferenceOutput() {
        // mt19937ar.out (Matsumoto & Nishimura): init_by_array({0x123, 0x234, 0x345, 0x456}), first outputs
        PythonRandom r = new PythonRandom(new int[]{0x123, 0x234, 0x345, 0x456});
        long[] expected = {1067595299L, 955945823L, 477289528L, 4107218783L, 4228976476L};
        for (long e : expected) assertEquals(e, r.nextUnsigned32());
    }

    @Test
    void seedingMatchesCPython() {
        // random.Random(42).random() and random.Random(0).random(), as printed by CPython
        assertEquals(0.6394267984578837, new PythonRandom(42).random(), 0);
        assertEquals(0.8444218515250481, new PythonRandom(0).random(), 0);
        // negative seeds use |seed|; seeds above 2^32 use two key words (values from CPython 3)
        assertEquals(1390851128L, new PythonRandom(-7).getrandbits(32));
        assertEquals(1390851128L, new PythonRandom(7).getrandbits(32));
        assertEquals(2166296868L, new PythonRandom((1L << 40) + 5).getrandbits(32));
        assertEquals(2377109768L, new PythonRandom(Long.MIN_VALUE).getrandbits(32));
    }

    @Test
    void shuffleMatchesCPython() {
        // r = random.Random(42); l = list(range(10)); r.shuffle(l) -> [7, 3, 2, 8, 5, 6, 9, 4, 0, 1]
        List<Integer> l = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        new PythonRandom(42).shuffle(l);
        assertEquals(List.of(7, 3, 2, 8, 5, 6, 9, 4, 0, 1), l);
    }

    @Test
    void seededSplitByPositionIsDeterministicAndSized() {
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) items.add(i);
        Splits<Integer> s = SeededSplit.DEFAULT.split(items);
        // shuffled order 7,3,2,8,5,6,9,4 | 0 | 1; each split keeps input order
        assertEquals(List.of(2, 3, 4, 5, 6, 7, 8, 9), s.train());
        assertEquals(List.of(0), s.valid());
        assertEquals(List.of(1), s.test());
        assertEquals(s, SeededSplit.DEFAULT.split(items));
        assertNotEquals(s, new SeededSplit(0.8, 0.1, 0.1, 43).split(items));
    }

    @Test
    void roundingIsHalfToEven() {
        // 642 keys: round(513.6) = 514 train, round(64.2) = 64 valid, 64 test (int() would give 513 / 64 / 65)
        assertArrayEquals(new int[]{514, 578}, SeededSplit.DEFAULT.bounds(642));
        // 0.5 * 5 = 2.5 rounds to 2 (even) and 1.25 to 1, as Python's round; test gets the rest
        assertArrayEquals(new int[]{2, 3}, new SeededSplit(0.5, 0.25, 0.25, 1).bounds(5));
        // a zero test fraction leaves test empty: the rest goes to valid
        assertArrayEquals(new int[]{2, 5}, new SeededSplit(0.5, 0.5, 0, 1).bounds(5));
        assertArrayEquals(new int[]{7, 7}, new SeededSplit(1, 0, 0, 1).bounds(7));
    }

    @Test
    void badFractionsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SeededSplit(0.8, 0.3, 0.1, 1));
        assertTrue(e.getMessage().contains("add up to 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SeededSplit(-0.1, 1.0, 0.1, 1));
    }

    @Test
    void reproducesTheSharedSmilesSplits() {
        // the shared data README: "distinct keys, sorted, random.Random(42).shuffle, 80/10/10"
        for (String file : List.of("smiles/esol.csv", "smiles/freesolv.csv", "smiles/bbbp.csv")) {
            Dataset ds = Dataset.read(Shared.data(file));
            assertSplitColumnReproduced(ds, SeededSplit.DEFAULT.split(ds.rows(), r -> r.get("smiles")));
        }
    }

    @Test
    void reproducesTheSharedProteinSplit() {
        Dataset ds = Dataset.read(Shared.data("protein/dta_targets.csv"));
        assertSplitColumnReproduced(ds, SeededSplit.DEFAULT.split(ds.rows(), r -> r.get("sequence")));
    }

    @Test
    void reproducesTheSharedOneilSplitWithTupleKeys() {
        Dataset ds = Dataset.read(Shared.data("drug_combination/oneil_css.csv"));
        Splits<Row> s = SeededSplit.DEFAULT.splitByTuple(ds.rows(), r -> List.of(r.get("drug1"), r.get("drug2"), r.get("cell_line")));
        assertSplitColumnReproduced(ds, s);
    }

    private static void assertSplitColumnReproduced(Dataset ds, Splits<Row> ours) {
        assertEquals(ds.size(), ours.size());
        for (Split split : Split.values()) {
            for (Row r : ours.get(split)) assertEquals(split.label(), r.get("split"), r.origin().toString());
        }
    }

    @Test
    void splitColumnWithDefaultAndCustomNames() {
        Row train = Row.of("f.csv", 2, Map.of("split", "train"));
        Row dev = Row.of("f.csv", 3, Map.of("split", " Dev "));
        Row odd = Row.of("f.csv", 4, Map.of("split", "holdout"));
        assertEquals(Split.TRAIN, SplitColumn.DEFAULT.of(train));
        assertEquals(Split.VALID, SplitColumn.DEFAULT.of(dev));
        DatasetException e = assertThrows(DatasetException.class, () -> SplitColumn.DEFAULT.of(odd));
        assertEquals("f.csv:4: column 'split': expected one of train, valid, val, dev, validation, test, got 'holdout'", e.getMessage());

        SplitColumn custom = new SplitColumn("fold", List.of("a"), List.of("b"), List.of("holdout"));
        assertEquals(Split.TEST, custom.of(Row.of("f.csv", 4, Map.of("fold", "holdout"))));

        RowIssues issues = RowIssues.skipping();
        Splits<Row> s = SplitColumn.DEFAULT.split(List.of(train, dev, odd), issues);
        assertEquals(List.of(train), s.train());
        assertEquals(List.of(dev), s.valid());
        assertEquals(1, issues.count());
    }
}
