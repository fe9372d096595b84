package tagllm.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A Bemis–Murcko scaffold split: molecules with the same scaffold (the key function, {@code tagllm.chem.Scaffolds})
 * always land in the same split, so test molecules have scaffolds training never saw (MoleculeNet's harder,
 * more honest split).
 *
 * <p>Groups fill train, then valid, then test: a group goes to train while train stays within
 * {@code train × n} rows, else to valid while it stays within {@code valid × n}, else to test. The order:
 * <ul>
 *   <li>{@link Order#BALANCED} (the default; chemprop's {@code scaffold_balanced}): groups larger than half the
 *       valid or test size come first, so the largest scaffold groups go to train, then the rest; both parts
 *       shuffled with Python's {@code random.Random(seed)}, so each seed gives another split.</li>
 *   <li>{@link Order#LARGEST_FIRST} (DeepChem's ScaffoldSplitter, as in MoleculeNet, exactly): groups by size,
 *       largest first, of equal sizes the group whose first row comes later first; a group that does not fit train
 *       goes to valid while train and valid together stay within {@code (train + valid) × n} (so valid takes up what
 *       train left); the seed is not used.</li>
 * </ul>
 * Groups are formed in file order (first row first), so the split depends only on the rows, the seed and the
 * order. Rows whose key cannot be computed (a DatasetException: a SMILES that does not parse) go to
 * {@code issues}: skipped and reported with their line, or fatal when strict.
 */
public record ScaffoldSplit(double train, double valid, double test, long seed, Order order) {

    public enum Order { BALANCED, LARGEST_FIRST }

    public ScaffoldSplit {
        if (Math.abs(train + valid + test - 1) > 1e-6 || train < 0 || valid < 0 || test < 0) {
            throw new IllegalArgumentException("scaffold split fractions must be three non-negative numbers that sum to 1, got "
                    + train + ", " + valid + ", " + test);
        }
    }

    /** Splits rows by their scaffold key. */
    public Splits<Row> split(List<Row> rows, Function<Row, String> scaffold, RowIssues issues) {
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        List<Row> kept = new ArrayList<>();
        Map<Row, List<Row>> groupOf = new java.util.IdentityHashMap<>();
        for (Row r : rows) {
            issues.convert(r, scaffold::apply).ifPresent(key -> {
                List<Row> g = groups.computeIfAbsent(key, k -> new ArrayList<>());
                g.add(r);
                kept.add(r);
                groupOf.put(r, g);
            });
        }
        List<List<Row>> sets = new ArrayList<>(groups.values());
        int n = sets.stream().mapToInt(List::size).sum();
        double trainCap = train * n, validCap = valid * n, testCap = n - trainCap - validCap;
        List<List<Row>> ordered;
        if (order == Order.LARGEST_FIRST) {
            // DeepChem: sorted(key=(len(set), set[0]), reverse=True), so of two groups of one size the later one first
            ordered = new ArrayList<>(sets);
            java.util.Collections.reverse(ordered);
            ordered.sort(Comparator.comparingInt((List<Row> s) -> s.size()).reversed()); // stable: ties stay reversed
        } else {
            List<List<Row>> big = new ArrayList<>(), small = new ArrayList<>();
            for (List<Row> s : sets) (s.size() > validCap / 2 || s.size() > testCap / 2 ? big : small).add(s);
            PythonRandom random = new PythonRandom(seed);
            random.shuffle(big);
            random.shuffle(small);
            ordered = new ArrayList<>(big);
            ordered.addAll(small);
        }
        Map<List<Row>, Split> assigned = new java.util.IdentityHashMap<>();
        int inTrain = 0, inValid = 0;
        for (List<Row> s : ordered) {
            Split to;
            if (inTrain + s.size() <= trainCap) {
                to = Split.TRAIN;
                inTrain += s.size();
            } else if (order == Order.LARGEST_FIRST ? inTrain + inValid + s.size() <= (train + valid) * n
                    : inValid + s.size() <= validCap) {
                to = Split.VALID;
                inValid += s.size();
            } else {
                to = Split.TEST;
            }
            assigned.put(s, to);
        }
        // rows keep their file order within a split, as in the other splits
        Splits.Builder<Row> b = new Splits.Builder<>();
        for (Row r : kept) b.add(assigned.get(groupOf.get(r)), r);
        return b.build();
    }
}
