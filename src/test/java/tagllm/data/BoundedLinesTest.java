package tagllm.data;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link TextInput.BoundedLines} against an independent reference, {@link BufferedReader#readLine()}, on random text of
 * mixed line ends (\n, \r\n, lone \r, a last line with or without one), delivered in reads of random size (so that a
 * \r\n and the lines themselves fall across the reads), with limits that clip some lines: each line must be the
 * reference's, clipped to the limit, and {@code tooLong} exactly when the reference's is longer than the limit.
 */
class BoundedLinesTest {
    @TempDir
    Path dir;

    @AfterEach
    void restoreTheLimit() {
        TextInput.lineLimit = TextInput.MAX_LINE_CHARS;
    }

    private static final String[] PIECES = {"a", "bc", "é", "日本", "\uD83D\uDE00", " ", "\t", "\n", "\r", "\r\n", "\n\r", "\r\r"};

    private static String randomText(Random rnd, int pieces) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            // long runs without a line end now and then, to cross the 64 Ki-character buffer within a line
            if (rnd.nextInt(200) == 0) sb.append("x".repeat(rnd.nextInt(1 << 17)));
            else sb.append(PIECES[rnd.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }

    /** Gives at most a random few characters a read, and sometimes none (which a Reader may). */
    private static final class Trickle extends Reader {
        private final Reader in;
        private final Random rnd;

        Trickle(Reader in, Random rnd) {
            this.in = in;
            this.rnd = rnd;
        }

        @Override
        public int read(char[] b, int off, int len) throws IOException {
            int r = rnd.nextInt(10);
            if (r == 0) return 0;
            int n = r < 8 ? 1 + rnd.nextInt(7) : len;
            return in.read(b, off, Math.min(n, len));
        }

        @Override
        public void close() { }
    }

    private record Line(String text, boolean tooLong) { }

    private static List<Line> bounded(Reader in) throws IOException {
        TextInput.BoundedLines lines = new TextInput.BoundedLines(in);
        List<Line> out = new ArrayList<>();
        for (String s; (s = lines.next()) != null; ) out.add(new Line(s, lines.tooLong()));
        assertNull(lines.next(), "the end stays the end");
        return out;
    }

    private static List<Line> reference(String text, int limit) throws IOException {
        BufferedReader r = new BufferedReader(new StringReader(text));
        List<Line> out = new ArrayList<>();
        for (String s; (s = r.readLine()) != null; ) out.add(new Line(s.length() > limit ? s.substring(0, limit) : s, s.length() > limit));
        return out;
    }

    @Test
    void linesAreBufferedReadersOnRandomTextInRandomReads() throws IOException {
        Random rnd = new Random(20261207);
        for (int round = 0; round < 400; round++) {
            String text = randomText(rnd, rnd.nextInt(300));
            int limit = switch (rnd.nextInt(4)) {
                case 0 -> 1 + rnd.nextInt(4);
                case 1 -> 5 + rnd.nextInt(60);
                case 2 -> (1 << 16) + rnd.nextInt(1 << 16) - (1 << 15);
                default -> TextInput.MAX_LINE_CHARS;
            };
            TextInput.lineLimit = limit;
            List<Line> expected = reference(text, limit);
            String where = "round " + round + ", limit " + limit;
            assertEquals(expected, bounded(new StringReader(text)), where + ", whole reads");
            assertEquals(expected, bounded(new Trickle(new StringReader(text), rnd)), where + ", short reads");
        }
    }

    @Test
    void edgeCasesByHand() throws IOException {
        TextInput.lineLimit = 3;
        assertEquals(List.of(), bounded(new StringReader("")));
        assertEquals(List.of(new Line("", false)), bounded(new StringReader("\r")));
        assertEquals(List.of(new Line("", false), new Line("", false)), bounded(new StringReader("\r\r")));
        assertEquals(List.of(new Line("", false)), bounded(new StringReader("\r\n")));
        assertEquals(List.of(new Line("", false), new Line("", false)), bounded(new StringReader("\n\r")));
        // exactly at the limit is kept; one over is clipped; the last line needs no line end
        assertEquals(List.of(new Line("abc", false), new Line("abc", true), new Line("x", false)),
                bounded(new StringReader("abc\r\nabcd\rx")));
    }

    /** Through the file reader: a UTF-8 byte-order mark is dropped from the first line and nowhere else. */
    @Test
    void aFileWithAByteOrderMarkReadsAsBufferedReaderReadsItWithout() throws IOException {
        Random rnd = new Random(7);
        for (int round = 0; round < 20; round++) {
            String text = randomText(rnd, 200) + "\uFEFFlater";
            Path p = dir.resolve("t" + round + ".txt");
            Files.writeString(p, "\uFEFF" + text, StandardCharsets.UTF_8);
            assertEquals(reference(text, TextInput.lineLimit), bounded(TextInput.open(p)), "round " + round);
        }
    }
}
