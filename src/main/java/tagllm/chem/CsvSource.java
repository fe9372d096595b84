package tagllm.chem;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Streams the rows of a CSV file (RFC 4180, first line = header) together with their line numbers, so that
 * every complaint about a row can name the file and the line. A row whose field count differs from the
 * header's is an error, not a silent shift of columns.
 */
public final class CsvSource implements Closeable {
    /** One data row; {@code line} is the (last) physical line it was read from. */
    public record Row(long line, List<String> values) {
        public String get(int column) { return values.get(column); }
    }

    private final Path file;
    private final CSVParser parser;
    private final Iterator<CSVRecord> records;
    private final List<String> header;

    private CsvSource(Path file, CSVParser parser) {
        this.file = file;
        this.parser = parser;
        this.records = parser.iterator();
        if (!records.hasNext()) throw new IllegalArgumentException(file + ": empty file, expected a CSV header line");
        CSVRecord h = records.next();
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String name : h) {
            String n = name.strip();
            if (names.isEmpty() && n.startsWith("\uFEFF")) n = n.substring(1);
            if (!seen.add(n)) throw new IllegalArgumentException(file + ": line 1: column '" + n + "' appears twice in the header");
            names.add(n);
        }
        this.header = List.copyOf(names);
    }

    public static CsvSource open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such file");
        Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        CSVFormat format = CSVFormat.DEFAULT.builder().setIgnoreEmptyLines(true).get();
        try {
            return new CsvSource(file, CSVParser.parse(reader, format));
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    public Path file() { return file; }

    public List<String> header() { return header; }

    /** Index of a header column; an error listing the available columns when it is absent. */
    public int column(String name) {
        int i = header.indexOf(name);
        if (i < 0) throw new IllegalArgumentException(file + ": no column '" + name + "' (columns: " + String.join(", ", header) + ")");
        return i;
    }

    /** Index of a header column, or -1. */
    public int optionalColumn(String name) { return header.indexOf(name); }

    /** Up to {@code max} further rows; empty at the end of the file. */
    public List<Row> next(int max) {
        List<Row> rows = new ArrayList<>(Math.min(max, 1 << 16));
        try {
            while (rows.size() < max && records.hasNext()) {
                CSVRecord r = records.next();
                long line = parser.getCurrentLineNumber();
                if (r.size() != header.size())
                    throw new IllegalArgumentException(file + ": line " + line + ": " + r.size() + " fields, but the header has "
                            + header.size());
                rows.add(new Row(line, r.toList()));
            }
        } catch (UncheckedIOException e) {
            // commons-csv reports malformed quoting this way
            throw new IllegalArgumentException(file + ": " + e.getCause().getMessage(), e);
        }
        return rows;
    }

    @Override
    public void close() throws IOException { parser.close(); }
}
