package tagllm.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The rows of one data file, each knowing its file and line.
 *
 * @param source  the file as the user named it (the prefix of error messages)
 * @param format  how it was read
 * @param columns column names: the header for CSV/TSV, id/description/sequence for FASTA, text for TEXT, and for
 *                JSONL every key seen, in order of first appearance
 * @param rows    the rows that were read (rows with structural problems are skipped or refused by the RowIssues)
 */
public record Dataset(String source, Format format, List<String> columns, List<Row> rows) {

    public Dataset {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /** Reads {@code file} in the format its extension names; any malformed row is an error. */
    public static Dataset read(Path file) {
        return read(file, null, RowIssues.strict());
    }

    /** Reads {@code file} in {@code format} (null: from the extension); any malformed row is an error. */
    public static Dataset read(Path file, Format format) {
        return read(file, format, RowIssues.strict());
    }

    /**
     * Reads {@code file} in {@code format} (null: from the extension). Structurally bad rows (wrong field count,
     * invalid JSON, a FASTA record without sequence) go to {@code issues}; file-level problems (missing or empty
     * file, bad header, unterminated quote, FASTA without header) always throw {@link DatasetException}.
     */
    public static Dataset read(Path file, Format format, RowIssues issues) {
        List<Row> rows = new ArrayList<>();
        Format f = format != null ? format : Format.detect(file);
        List<String> columns = scan(file, f, issues, rows::add);
        return new Dataset(file.toString(), f, columns, rows);
    }

    /** Streams the rows of {@code file} to {@code sink} without keeping them; returns the column names. */
    public static List<String> scan(Path file, Format format, RowIssues issues, Consumer<Row> sink) {
        Format f = format != null ? format : Format.detect(file);
        return scan(TextInput.open(file), f, issues, sink);
    }

    /** As {@link #scan(Path, Format, RowIssues, Consumer)}, for bytes read once (a pipe's), named {@code source}. */
    static List<String> scan(java.io.InputStream bytes, String source, Format format, RowIssues issues, Consumer<Row> sink) {
        return scan(TextInput.open(bytes, source), format, issues, sink);
    }

    private static List<String> scan(TextInput.NamedReader opened, Format f, RowIssues issues, Consumer<Row> sink) {
        try (TextInput.NamedReader in = opened) {
            return switch (f) {
                case CSV -> CsvRows.read(in, false, issues, sink);
                case TSV -> CsvRows.read(in, true, issues, sink);
                case JSONL -> JsonlRows.read(in, issues, sink);
                case FASTA -> FastaRows.read(in, issues, sink);
                case TEXT -> TextRows.read(in, issues, sink);
            };
        } catch (IOException e) {
            throw TextInput.failure(opened.source, 0, e);
        }
    }

    /** The bytes of a data file as the readers see them: decompressed when it is gzip. */
    public static java.io.InputStream bytes(Path file) throws IOException {
        return TextInput.openBytes(file);
    }

    /** Fails (naming the file and the columns it has) unless every named column is present. */
    public Dataset requireColumns(String... names) {
        requireColumns(source, format, columns, names);
        return this;
    }

    /** As {@link #requireColumns(String...)}, for a file read as a stream (its columns as the reader gave them). */
    public static void requireColumns(String source, Format format, List<String> columns, String... names) {
        List<String> missing = new ArrayList<>();
        for (String n : names) if (!columns.contains(n)) missing.add("'" + n + "'");
        if (!missing.isEmpty()) {
            throw DatasetException.of(source, format == Format.CSV || format == Format.TSV ? 1 : 0,
                    (missing.size() == 1 ? "missing column " : "missing columns ") + String.join(", ", missing)
                            + " (the file has: " + String.join(", ", columns) + ")");
        }
    }

    /** Converts every row; rows whose conversion fails are handled by {@code issues}. */
    public <T> List<T> map(RowIssues issues, Function<Row, T> conversion) {
        List<T> out = new ArrayList<>(rows.size());
        for (Row r : rows) issues.convert(r, conversion).ifPresent(out::add);
        return out;
    }

    public int size() {
        return rows.size();
    }
}
