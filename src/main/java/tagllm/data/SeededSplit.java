package tagllm.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A random train/valid/test split that is the same for the same seed, on any machine and in Python.
 *
 * <p>Algorithm (the one the shared datasets were split with):
 * <ol>
 *   <li>take the distinct keys of the items (a key keeps duplicates, e.g. the same SMILES twice, in one split),
 *       sorted by code point (tuples element by element, as Python sorts them);</li>
 *   <li>shuffle them with Python's {@code random.Random(seed).shuffle} (MT19937, reimplemented bit for bit);</li>
 *   <li>the first {@code round(train × n)} keys are train, the next {@code round(valid × n)} valid and the rest
 *       test, where n is the number of keys and round is Python's (half to even);</li>
 *   <li>every item goes to its key's split; items keep their input order within a split.</li>
 * </ol>
 * A split with fraction 0 stays empty: with test = 0 the keys left over by rounding go to valid.
 * In Python: {@code keys = sorted(set(keys)); random.Random(seed).shuffle(keys)}, then slice.
 *
 * @param train fraction of keys for training
 * @param valid fraction of keys for validation
 * @param test  fraction of keys for test; the three must add up to 1
 * @param seed  the seed; any long, used as Python's {@code random.Random(seed)}
 */
public record SeededSplit(double train, double valid, double test, long seed) {

    public SeededSplit {
        for (double f : new double[]{train, valid, test}) {
            if (!(f >= 0 && f <= 1)) throw new IllegalArgumentException("split fractions must be in [0, 1], got " + f);
        }
        if (Math.abs(train + valid + test - 1) > 1e-9) {
            throw new IllegalArgumentException("split fractions must add up to 1, got " + train + " + " + valid + " + " + test);
        }
    }

    /** The shared datasets' split: 80/10/10 with seed 42. */
    public static final SeededSplit DEFAULT = new SeededSplit(0.8, 0.1, 0.1, 42);

    /** Splits items by a single-string key (e.g. a SMILES or a protein sequence). */
    public <T> Splits<T> split(List<T> items, Function<T, String> key) {
        return splitByTuple(items, item -> List.of(key.apply(item)));
    }

    /** Splits items by a composite key (e.g. drug1, drug2, cell line), compared like a Python tuple. */
    public <T> Splits<T> splitByTuple(List<T> items, Function<T, List<String>> key) {
        TreeSet<List<String>> distinct = new TreeSet<>(TUPLE_ORDER);
        List<List<String>> itemKeys = new ArrayList<>(items.size());
        for (T item : items) {
            List<String> k = List.copyOf(key.apply(item));
            itemKeys.add(k);
            distinct.add(k);
        }
        List<List<String>> keys = new ArrayList<>(distinct);
        new PythonRandom(seed).shuffle(keys);
        Map<List<String>, Split> assigned = new HashMap<>(keys.size() * 2);
        int[] bounds = bounds(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            assigned.put(keys.get(i), i < bounds[0] ? Split.TRAIN : i < bounds[1] ? Split.VALID : Split.TEST);
        }
        Splits.Builder<T> b = new Splits.Builder<>();
        for (int i = 0; i < items.size(); i++) b.add(assigned.get(itemKeys.get(i)), items.get(i));
        return b.build();
    }

    /** Splits items by position: each item is its own key (Python: shuffle {@code list(range(n))}). */
    public <T> Splits<T> split(List<T> items) {
        List<Integer> order = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) order.add(i);
        new PythonRandom(seed).shuffle(order);
        Split[] assigned = new Split[items.size()];
        int[] bounds = bounds(items.size());
        for (int i = 0; i < order.size(); i++) {
            assigned[order.get(i)] = i < bounds[0] ? Split.TRAIN : i < bounds[1] ? Split.VALID : Split.TEST;
        }
        Splits.Builder<T> b = new Splits.Builder<>();
        for (int i = 0; i < items.size(); i++) b.add(assigned[i], items.get(i));
        return b.build();
    }

    /**
     * [end of train, end of valid] for n keys, with Python's round (half to even). When the test fraction is 0
     * the keys rounding leaves over go to valid (or to train when valid is 0 too), so an empty split stays empty.
     */
    int[] bounds(int n) {
        int nTrain = (int) Math.min(Math.rint(train * n), n);
        int nValid = (int) Math.min(Math.rint(valid * n), n - nTrain);
        if (test == 0) {
            if (valid == 0) nTrain = n;
            else nValid = n - nTrain;
        }
        return new int[]{nTrain, nTrain + nValid};
    }

    private static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    private static final Comparator<List<String>> TUPLE_ORDER = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = CODE_POINT_ORDER.compare(a.get(i), b.get(i));
            if (c != 0) return c;
        }
        return Integer.compare(a.size(), b.size());
    };
}
