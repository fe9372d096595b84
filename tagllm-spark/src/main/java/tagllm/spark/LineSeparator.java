package tagllm.spark;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Set;

/**
 * The line separator of a CSV input's files, for Spark's reader to be told. Left to find it, the reader (univocity,
 * with line-separator detection) rewrites the separator inside a quoted field into "\n": a field written
 * "a CR LF b" in a CRLF file came out as "a LF b", where predict keeps the field's bytes. Told the separator, the
 * reader leaves quoted fields as they are. Each file's separator is its header line's end; only when every file of
 * the input agrees on one other than "\n" is it given (for "\n" the detection changes nothing; files that disagree are
 * left to the detection, which reads each by its own first line end). The line ends are read with the headers ({@link CsvFileHeads}).
 */
final class LineSeparator {
    private LineSeparator() {}

    /** How far into a file its header line's end is looked for. */
    static final int SNIFF_BYTES = 1 << 20;

    /**
     * A file's line ends: its first (of a blank line before the header, or the header's) and its header line's; each
     * "\r\n", "\r", "\n", or null when none in its first {@link #SNIFF_BYTES}.
     */
    record Ends(String first, String header) {}

    /**
     * "\r\n" or "\r" when every file's header line ends so; null otherwise (Spark's reader then detects). The header
     * line's end, not the first in the file: blank lines before the header (which Spark's reader and predict skip) may
     * end otherwise, and the old code, taking the first, left "\n" blank then CR LF rows to the detection (each value
     * read with a trailing CR, a quoted CR LF as LF) and told the reader "\r\n" for "\r\n" blank then LF rows, which
     * lost a row. Told the header's end, the reader skips blank lines of another end (checked for LF and CR blank lines
     * before CR LF rows, LF before CR); left to detect, it takes the file's first line end, so a file whose first line
     * end is not its header line's is refused then: no setting of the reader reads CR LF blank lines before LF rows.
     */
    static String of(CsvFileHeads heads) {
        Set<String> seps = new HashSet<>();
        for (CsvFileHeads.Head h : heads.files()) if (h.lineEnds().header() != null) seps.add(h.lineEnds().header());
        String told = seps.size() == 1 && !seps.contains("\n") ? seps.iterator().next() : null;
        if (told == null) {
            for (CsvFileHeads.Head h : heads.files()) {
                Ends e = h.lineEnds();
                if (e.first() != null && e.header() != null && !e.first().equals(e.header())) {
                    throw new IllegalArgumentException(CsvFileHeads.shown(h.file()) + ": the blank lines before the CSV header end in " + shown(e.first())
                            + " and the header line in " + shown(e.header()) + (seps.size() > 1 ? " (and the input's files end their lines "
                            + "differently)" : "") + "; Spark's CSV reader would take the first for the file's line end and misread its rows: "
                            + "remove the blank lines, or save the file" + (seps.size() > 1 ? "s" : "") + " with one kind of line end");
                }
            }
        }
        return told;
    }

    private static String shown(String lineEnd) {
        return switch (lineEnd) {
            case "\r\n" -> "CR LF";
            case "\r" -> "CR";
            default -> "LF";
        };
    }

    /** The stream's first line end and its header line's: after leading blank lines, and outside quotes. */
    static Ends lineEnds(InputStream in) throws IOException {
        String first = null;
        boolean content = false, quoted = false, afterCr = false;
        for (int i = 0, b; i < SNIFF_BYTES && (b = in.read()) >= 0; i++) {
            if (afterCr) {
                String end = b == '\n' ? "\r\n" : "\r";
                if (first == null) first = end;
                if (content) return new Ends(first, end);
                afterCr = false;
                if (b == '\n') continue; // a blank CR LF line
            }
            if (b == '"') quoted = !quoted; // an escaped "" toggles twice
            if (quoted || (b != '\n' && b != '\r')) {
                content = true;
            } else if (b == '\r') {
                afterCr = true; // read without a mark: the caller's mark (CsvFileHeads) must hold
            } else {
                if (first == null) first = "\n";
                if (content) return new Ends(first, "\n");
            }
        }
        return new Ends(first, null);
    }
}
