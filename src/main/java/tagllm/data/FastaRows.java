package tagllm.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * FASTA: a record is a {@code >id description} header line followed by sequence lines, which are joined with
 * all whitespace removed. Lines starting with ';' are comments. Columns: id, description, sequence; a row's line
 * is its header's.
 */
final class FastaRows {
    private FastaRows() {}

    static final List<String> COLUMNS = List.of("id", "description", "sequence");
    private static final Columns SHARED = new Columns(COLUMNS);

    static List<String> read(TextInput.NamedReader in, RowIssues issues, Consumer<Row> sink) {
        String source = in.source;
        long n = 0;
        Origin header = null;
        String headerText = null;
        StringBuilder seq = new StringBuilder();
        // a record over the limit (its header line, one sequence line or the sequence joined) is that row's error:
        // its sequence is read past without being kept, and the records after it are read as usual
        boolean tooLong = false;
        boolean any = false;
        try (in) {
            TextInput.BoundedLines lines = new TextInput.BoundedLines(in);
            String line;
            while ((line = lines.next()) != null) {
                n++;
                if (line.startsWith(";") || !lines.tooLong() && line.isBlank()) continue;
                if (line.startsWith(">")) {
                    if (header != null) emit(header, headerText, seq, tooLong, issues, sink);
                    header = new Origin(source, n);
                    headerText = line.substring(1).strip();
                    seq.setLength(0);
                    tooLong = lines.tooLong();
                    any = true;
                    continue;
                }
                if (header == null) {
                    throw DatasetException.of(source, n, "FASTA: expected a header line starting with '>' before the"
                            + " first sequence, got '" + Row.clip(line.strip()) + "'");
                }
                if (tooLong) continue;
                line.codePoints().filter(c -> !Character.isWhitespace(c)).forEach(seq::appendCodePoint);
                if (lines.tooLong() || seq.length() > TextInput.lineLimit) {
                    tooLong = true;
                    seq.setLength(0);
                    seq.trimToSize();
                }
            }
            if (header != null) emit(header, headerText, seq, tooLong, issues, sink);
        } catch (IOException e) {
            throw TextInput.failure(source, n + 1, e);
        }
        if (!any) throw DatasetException.of(source, 0, "empty file: expected FASTA records ('>id' header lines)");
        return COLUMNS;
    }

    private static void emit(Origin header, String text, StringBuilder seq, boolean tooLong, RowIssues issues,
                             Consumer<Row> sink) {
        int space = 0;
        while (space < text.length() && !Character.isWhitespace(text.charAt(space))) space++;
        String id = text.substring(0, space), description = text.substring(space).strip();
        if (tooLong) {
            issues.reject(header, "FASTA record '" + Row.clip(id) + "' is longer than " + TextInput.lineLimit
                    + " characters (its header or sequence)",
                    java.util.Map.of("id", id, "description", description));
        } else if (id.isEmpty()) {
            // the sequence (and any description) still identify the record in an output that lists refused rows
            issues.reject(header, "FASTA header has no id after '>'", java.util.Map.of("description", description, "sequence", seq.toString()));
        } else if (seq.isEmpty()) {
            issues.reject(header, "FASTA record '" + id + "' has no sequence lines", java.util.Map.of("id", id, "description", description));
        } else {
            sink.accept(new Row(header, SHARED, new String[]{id, description, seq.toString()}));
        }
    }
}
