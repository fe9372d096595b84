package tagllm.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 text that refuses the NUL character, and knows the line of every byte it decodes, so that invalid UTF-8
 * or a zero byte is a {@link DatasetException} naming its line as it is met. InputStreamReader's decoder fails a buffer
 * ahead of the line being parsed, and the line was found by reading the file a second time: a pipe (stdin, "-") cannot
 * be read again, and its errors named no line. Public for the commands that read text from standard input
 * ({@code tokenize}), whose default decoder turned invalid bytes into U+FFFD without a word.
 */
public final class StrictUtf8Reader extends Reader {
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL, HIGH = 0x8080808080808080L, BELOW_0E = 0x0E0E0E0E0E0E0E0EL,
            CR = 0x0D0D0D0D0D0D0D0DL, LF = 0x0A0A0A0A0A0A0A0AL;
    static final String NUL = "a NUL character (zero byte), which text data does not hold: a binary file, or"
            + " UTF-16/UTF-32 text without a byte-order mark? (re-save the file as UTF-8)";
    static final String INVALID = "not valid UTF-8 text (bytes that are no UTF-8 character; re-save the file as UTF-8)";

    private final InputStream in;
    private final String source;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    /**
     * Bytes read at a time: 8 KiB, as InputStreamReader reads. 64 KiB (the bytes, then 64 Ki chars decoded from them
     * into the caller's buffer, then the bytes again to count their lines) made the whole read a third slower
     * (docs/benchmarks.md), more from the buffer's size than from the counting.
     */
    static final int BUFFER = 1 << 13;
    /** Undecoded bytes between position and limit. */
    private final ByteBuffer bytes = ByteBuffer.allocate(BUFFER).flip();
    /**
     * The 1-based line of the next byte to decode, counted as the readers count lines (a line ends at \n, \r\n or a
     * lone \r; none of these bytes occurs inside a UTF-8 sequence), and whether the last byte decoded was a \r.
     */
    private long line = 1;
    private boolean afterCr;
    /** A read of one character that decoded a surrogate pair keeps its second half here. */
    private final char[] pair = new char[2];
    private int pending = -1;
    private boolean eof, flushed;

    /** {@code source}: how the messages name the input (a file, "standard input"). */
    public StrictUtf8Reader(InputStream in, String source) {
        this.in = in;
        this.source = source;
    }

    @Override
    public int read(char[] cbuf, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, cbuf.length);
        if (len == 0) return 0;
        if (pending >= 0) {
            cbuf[off] = (char) pending;
            pending = -1;
            return 1;
        }
        if (len == 1) {
            int n = decode(pair, 0, 2);
            if (n <= 0) return n;
            cbuf[off] = pair[0];
            if (n == 2) pending = pair[1];
            return 1;
        }
        return decode(cbuf, off, len);
    }

    private int decode(char[] cbuf, int off, int len) throws IOException {
        CharBuffer out = CharBuffer.wrap(cbuf, off, len);
        while (true) {
            if (flushed) return -1;
            int from = bytes.position();
            CoderResult r = decoder.decode(bytes, out, eof);
            passed(from, bytes.position());
            if (r.isError()) throw DatasetException.of(source, line, INVALID);
            if (eof && r.isUnderflow()) {
                decoder.flush(out);
                flushed = true;
            }
            int n = out.position() - off;
            if (n > 0) return n;
            if (!eof) fill();
        }
    }

    /**
     * Counts the lines of the decoded bytes [from, to) and refuses a zero byte among them, eight bytes at a time: a
     * test per byte (the rule of {@link #line}) took up to a fifth of a read's CPU time (docs/benchmarks.md). A word
     * with no byte below 0x0E (no NUL, \r or \n) only clears afterCr; one with a line end counts its \r, its \n and
     * subtracts each \n that follows a \r, the one at the word's start included; one with a NUL goes byte by byte to
     * throw with the NUL's own line.
     */
    private void passed(int from, int to) {
        byte[] b = bytes.array();
        long line = this.line;
        boolean afterCr = this.afterCr;
        int i = from;
        for (int end = to - 7; i < end; i += 8) {
            long x = (long) WORDS.get(b, i);
            if (((x - BELOW_0E) & ~x & HIGH) == 0) { // no byte below 0x0E (exact for "none"; which one, not)
                afterCr = false;
                continue;
            }
            if (zeroBytes(x) != 0) break;
            long cr = zeroBytes(x ^ CR), lf = zeroBytes(x ^ LF);
            line += Long.bitCount(cr) + Long.bitCount(lf) - Long.bitCount((cr << 8) & lf);
            if (afterCr && (lf & 0x80) != 0) line--;
            afterCr = cr < 0;
        }
        for (; i < to; i++) {
            byte c = b[i];
            if (c == 0) throw DatasetException.of(source, line, NUL);
            if (c == '\r' || c == '\n' && !afterCr) line++;
            afterCr = c == '\r';
        }
        this.line = line;
        this.afterCr = afterCr;
    }

    /** 0x80 in each byte of x that is zero, 0 in every other bit (no borrow from one byte into the next). */
    private static long zeroBytes(long x) {
        return ~(((x & LOW7) + LOW7) | x | LOW7);
    }

    private void fill() throws IOException {
        bytes.compact();
        int n;
        do {
            n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        } while (n == 0);
        if (n < 0) eof = true;
        else bytes.position(bytes.position() + n);
        bytes.flip();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
