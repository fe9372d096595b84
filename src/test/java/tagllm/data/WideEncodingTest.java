package tagllm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A data file saved as UTF-16 or UTF-32 with a byte order mark (Windows editors' "Unicode") is refused saying what it
 * is, as an experiment file is (ConfigText), not as "not valid UTF-8 text (bytes that are no UTF-8 character)"; short
 * UTF-8 files (under the 4 bytes looked at) still read.
 */
class WideEncodingTest {
    @TempDir
    Path dir;

    private static final String FIX = ", not UTF-8; re-save the file as UTF-8";

    private String error(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.scan(p, null, RowIssues.skipping(), row -> { }));
        return e.getMessage().substring(p.toString().length());
    }

    private static byte[] encoded(String text, Charset cs, int... mark) {
        byte[] body = text.getBytes(cs);
        byte[] out = new byte[mark.length + body.length];
        for (int i = 0; i < mark.length; i++) out[i] = (byte) mark[i];
        System.arraycopy(body, 0, out, mark.length, body.length);
        return out;
    }

    @Test
    void utf16AndUtf32WithAByteOrderMarkAreNamed() throws IOException {
        Charset utf32le = Charset.forName("UTF-32LE"), utf32be = Charset.forName("UTF-32BE");
        assertEquals(":1: UTF-16 text (little-endian, byte order mark FF FE)" + FIX,
                error("le.csv", encoded("smiles,y\nCCO,1\n", StandardCharsets.UTF_16LE, 0xFF, 0xFE)));
        assertEquals(":1: UTF-16 text (big-endian, byte order mark FE FF)" + FIX,
                error("be.txt", encoded("one\n", StandardCharsets.UTF_16BE, 0xFE, 0xFF)));
        assertEquals(":1: UTF-32 text (little-endian, byte order mark FF FE 00 00)" + FIX,
                error("le.jsonl", encoded("{\"a\":1}\n", utf32le, 0xFF, 0xFE, 0, 0)));
        assertEquals(":1: UTF-32 text (big-endian, byte order mark 00 00 FE FF)" + FIX,
                error("be.fasta", encoded(">a\nMKV\n", utf32be, 0, 0, 0xFE, 0xFF)));
        // inside gzip: the mark is looked for in the decompressed bytes
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(encoded("smiles\tname\nCCO\ta\n", StandardCharsets.UTF_16LE, 0xFF, 0xFE));
        }
        assertEquals(":1: UTF-16 text (little-endian, byte order mark FF FE)" + FIX, error("le.tsv.gz", gz.toByteArray()));
    }

    @Test
    void utf8FilesShorterThanTheMarkStillRead() throws IOException {
        for (String text : List.of("a", "ab\n", "\uFEFFx")) {
            Path p = dir.resolve("short.txt");
            Files.writeString(p, text, StandardCharsets.UTF_8);
            List<Row> rows = new ArrayList<>();
            Dataset.scan(p, null, RowIssues.strict(), rows::add);
            assertEquals(List.of(text.strip().replace("\uFEFF", "")), rows.stream().map(r -> r.get("text")).toList());
        }
        Path empty = dir.resolve("empty.txt");
        Files.write(empty, new byte[0]);
        assertEquals(empty + ": empty file: expected one example per line",
                assertThrows(DatasetException.class, () -> Dataset.scan(empty, null, RowIssues.strict(), row -> { })).getMessage());
    }
}
