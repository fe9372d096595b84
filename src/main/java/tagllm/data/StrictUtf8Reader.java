package tagllm.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
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
    static final String NUL = "a NUL character (zero byte), which text data does not hold: a binary file, or"
            + " UTF-16/UTF-32 text without a byte-order mark? (re-save the file as UTF-8)";
    static final String INVALID = "not valid UTF-8 text (bytes that are no UTF-8 character; re-save the file as UTF-8)";

    private final InputStream in;
    private final String source;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    /** Undecoded bytes between position and limit. */
    private final ByteBuffer bytes = ByteBuffer.allocate(1 << 16).flip();
    private final TextInput.ByteLines lines = new TextInput.ByteLines();
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
            if (r.isError()) throw DatasetException.of(source, lines.line(), INVALID);
            if (eof && r.isUnderflow()) {
                decoder.flush(out);
                flushed = true;
            }
            int n = out.position() - off;
            if (n > 0) return n;
            if (!eof) fill();
        }
    }

    /** Counts the lines of the decoded bytes [from, to) and refuses a zero byte among them. */
    private void passed(int from, int to) {
        byte[] b = bytes.array();
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == 0) throw DatasetException.of(source, lines.line(), NUL);
            lines.next(c);
        }
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
