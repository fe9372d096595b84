package tagllm.data;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Items divided into train, valid and test, each list in file order. */
public record Splits<T>(List<T> train, List<T> valid, List<T> test) {

    public Splits {
        train = List.copyOf(train);
        valid = List.copyOf(valid);
        test = List.copyOf(test);
    }

    public List<T> get(Split split) {
        return switch (split) {
            case TRAIN -> train;
            case VALID -> valid;
            case TEST -> test;
        };
    }

    public int size() {
        return train.size() + valid.size() + test.size();
    }

    /** Sizes per split, e.g. for logging {@code {TRAIN=20037, VALID=5009, TEST=5010}}. */
    public Map<Split, Integer> sizes() {
        Map<Split, Integer> m = new EnumMap<>(Split.class);
        for (Split s : Split.values()) m.put(s, get(s).size());
        return m;
    }

    /** Converts the items of every split; an item whose conversion throws a DatasetException goes to {@code issues}. */
    public <R> Splits<R> map(RowIssues issues, Function<T, R> conversion) {
        Builder<R> b = new Builder<>();
        for (Split s : Split.values()) {
            for (T item : get(s)) {
                try {
                    b.add(s, conversion.apply(item));
                } catch (DatasetException e) {
                    issues.record(e);
                }
            }
        }
        return b.build();
    }

    /** Collects items split by split. Not thread-safe. */
    public static final class Builder<T> {
        private final Map<Split, List<T>> parts = new EnumMap<>(Split.class);

        public Builder() {
            for (Split s : Split.values()) parts.put(s, new ArrayList<>());
        }

        public Builder<T> add(Split split, T item) {
            parts.get(split).add(item);
            return this;
        }

        public Splits<T> build() {
            return new Splits<>(parts.get(Split.TRAIN), parts.get(Split.VALID), parts.get(Split.TEST));
        }
    }
}
