package tagllm.data;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A NUL character or invalid UTF-8 arriving on a pipe (stdin, "-") names its line as in a file. The line was found by
 * reading the file a second time, which a pipe cannot be: the error said "/dev/stdin:0:". The bytes here come from an
 * InputStream read once, under a name that is no file, so no second reading could find them.
 */
class PipeInputTest {
    private static final String PIPE = "<pipe that is no file>";

    private static String error(Format format, byte[] bytes) {
        ByteArrayInputStream once = new ByteArrayInputStream(bytes);
        DatasetException e = assertThrows(DatasetException.class,
                () -> Dataset.scan(once, PIPE, format, RowIssues.skipping(), row -> { }));
        assertTrue(e.getMessage().startsWith(PIPE + ":"), e.getMessage());
        return e.getMessage().substring(PIPE.length());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aNulOnAPipeNamesItsLine() {
        assertEquals(":3: " + StrictUtf8Reader.NUL, error(Format.CSV, utf8("smiles,y\nCCO,1\nC\0C,2\nN,3\n")));
        assertEquals(":1: " + StrictUtf8Reader.NUL, error(Format.TEXT, utf8("\0one\n")));
        // far past the reader's 8 KiB buffer (many reads), lines ending in \r\n
        assertEquals(":20002: " + StrictUtf8Reader.NUL, error(Format.CSV, utf8("smiles,y\r\n" + "CCO,1\r\n".repeat(20_000) + "CC\0,2\r\n")));
    }

    @Test
    void invalidUtf8OnAPipeNamesItsLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(utf8("text\n" + "a line\n".repeat(30_000) + "bad "));
        b.write(0xC3); // a lead byte with no continuation
        b.write(utf8("(\nafter\n"));
        assertEquals(":30002: " + StrictUtf8Reader.INVALID, error(Format.TEXT, b.toByteArray()));
        // a sequence cut off by the end of the stream: the last line
        assertEquals(":2: " + StrictUtf8Reader.INVALID, error(Format.TEXT, new byte[]{'a', '\r', 'b', (byte) 0xE2, (byte) 0x82}));
    }

    /** The decoding itself against the JDK's: every character, a supplementary one read a char at a time included. */
    @Test
    void validTextOnAPipeReadsAsTheJdkDecodesIt() {
        String text = "\uFEFFsmiles,y\nC\u00e9O,\uD83D\uDE00\r\n\u4e2d\u6587,2\n";
        List<String> got = new ArrayList<>();
        List<String> columns = Dataset.scan(new ByteArrayInputStream(utf8(text)), PIPE, Format.CSV, RowIssues.strict(),
                row -> got.add(row.get("smiles") + "|" + row.get("y")));
        assertEquals(List.of("smiles", "y"), columns);
        assertEquals(List.of("C\u00e9O|\uD83D\uDE00", "\u4e2d\u6587|2"), got);
        // a supplementary character first: the byte-order-mark check reads one char of it
        List<String> lines = new ArrayList<>();
        Dataset.scan(new ByteArrayInputStream(utf8("\uD83D\uDE00 x\n\u00e9\n")), PIPE, Format.TEXT, RowIssues.strict(),
                row -> lines.add(row.get("text")));
        assertEquals(List.of("\uD83D\uDE00 x", "\u00e9"), lines);
    }

    /**
     * The line of a NUL at a random place in random text of every line end (\n, \r\n, a lone \r, a \r\n split by the
     * reader's 8 KiB reads) and of characters of one to four bytes, against the line ends of the text before it
     * counted by a regular expression.
     */
    @Test
    void aNulAnywhereInMixedTextNamesTheLineTheLineEndsBeforeItGive() {
        java.util.Random random = new java.util.Random(20261207);
        String[] pieces = {"a", "CCO", " ", "\u00e9", "\u4e2d", "\uD83D\uDE00", "\n", "\r\n", "\r", "\t", "~"};
        java.util.regex.Pattern lineEnd = java.util.regex.Pattern.compile("\r\n|\r|\n");
        for (int trial = 0; trial < 40; trial++) {
            StringBuilder text = new StringBuilder();
            int length = 1 + random.nextInt(trial % 2 == 0 ? 200 : 150_000);
            while (text.length() < length) text.append(pieces[random.nextInt(pieces.length)]);
            int at = random.nextInt(text.length() + 1);
            // not between a \r and its \n (the NUL would end the \r's line there) nor inside a surrogate pair
            while (at > 0 && at < text.length() && (text.charAt(at - 1) == '\r' && text.charAt(at) == '\n'
                    || Character.isLowSurrogate(text.charAt(at)))) at--;
            String before = text.substring(0, at);
            long ends = lineEnd.matcher(before).results().count();
            String got = error(Format.TEXT, utf8(before + "\0" + text.substring(at)));
            assertEquals(":" + (ends + 1) + ": " + StrictUtf8Reader.NUL, got, "trial " + trial + ", NUL at char " + at + " of " + text.length());
        }
    }
}
