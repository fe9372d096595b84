package tagllm.data;

import java.io.BufferedReader;
import java.io.FilterReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opens a dataset file (gzip-compressed or not) as strict UTF-8 text, skipping a byte-order mark, and turns I/O failures into
 * {@link DatasetException}s that name the file. Each reader keeps at most {@link #lineLimit} characters of a record
 * ({@link BoundedLines}, {@link CsvRecordLimit}), so a binary or corrupt file cannot exhaust memory: an over-long record
 * is that row's error, and the rows after it are read.
 */
final class TextInput {
    /** 16 Mi characters: far beyond any protein or sentence, small enough to stay a safe allocation. */
    static final int MAX_LINE_CHARS = 1 << 24;

    /**
     * The limit in force: {@link #MAX_LINE_CHARS}, lowered only by tests (package-private), so that a record over the
     * limit can be tested without allocating tens of megabytes.
     */
    static int lineLimit = MAX_LINE_CHARS;

    private TextInput() {}

    static NamedReader open(Path file) {
        String source = file.toString();
        if (Files.isDirectory(file)) throw DatasetException.of(source, 0, "is a directory, expected a data file");
        InputStream in;
        try {
            in = openBytes(file);
        } catch (IOException e) {
            throw openFailure(source, e);
        }
        return open(in, source);
    }

    /** The text of {@code bytes} (a file's, or a pipe's, read once), named {@code source} in the messages; closes the stream on failure. */
    static NamedReader open(InputStream bytes, String source) {
        InputStream in = bytes;
        try {
            // UTF-16 or UTF-32 with a byte order mark: said so, as for an experiment file, not "not valid UTF-8"
            java.io.PushbackInputStream head = new java.io.PushbackInputStream(in, 4);
            in = head;
            byte[] first4 = head.readNBytes(4);
            head.unread(first4);
            String wide = tagllm.config.ConfigText.wideByteOrderMark(first4);
            if (wide != null) throw DatasetException.of(source, 1, wide + ", not UTF-8; re-save the file as UTF-8");
            PushbackReader pb = new PushbackReader(new StrictUtf8Reader(in, source), 1);
            int first = pb.read();
            if (first != -1 && first != '\uFEFF') pb.unread(first);
            return new NamedReader(pb, source);
        } catch (IOException e) {
            closeQuietly(in);
            throw openFailure(source, e);
        } catch (RuntimeException e) {
            closeQuietly(in);
            throw e;
        }
    }

    /**
     * The file's bytes, decompressed when it is gzip (told by its first two bytes, 1f 8b, which no UTF-8 text starts
     * with): data sets come as .csv.gz and .fasta.gz, and read as bytes they failed as "not valid UTF-8".
     */
    static InputStream openBytes(Path file) throws IOException {
        InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            return gzip ? new java.util.zip.GZIPInputStream(raw, 1 << 16) : raw;
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    private static DatasetException openFailure(String source, IOException e) {
        return switch (e) {
            case NoSuchFileException x -> DatasetException.of(source, 0, "no such file");
            case AccessDeniedException x -> DatasetException.of(source, 0, "permission denied");
            default -> failure(source, 0, e); // (the first characters are read here: a bad byte, a corrupt gzip)
        };
    }

    private static void closeQuietly(InputStream in) {
        if (in == null) return;
        try {
            in.close();
        } catch (IOException ignored) {
            // the open failure is what the user needs to see
        }
    }

    /** One non-blank line of a line-based format, with where it stands. */
    @FunctionalInterface
    interface LineHandler {
        /** {@code tooLong}: the line passed {@link #lineLimit} and {@code text} is its first lineLimit characters. */
        void line(Origin origin, String text, boolean tooLong);
    }

    /**
     * Hands every non-blank line to the handler (line numbers count the blank ones too) and closes the reader. A line
     * over {@link #lineLimit} is handed over clipped, the rest of it read past without being held.
     *
     * @return whether there was any non-blank line
     */
    static boolean forEachNonBlankLine(NamedReader in, LineHandler handler) {
        long n = 0;
        boolean any = false;
        try (in) {
            BoundedLines lines = new BoundedLines(in);
            String line;
            while ((line = lines.next()) != null) {
                n++;
                if (!lines.tooLong() && line.isBlank()) continue;
                any = true;
                handler.line(new Origin(in.source, n), line, lines.tooLong());
            }
        } catch (IOException e) {
            throw failure(in.source, n + 1, e);
        }
        return any;
    }

    /**
     * Converts a failure while reading into a DatasetException; {@code line} is the reader's best knowledge
     * of where it happened.
     */
    static DatasetException failure(String source, long line, IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CharacterCodingException) return DatasetException.of(source, line, StrictUtf8Reader.INVALID);
            // (GZIPInputStream's own failures: a ZipException, or its EOFException "Unexpected end of ZLIB input stream")
            if (t instanceof java.util.zip.ZipException || t instanceof java.io.EOFException && String.valueOf(t.getMessage()).contains("ZLIB")) {
                return DatasetException.of(source, line, "cannot read the gzip-compressed file: " + t.getMessage()
                        + " (truncated or corrupt?)");
            }
        }
        return DatasetException.of(source, line, "cannot read: " + e.getMessage());
    }

    /**
     * Lines as {@link BufferedReader#readLine()} gives them (a line ends at \n, \r\n or \r), but at most
     * {@link #lineLimit} characters of each are kept: the rest of an over-long line is read past without being held,
     * and {@link #tooLong()} says so, so the reader can make that one record an error and go on in bounded memory.
     */
    static final class BoundedLines {
        private final Reader in;
        private final char[] buf = new char[1 << 16];
        private int pos, end;
        private boolean tooLong;

        BoundedLines(Reader in) {
            this.in = in;
        }

        /**
         * The next line (clipped to the limit), or null at the end of the input. The buffer is scanned for the line's
         * end and the line taken from it whole: copying it a character at a time ran 4-8 times slower than
         * BufferedReader (docs/benchmarks.md, "Reading lines").
         */
        String next() throws IOException {
            tooLong = false;
            if (pos == end && !fill()) return null;
            StringBuilder spanning = null; // only for a line that runs past the end of the buffer
            while (true) {
                char[] b = buf;
                int from = pos, i = from, stop = end;
                while (i < stop) {
                    char c = b[i];
                    if (c == '\n' || c == '\r') break;
                    i++;
                }
                if (i < stop) {
                    String line = spanning == null ? clipped(from, i) : append(spanning, from, i).toString();
                    pos = i + 1;
                    if (b[i] == '\r' && (pos < end || fill()) && buf[pos] == '\n') pos++;
                    return line;
                }
                if (spanning == null) spanning = new StringBuilder(Math.min(2 * (stop - from) + 16, lineLimit));
                append(spanning, from, stop);
                pos = stop;
                if (!fill()) return spanning.toString();
            }
        }

        /** buf[from, to) as a line of its own, clipped to the limit. */
        private String clipped(int from, int to) {
            int keep = keep(0, to - from);
            return new String(buf, from, keep);
        }

        /** Appends what the limit leaves room for of buf[from, to) to {@code line}. */
        private StringBuilder append(StringBuilder line, int from, int to) {
            return line.append(buf, from, keep(line.length(), to - from));
        }

        /** How many of {@code more} characters fit after {@code held}; notes an over-long line. */
        private int keep(int held, int more) {
            int room = lineLimit - held;
            if (more <= room) return more;
            tooLong = true;
            return room;
        }

        /** Whether the line last returned was longer than the limit (and was clipped to it). */
        boolean tooLong() {
            return tooLong;
        }

        private boolean fill() throws IOException {
            int n;
            do {
                n = in.read(buf, 0, buf.length);
            } while (n == 0);
            pos = 0;
            end = Math.max(n, 0);
            return n > 0;
        }
    }

    /** The file's text, with the file's name for the messages. */
    static final class NamedReader extends FilterReader {
        final String source;

        NamedReader(Reader in, String source) {
            super(in);
            this.source = source;
        }
    }
}
