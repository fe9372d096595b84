package tagllm.data;

import java.io.IOException;
import java.io.Reader;
import java.util.HashSet;
import java.util.Set;

/**
 * Sits between a CSV/TSV file and the parser and keeps any one record to {@link TextInput#lineLimit} characters, so
 * that a record over it is that row's error rather than the whole file's, in bounded memory. It follows the quoting
 * as commons-csv's RFC 4180 lexer does (a field that starts with '"' is quoted up to a '"' not doubled; a '"' inside
 * an unquoted field is an ordinary character; TSV has no quoting). Once a record passes the limit the rest of it is not
 * passed on: the parser is put inside a quoted field ('"', or ',"' after an unquoted one), given only the line breaks
 * of the dropped part (so its line numbers stay those of the file), and at the record's end a closing '"'. The record
 * thus reaches the parser clipped, and {@link #tooLong} tells it by the line it starts on.
 */
final class CsvRecordLimit extends Reader {
    private enum State { FIELD_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED }

    private final Reader in;
    private final String sourceName;
    private final boolean quoting;
    private final char[] inBuf = new char[1 << 13];
    private final char[] out = new char[3 * (1 << 13) + 4];
    private int outPos, outEnd;
    private boolean eof;

    private State state = State.FIELD_START;
    private long breaks;          // line breaks so far, counted as the parser counts them (\r\n is one)
    private boolean afterCr;
    private long recordChars;     // characters of the current record so far
    private long recordLine = 1;  // the line the current record starts on
    private boolean clipping;     // the current record passed the limit: its characters are dropped
    private final Set<Long> tooLong = new HashSet<>();

    CsvRecordLimit(Reader in, String source, boolean tabs) {
        this.in = in;
        this.sourceName = source;
        this.quoting = !tabs;
    }

    /** Whether the record that starts on {@code line} was longer than the limit (and reached the parser clipped). */
    boolean tooLong(long line) {
        return tooLong.contains(line);
    }

    @Override
    public int read(char[] cbuf, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (outPos == outEnd) {
            if (eof) return -1;
            fill();
        }
        int n = Math.min(len, outEnd - outPos);
        System.arraycopy(out, outPos, cbuf, off, n);
        outPos += n;
        return n;
    }

    private void fill() throws IOException {
        outPos = outEnd = 0;
        int n = in.read(inBuf, 0, inBuf.length);
        if (n < 0) {
            eof = true;
            if (clipping) {
                if (state == State.QUOTED) {
                    // the quote opened in this record never closes: the rest of the file is one record, and no row
                    // after it can be told apart
                    throw DatasetException.of(sourceName, recordLine, "a record longer than " + TextInput.lineLimit
                            + " characters whose quoted field never closes (a \" opened in it runs to the end of the file)");
                }
                if (quoting) out[outEnd++] = '"';
            }
            return;
        }
        for (int i = 0; i < n; i++) step(inBuf[i]);
    }

    private void step(char c) {
        boolean lineBreak = c == '\r' || c == '\n';
        boolean crlf = c == '\n' && afterCr;
        afterCr = c == '\r';
        if (lineBreak && !crlf) breaks++;
        boolean recordEnd = false;
        if (crlf) {
            // the second half of a \r\n: the record (if any) ended at the \r
            if (clipping || recordChars == 0) {
                out[outEnd++] = c;
                return;
            }
        }
        if (recordChars == 0 && !crlf) recordLine = breaks + (lineBreak ? 0 : 1);
        switch (state) {
            case FIELD_START -> {
                if (quoting && c == '"') state = State.QUOTED;
                else if (lineBreak) recordEnd = true;
                else if (!isDelimiter(c)) state = State.UNQUOTED;
            }
            case UNQUOTED -> {
                if (lineBreak) recordEnd = true;
                else if (isDelimiter(c)) state = State.FIELD_START;
            }
            case QUOTED -> {
                if (c == '"') state = State.QUOTE_IN_QUOTED;
            }
            case QUOTE_IN_QUOTED -> {
                if (c == '"') state = State.QUOTED;
                else if (lineBreak) recordEnd = true;
                else if (isDelimiter(c)) state = State.FIELD_START;
                else state = State.UNQUOTED; // malformed: the parser says so
            }
        }
        if (recordEnd) {
            if (clipping && quoting) out[outEnd++] = '"';
            out[outEnd++] = c;
            state = parserState = State.FIELD_START;
            recordChars = 0;
            clipping = false;
            return;
        }
        if (!clipping && ++recordChars > TextInput.lineLimit) {
            clipping = true;
            tooLong.add(recordLine);
            // put the parser inside a quoted field, where the line breaks of the dropped part can follow
            if (quoting) { // (TSV has no quoting, and a line break always ends its record)
                switch (parserState) {
                    case FIELD_START -> out[outEnd++] = '"';
                    case UNQUOTED, QUOTE_IN_QUOTED -> {
                        out[outEnd++] = ',';
                        out[outEnd++] = '"';
                    }
                    case QUOTED -> { }
                }
            }
        }
        if (!clipping) {
            out[outEnd++] = c;
            parserState = state;
        } else if (lineBreak && quoting) {
            out[outEnd++] = c;
        }
    }

    /** The quoting state of what the parser was given (differs from {@link #state} only while clipping). */
    private State parserState = State.FIELD_START;

    private boolean isDelimiter(char c) {
        return c == (quoting ? ',' : '\t');
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
