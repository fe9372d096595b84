package tagllm.spark;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Set;

/**
 * The line separator of a CSV input's files, for Spark's reader to be told. Left to find it, the reader (univocity,
 * with line-separator detection) rewrites the separator inside a quoted field into "\n": a field written
 * "a CR LF b" in a CRLF file came out as "a LF b", where predict keeps the field's bytes. Told the separator, the
 * reader leaves quoted fields as they are. Each file's separator is its first line end; only when every file of the
 * input agrees on one other than "\n" is it given (for "\n" the detection changes nothing; files that disagree are
 * left to the detection, which reads each by its own). The line ends are read with the headers ({@link CsvFileHeads}).
 */
final class LineSeparator {
    private LineSeparator() {}

    /** How far into a file its first line end is looked for. */
    static final int SNIFF_BYTES = 1 << 20;

    /** "\r\n" or "\r" when every file of the input ends its lines so; null otherwise (Spark's reader then detects). */
    static String of(CsvFileHeads heads) {
        Set<String> seps = new HashSet<>();
        for (CsvFileHeads.Head h : heads.files()) if (h.lineEnd() != null) seps.add(h.lineEnd());
        return seps.size() == 1 && !seps.contains("\n") ? seps.iterator().next() : null;
    }

    /** "\r\n", "\r" or "\n": the first line end in the stream; null when none in its first SNIFF_BYTES. */
    static String firstLineEnd(InputStream in) throws IOException {
        for (int i = 0, b; i < SNIFF_BYTES && (b = in.read()) >= 0; i++) {
            if (b == '\n') return "\n";
            if (b == '\r') {
                int next = in.read();
                return next == '\n' ? "\r\n" : next >= 0 ? "\r" : null;
            }
        }
        return null;
    }
}
