package tagllm.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads each row's split from a column. Values are compared after trimming and lower-casing, against
 * configurable names per split.
 *
 * @param column the column holding the split
 * @param train  accepted names for {@link Split#TRAIN}
 * @param valid  accepted names for {@link Split#VALID}
 * @param test   accepted names for {@link Split#TEST}
 */
public record SplitColumn(String column, List<String> train, List<String> valid, List<String> test) {

    /** Column {@code split} with train / valid (also val, dev, validation) / test. */
    public static final SplitColumn DEFAULT = new SplitColumn("split", List.of("train"),
            List.of("valid", "val", "dev", "validation"), List.of("test"));

    public SplitColumn {
        train = lower(train);
        valid = lower(valid);
        test = lower(test);
        for (String n : train) if (valid.contains(n) || test.contains(n)) throw new IllegalArgumentException("split name '" + n + "' is used twice");
        for (String n : valid) if (test.contains(n)) throw new IllegalArgumentException("split name '" + n + "' is used twice");
    }

    /** The default names, in another column. */
    public static SplitColumn named(String column) {
        return new SplitColumn(column, DEFAULT.train, DEFAULT.valid, DEFAULT.test);
    }

    /** The split of {@code row}; a {@link DatasetException} naming file, line and the accepted values otherwise. */
    public Split of(Row row) {
        String v = row.get(column).strip().toLowerCase(Locale.ROOT);
        if (train.contains(v)) return Split.TRAIN;
        if (valid.contains(v)) return Split.VALID;
        if (test.contains(v)) return Split.TEST;
        List<String> all = new ArrayList<>(train);
        all.addAll(valid);
        all.addAll(test);
        throw new DatasetException(row.origin(), "column '" + column + "': expected one of "
                + String.join(", ", all) + ", got '" + Row.clip(row.get(column)) + "'");
    }

    /** Divides rows by this column; rows with an unknown split are handled by {@code issues}. */
    public Splits<Row> split(List<Row> rows, RowIssues issues) {
        Splits.Builder<Row> b = new Splits.Builder<>();
        for (Row r : rows) issues.convert(r, this::of).ifPresent(s -> b.add(s, r));
        return b.build();
    }

    private static List<String> lower(List<String> names) {
        if (names.isEmpty()) throw new IllegalArgumentException("every split needs at least one name");
        return names.stream().map(n -> n.strip().toLowerCase(Locale.ROOT)).toList();
    }
}
