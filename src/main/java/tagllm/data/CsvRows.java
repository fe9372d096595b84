package tagllm.data;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.QuoteMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/** CSV (RFC 4180 quoting, via commons-csv) and TSV (no quoting) with a header line. */
final class CsvRows {
    private CsvRows() {}

    // ALL_NON_NULL: the parser gives an unquoted empty field as null and a quoted one ("") as "", which tells a blank
    // line (skipped) from a record whose one field is empty: Python's csv module and pandas write a row [''] of a
    // one-column file as "" exactly so that it is not a blank line, and such a row used to vanish without a word
    private static final CSVFormat CSV = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(false)
            .setQuoteMode(QuoteMode.ALL_NON_NULL).get();
    // TSV has no quoting, so a sentence that starts with a quote mark stays an ordinary field
    private static final CSVFormat TSV = CSVFormat.Builder.create().setDelimiter('\t').setQuote(null)
            .setIgnoreEmptyLines(false).get();

    static List<String> read(TextInput.NamedReader in, boolean tabs, RowIssues issues, Consumer<Row> sink) {
        String source = in.source;
        String kind = tabs ? "TSV" : "CSV";
        Columns columns = null;
        long start = 1;
        CsvRecordLimit limited = new CsvRecordLimit(in, source, tabs);
        // the parser reports a failed read as an UncheckedIOException, and so does a sink whose own output failed (a
        // labelled copy on a full disk): the sink's is not this file's and passes through, or "data.csv:12289: cannot
        // read: No space left on device" blamed the input for the output's disk
        boolean inSink = false;
        try (CSVParser parser = CSVParser.parse(limited, tabs ? TSV : CSV)) {
            Iterator<CSVRecord> it = parser.iterator();
            while (true) {
                // the parser's line count is the number of line breaks consumed, so the next record starts one later
                start = parser.getCurrentLineNumber() + 1;
                if (!it.hasNext()) break;
                CSVRecord record = it.next();
                if (record.size() == 1 && record.get(0) == null) continue; // blank line (not "": see CSV)
                Origin origin = new Origin(source, start);
                if (limited.tooLong(start)) {
                    // the record reached the parser clipped to the limit: not data, but the row keeps its place
                    String what = kind + " record longer than " + TextInput.lineLimit + " characters";
                    if (columns == null) throw new DatasetException(origin, what + " where the header line was expected");
                    issues.reject(origin, what);
                    continue;
                }
                if (columns == null) {
                    columns = header(record, origin, kind);
                    continue;
                }
                if (record.size() != columns.size()) {
                    // the fields it has, by position: not trusted as data, but enough to find the row in an output
                    java.util.Map<String, String> known = new java.util.LinkedHashMap<>();
                    for (int i = 0; i < Math.min(record.size(), columns.size()); i++) known.put(columns.names().get(i), field(record, i));
                    issues.reject(origin, "expected " + columns.size() + " fields as in the header, got " + record.size()
                            + (tabs ? " (fields are separated by tabs)" : ""), known);
                    continue;
                }
                String[] values = new String[record.size()];
                for (int i = 0; i < values.length; i++) values[i] = field(record, i);
                inSink = true;
                sink.accept(new Row(origin, columns, values));
                inSink = false;
            }
        } catch (UncheckedIOException e) {
            if (inSink) throw e;
            throw failure(source, start, e.getCause());
        } catch (IOException e) {
            throw failure(source, start, e);
        }
        if (columns == null) throw DatasetException.of(source, 0, "empty file: expected a " + kind + " header line");
        return columns.names();
    }

    private static Columns header(CSVRecord record, Origin origin, String kind) {
        List<String> names = new ArrayList<>(record.size());
        // a set, not names.contains: a header of a million columns took hours (each name compared with all before it)
        java.util.Set<String> seen = new java.util.HashSet<>(record.size() * 2);
        for (int i = 0; i < record.size(); i++) {
            String name = field(record, i).strip();
            if (name.isEmpty()) throw new DatasetException(origin, kind + " header: column " + (i + 1) + " has no name");
            if (!seen.add(name)) throw new DatasetException(origin, kind + " header: duplicate column '" + name + "'");
            names.add(name);
        }
        return new Columns(names);
    }

    /** A field's value; an unquoted empty field, which the parser gives as null, is "". */
    private static String field(CSVRecord record, int i) {
        String v = record.get(i);
        return v == null ? "" : v;
    }

    private static DatasetException failure(String source, long line, IOException e) {
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("EOF reached before encapsulated token finished")) {
            return DatasetException.of(source, line, "unterminated quoted field: a \" opened in this record is never closed");
        }
        if (msg.contains("Invalid character between encapsulated token and delimiter")) {
            return DatasetException.of(source, line, "malformed quoting: a closing \" must be followed by a comma or the"
                    + " end of the line (write a quote inside a quoted field as \"\")");
        }
        return TextInput.failure(source, line, e);
    }
}
