package tagllm.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One example of a dataset: named string values plus the file and line it came from. The accessors fail with a
 * {@link DatasetException} naming file, line and column, so callers never need to format errors themselves.
 */
public final class Row {
    private static final Pattern DECIMAL =
            Pattern.compile("[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?");

    private final Origin origin;
    private final Columns columns;
    private final String[] values;
    /** Per value: JSON text of a number, boolean, array or object (a JSONL row's non-string values); null: none is. */
    private final boolean[] json;

    Row(Origin origin, Columns columns, String[] values) {
        this(origin, columns, values, null);
    }

    Row(Origin origin, Columns columns, String[] values, boolean[] json) {
        if (values.length != columns.size()) throw new IllegalArgumentException("values and columns differ in count");
        if (json != null && json.length != values.length) throw new IllegalArgumentException("values and JSON flags differ in count");
        this.origin = origin;
        this.columns = columns;
        this.values = values;
        this.json = json;
    }

    /**
     * Whether the value of {@code column} is the JSON text of a number, boolean, array or object rather than a string
     * (JSON Lines input), so that a JSONL output can write it back as that JSON value (false when absent).
     */
    public boolean isJson(String column) {
        int i = columns.indexOf(column);
        return json != null && i >= 0 && json[i];
    }

    /** A row built in code (tests, API requests); values keep the map's iteration order. */
    public static Row of(String source, long line, Map<String, String> values) {
        List<String> names = List.copyOf(values.keySet());
        String[] v = new String[names.size()];
        for (int i = 0; i < v.length; i++) v[i] = java.util.Objects.requireNonNull(values.get(names.get(i)), names.get(i));
        return new Row(new Origin(source, line), new Columns(names), v);
    }

    public String source() {
        return origin.source();
    }

    public long line() {
        return origin.line();
    }

    public Origin origin() {
        return origin;
    }

    public boolean has(String column) {
        return columns.indexOf(column) >= 0;
    }

    /** The value of {@code column}, possibly empty. */
    public String get(String column) {
        int i = columns.indexOf(column);
        if (i < 0) {
            throw new DatasetException(origin, "missing column '" + column + "' (this row has: "
                    + String.join(", ", columns.names()) + ")");
        }
        return values[i];
    }

    /** The value of {@code column}, which must not be empty or blank. */
    public String getNonEmpty(String column) {
        String v = get(column);
        if (v.isBlank()) throw new DatasetException(origin, "column '" + column + "' is empty");
        return v;
    }

    /** The value of {@code column} as a finite decimal number (surrounding spaces allowed). */
    public double getDouble(String column) {
        String raw = get(column);
        String v = raw.strip();
        if (!DECIMAL.matcher(v).matches()) {
            throw new DatasetException(origin, "column '" + column + "': expected a number, got '" + clip(raw) + "'");
        }
        double d = Double.parseDouble(v);
        if (!Double.isFinite(d)) {
            throw new DatasetException(origin, "column '" + column + "': expected a finite number, got '" + clip(raw) + "'");
        }
        return d;
    }

    /** Column name to value, in column order. */
    public Map<String, String> values() {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) m.put(columns.names().get(i), values[i]);
        return Collections.unmodifiableMap(m);
    }

    public List<String> columns() {
        return columns.names();
    }

    /** Long values (protein sequences) are cut in messages so one bad row cannot flood a log. */
    public static String clip(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    @Override
    public String toString() {
        return origin + " " + values();
    }
}
