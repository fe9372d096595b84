package tagllm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A NUL character (zero byte) is a file error naming the file and its line, in every format: it was read as an ordinary
 * character, so that UTF-16 text without a byte-order mark (valid UTF-8, a zero beside each ASCII character) gave "no
 * column 'smiles'" or rows with the zeros in their prompts, and a block of zeros went into a text row.
 */
class NulCharacterTest {
    @TempDir
    Path dir;

    private static final String WHY = ": a NUL character (zero byte), which text data does not hold: a binary file, or"
            + " UTF-16/UTF-32 text without a byte-order mark? (re-save the file as UTF-8)";

    private String error(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.scan(p, null, RowIssues.skipping(), row -> { }));
        return e.getMessage().substring(p.toString().length());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aNulOnLineThreeIsThatLinesFileErrorInEveryFormat() throws IOException {
        assertEquals(":3" + WHY, error("a.csv", utf8("smiles,y\nCCO,1\nC\0C,2\nN,3\n")));
        assertEquals(":3" + WHY, error("a.tsv", utf8("smiles\ty\nCCO\t1\nC\0C\t2\n")));
        assertEquals(":3" + WHY, error("a.jsonl", utf8("{\"smiles\":\"CCO\"}\n\n{\"smiles\":\"C\0C\"}\n")));
        assertEquals(":3" + WHY, error("a.fasta", utf8(">p1\nMKV\nMK\0V\n")));
        assertEquals(":3" + WHY, error("a.txt", utf8("one\ntwo\n\0\0\0\0\nfour\n")));
    }

    /** Lines counted as the readers count them: \r\n is one line end, a lone \r one. */
    @Test
    void theLineIsCountedAsTheReadersCountIt() throws IOException {
        assertEquals(":5" + WHY, error("r.txt", utf8("one\r\ntwo\rthree\n\r\nx\0\n")));
        // far past the decoder's read-ahead, in a gzip-compressed file
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(utf8("smiles,y\n" + "CCO,1\n".repeat(20_000) + "CC\0,2\n"));
        }
        assertEquals(":20002" + WHY, error("late.csv.gz", gz.toByteArray()));
    }

    @Test
    void utf16WithoutAByteOrderMarkIsRefusedOnItsFirstLine() throws IOException {
        assertEquals(":1" + WHY, error("wide.csv", "smiles,y\nCCO,1\n".getBytes(StandardCharsets.UTF_16LE)));
        assertEquals(":1" + WHY, error("wide.txt", "one line\n".getBytes(StandardCharsets.UTF_16BE)));
    }
}
