package tagllm.data;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The line of invalid UTF-8 or a NUL where {@link StrictUtf8Reader} splits its work: a sequence cut by its byte
 * buffer (offset 65,536 is the end of its eighth 8 KiB read), a \r\n cut by its eight-byte words or by the buffer, a byte-order mark, a last line with no line end, an
 * emoji (four bytes) across the buffer's end. Each expected line is counted by hand in the comment beside it.
 */
class StrictUtf8BoundaryTest {
    private static final String PIPE = "<pipe>";

    /** The error's ":line: message" when bytes come from a pipe read once, in reads of at most chunk bytes. */
    private static String error(byte[] bytes, int chunk) {
        InputStream in = new Chunked(bytes, chunk);
        DatasetException e = assertThrows(DatasetException.class,
                () -> Dataset.scan(in, PIPE, Format.TEXT, RowIssues.skipping(), row -> { }));
        assertTrue(e.getMessage().startsWith(PIPE + ":"), e.getMessage());
        return e.getMessage().substring(PIPE.length());
    }

    private static String invalidAt(long line) { return ":" + line + ": " + StrictUtf8Reader.INVALID; }

    private static String nulAt(long line) { return ":" + line + ": " + StrictUtf8Reader.NUL; }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            else if (p instanceof Integer i) b.write(i);
            else b.writeBytes((byte[]) p);
        }
        return b.toByteArray();
    }

    /** 6,553 lines of nine x's and \n: 65,530 bytes, so the next byte is on line 6,554 at offset 65,530. */
    private static final String FILLER = "xxxxxxxxx\n".repeat(6553);

    @Test
    void aSequenceCutByTheBufferIsRefusedOnItsLine() {
        // "abcd" puts E2 82 at offsets 65,534-65,535, the buffer's last two bytes; '(' (no continuation) is the next
        // buffer's first: line 6,554
        byte[] b = bytes(FILLER, "abcd", 0xE2, 0x82, "(\nmore\n");
        assertEquals(65_536, FILLER.length() + 4 + 2);
        assertEquals(0, 65_536 % StrictUtf8Reader.BUFFER, "offset 65,536 no longer ends a read of the buffer");
        assertEquals(invalidAt(6554), error(b, Integer.MAX_VALUE));
        assertEquals(invalidAt(6554), error(b, 3));
        // the same cut, the sequence's line begun by the filler's \n right before it: "\n" ends line 6,554
        byte[] c = bytes(FILLER, "abc\n", 0xE2, 0x82, "(\n");
        assertEquals(invalidAt(6555), error(c, Integer.MAX_VALUE));
    }

    @Test
    void anEmojiAcrossTheBufferDecodesAndTheLinesAfterItCount() throws IOException {
        // the emoji's four bytes at 65,534-65,537, across the buffer's end; then \n ends line 6,554, 0xFF is on 6,555
        String text = FILLER + "ab\uD83D\uDE00\n";
        byte[] b = bytes(text, 0xFF, "\n");
        assertEquals(invalidAt(6555), error(b, Integer.MAX_VALUE));
        assertEquals(invalidAt(6555), error(b, 7));
        // and decoded whole, read in one big read and a char at a time
        StringBuilder all = new StringBuilder(), one = new StringBuilder();
        try (Reader r = new StrictUtf8Reader(new ByteArrayInputStream(bytes(text)), PIPE)) {
            char[] buf = new char[1 << 17];
            for (int n; (n = r.read(buf, 0, buf.length)) != -1; ) all.append(buf, 0, n);
        }
        try (Reader r = new StrictUtf8Reader(new Chunked(bytes(text), 5), PIPE)) {
            for (int c; (c = r.read()) != -1; ) one.append((char) c);
        }
        assertEquals(text, all.toString());
        assertEquals(text, one.toString());
    }

    @Test
    void aCrLfAtEveryPlaceInAWordCountsOnce() {
        // k x's, "\r\n" (ends line 1), "y\r\r\n" (\r ends line 2, \r\n line 3), 16 z's (so that the words after the
        // \r\n are counted a word at a time, not in the last seven bytes' tail), then 0xFF on line 4, for the \r\n at
        // every offset of an eight-byte word and across the buffer's end (k = 65,535: \r its last byte, \n the next)
        for (int k : new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15, 16, 65_533, 65_534, 65_535}) {
            byte[] b = bytes("x".repeat(k), "\r\ny\r\r\n" + "z".repeat(16), 0xFF);
            assertEquals(invalidAt(4), error(b, Integer.MAX_VALUE), "k = " + k);
            assertEquals(nulAt(4), error(bytes("x".repeat(k), "\r\ny\r\r\n" + "z".repeat(16), 0), Integer.MAX_VALUE), "k = " + k);
        }
        // a lone \r at a word's last byte, the next word starting with no \n: "a...\r" ends line 1, "b\n" line 2
        assertEquals(invalidAt(3), error(bytes("abcdefg\rb\n" + "z".repeat(16), 0xC3, "("), Integer.MAX_VALUE));
    }

    @Test
    void aByteOrderMarkIsNoLine() {
        // EF BB BF, "a\n" ends line 1, "b\r\n" line 2, 0xFF on line 3
        assertEquals(invalidAt(3), error(bytes("\uFEFFa\nb\r\n", 0xFF, "\n"), Integer.MAX_VALUE));
        assertEquals(nulAt(1), error(bytes("\uFEFF", 0), Integer.MAX_VALUE));
        assertEquals(nulAt(2), error(bytes("\uFEFF\r", 0, "\n"), 1));
    }

    @Test
    void theLastLineWithNoLineEnd() {
        // "a\n" line 1, "b\r" line 2, "c" then a lead byte cut off by the end of the input: line 3
        assertEquals(invalidAt(3), error(bytes("a\nb\rc", 0xF0, 0x9F), Integer.MAX_VALUE));
        assertEquals(invalidAt(3), error(bytes("a\nb\rc", 0xF0, 0x9F), 2));
        assertEquals(nulAt(3), error(bytes("a\nb\rcdefghijk", 0), Integer.MAX_VALUE));
        // the same last line past the buffer: 6,553 filler lines, then line 6,554
        assertEquals(invalidAt(6554), error(bytes(FILLER, "abcdefghij", 0xE2), Integer.MAX_VALUE));
    }

    /**
     * Invalid UTF-8 at a random place in random text of every line end and of characters of one to four bytes, read
     * in reads of random size, against the line ends before it counted by a regular expression.
     */
    @Test
    void invalidBytesAnywhereInMixedTextNameTheLineTheLineEndsBeforeThemGive() {
        Random random = new Random(20261208);
        String[] pieces = {"a", "CCO", " ", "\u00e9", "\u4e2d", "\uD83D\uDE00", "\n", "\r\n", "\r", "\t", "~"};
        java.util.regex.Pattern lineEnd = java.util.regex.Pattern.compile("\r\n|\r|\n");
        for (int trial = 0; trial < 40; trial++) {
            StringBuilder text = new StringBuilder();
            int length = 1 + random.nextInt(trial % 2 == 0 ? 300 : 150_000);
            while (text.length() < length) text.append(pieces[random.nextInt(pieces.length)]);
            int at = random.nextInt(text.length() + 1);
            while (at > 0 && at < text.length() && (text.charAt(at - 1) == '\r' && text.charAt(at) == '\n'
                    || Character.isLowSurrogate(text.charAt(at)))) at--;
            String before = text.substring(0, at);
            long ends = lineEnd.matcher(before).results().count();
            int bad = random.nextBoolean() ? 0xFF : 0x80; // a byte no character starts with, or a lone continuation
            int chunk = trial % 3 == 0 ? Integer.MAX_VALUE : 1 + random.nextInt(20);
            assertEquals(invalidAt(ends + 1), error(bytes(before, bad, text.substring(at)), chunk),
                    "trial " + trial + ", bad byte at char " + at + " of " + text.length());
        }
    }

    /** A pipe that hands out at most chunk bytes a read. */
    private static final class Chunked extends InputStream {
        private final byte[] b;
        private final int chunk;
        private int at;

        Chunked(byte[] b, int chunk) {
            this.b = b;
            this.chunk = chunk;
        }

        @Override
        public int read() {
            return at < b.length ? b[at++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] to, int off, int len) {
            if (at >= b.length) return -1;
            int n = Math.min(Math.min(len, chunk), b.length - at);
            System.arraycopy(b, at, to, off, n);
            at += n;
            return n;
        }
    }
}
