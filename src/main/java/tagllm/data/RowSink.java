package tagllm.data;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Rows written as the output file's name says: .tsv (or .tab) as TSV the way tagllm.data reads it (no quoting: see the
 * class Tsv), .jsonl (or .ndjson) as one JSON object per line keyed by the header, anything else as CSV in the style
 * of ../shared/data (UTF-8, "\n", quotes only where needed). In JSONL, values of the numeric columns that read as finite numbers are written as JSON numbers, and an
 * empty one (a row without a value) as null.
 */
public abstract class RowSink {
    protected final Writer writer;

    private RowSink(OutputStream out) {
        this.writer = new OutputStreamWriter(out, StandardCharsets.UTF_8);
    }

    /** The format for an output file: from its extension (CSV when it names none of the others). */
    public static Format formatOf(Path output) {
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".tsv") || name.endsWith(".tab")) return Format.TSV;
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return Format.JSONL;
        return Format.CSV;
    }

    public static RowSink of(OutputStream out, Format format, Set<String> numeric) throws IOException {
        return of(out, format, numeric, Set.of());
    }

    /**
     * As {@link #of(OutputStream, Format, Set)}, and in JSONL an empty value of a column in {@code emptyIsNull} is
     * written as null (an error column of a row that has none: null reads back as absent, and {@code .error == null}
     * is how a JSON reader asks).
     */
    public static RowSink of(OutputStream out, Format format, Set<String> numeric, Set<String> emptyIsNull) throws IOException {
        return switch (format) {
            case TSV -> new Tsv(out);
            case JSONL -> new JsonLines(out, numeric, emptyIsNull);
            default -> new Delimited(out, CSVFormat.DEFAULT);
        };
    }

    /** The header: written as the first line (CSV, TSV) or kept as the keys of every object (JSONL). */
    public abstract void header(List<String> names) throws IOException;

    public abstract void row(List<String> values) throws IOException;

    /**
     * A row some of whose values are JSON text of a number, boolean, array or object ({@link Row#isJson}): JSONL writes
     * those as that JSON value (a JSONL input's {"id": 7, "x": {"a": 1}} comes out as it went in, not as "7" and an
     * escaped string); CSV and TSV write the text as {@link #row(List)} does.
     */
    public void row(List<String> values, boolean[] json) throws IOException { row(values); }

    public void flush() throws IOException { writer.flush(); }

    private static final class Delimited extends RowSink {
        private final CSVPrinter printer;

        Delimited(OutputStream out, CSVFormat base) throws IOException {
            super(out);
            printer = new CSVPrinter(writer, base.builder().setRecordSeparator("\n").get());
        }

        @Override
        public void header(List<String> names) throws IOException { printer.printRecord(names); }

        @Override
        public void row(List<String> values) throws IOException {
            // no value (a JSONL key a row lacks) is an empty field: Commons CSV would print null unquoted, and a
            // one-column row of it would be a blank line, which readers skip
            printer.printRecord(values.stream().map(v -> v == null ? "" : v).toList());
        }

        @Override
        public void flush() throws IOException {
            printer.flush();
            super.flush();
        }
    }

    /**
     * TSV as docs/data-and-metrics.md defines it and CsvRows reads it: fields as they are, no quoting. (Commons CSV's
     * TDF quoted a field holding a quote, starting with a space or empty at the start of a line, and tagllm's reader,
     * which has no quoting, then read those quotes as part of the value: a round trip through a .tsv changed the data.)
     * A tab or line break cannot stand in a TSV field: it is written as the two characters \t, \n or \r, so that every
     * row stays one line with its own fields.
     */
    private static final class Tsv extends RowSink {
        Tsv(OutputStream out) {
            super(out);
        }

        @Override
        public void header(List<String> names) throws IOException { row(names); }

        @Override
        public void row(List<String> values) throws IOException {
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) writer.write('\t');
                String v = values.get(i);
                if (v != null) writer.write(escape(v));
            }
            writer.write('\n');
        }

        private static String escape(String v) {
            if (v.indexOf('\t') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) return v;
            return v.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
        }
    }

    private static final class JsonLines extends RowSink {
        private static final ObjectMapper JSON = new ObjectMapper().configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
        private final Set<String> numeric;
        private final Set<String> emptyIsNull;
        private List<String> keys;

        JsonLines(OutputStream out, Set<String> numeric, Set<String> emptyIsNull) {
            super(out);
            this.numeric = numeric;
            this.emptyIsNull = emptyIsNull;
        }

        @Override
        public void header(List<String> names) { keys = List.copyOf(names); }

        @Override
        public void row(List<String> values) throws IOException { row(values, null); }

        @Override
        public void row(List<String> values, boolean[] json) throws IOException {
            var o = JSON.createObjectNode();
            for (int i = 0; i < keys.size(); i++) {
                String v = values.get(i);
                Double x = numeric.contains(keys.get(i)) ? finite(v) : null;
                com.fasterxml.jackson.databind.JsonNode raw = json != null && json[i] && x == null ? rawJson(v) : null;
                // the text itself, once it is known to be JSON (and one line): a node would write 1.0 as 1 and 1e2 as 1E+2
                if (raw != null && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
                    o.putRawValue(keys.get(i), new com.fasterxml.jackson.databind.util.RawValue(v.strip()));
                }
                else if (raw != null) o.set(keys.get(i), raw);
                else if (x != null) o.put(keys.get(i), x);
                else if ((numeric.contains(keys.get(i)) || emptyIsNull.contains(keys.get(i))) && (v == null || v.isEmpty())) {
                    o.putNull(keys.get(i)); // no value: null, not ""
                }
                else o.put(keys.get(i), v);
            }
            writer.write(JSON.writeValueAsString(o));
            writer.write('\n');
        }

        // as JsonlRows reads: a number keeps its digits (1E+400, 0.1000000000000000055511151231257827)
        private static final ObjectMapper EXACT = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

        private static com.fasterxml.jackson.databind.JsonNode rawJson(String v) {
            try {
                return v == null ? null : EXACT.readTree(v);
            } catch (IOException e) {
                return null; // not JSON after all: written as the string it is
            }
        }

        private static Double finite(String v) {
            try {
                double x = Double.parseDouble(v);
                return Double.isFinite(x) ? x : null;
            } catch (NumberFormatException | NullPointerException e) {
                return null;
            }
        }
    }
}
