package tagllm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A .tsv written by tagllm (predict, chem, data build) reads back through tagllm's TSV reader as the same values. */
class RowSinkTsvTest {
    @TempDir
    Path dir;

    private static String tsv(List<String> header, List<List<String>> rows) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RowSink sink = RowSink.of(out, Format.TSV, Set.of());
        sink.header(header);
        for (List<String> r : rows) sink.row(r);
        sink.flush();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void valuesWithQuotesSpacesOrNothingComeBackAsTheyWere() throws Exception {
        // each of these was quoted by Commons CSV's TDF, and the quotes then came back as part of the value
        List<List<String>> rows = List.of(
                List.of("", "CCO", "0.4"),
                List.of("says \"hi\"", "F/C=C\\F", "0.5"),
                List.of("trailing ", " leading", "\"quoted\""),
                List.of("#comment-like", "a,b", ""));
        String text = tsv(List.of("name", "smiles", "qed"), rows);
        assertEquals("name\tsmiles\tqed\n\tCCO\t0.4\nsays \"hi\"\tF/C=C\\F\t0.5\ntrailing \t leading\t\"quoted\"\n"
                + "#comment-like\ta,b\t\n", text);
        Path f = dir.resolve("t.tsv");
        Files.writeString(f, text);
        Dataset back = Dataset.read(f);
        assertEquals(List.of("name", "smiles", "qed"), back.columns());
        assertEquals(rows.size(), back.size());
        for (int i = 0; i < rows.size(); i++) {
            for (int c = 0; c < 3; c++) assertEquals(rows.get(i).get(c), back.rows().get(i).get(back.columns().get(c)), "row " + i + " column " + c);
        }
    }

    @Test
    void aTabOrLineBreakInAValueKeepsTheRowOnOneLine() throws Exception {
        String text = tsv(List.of("id", "output"), List.of(List.of("1", "two\nlines\r\nand\ta tab"), List.of("2", "x")));
        assertEquals("id\toutput\n1\ttwo\\nlines\\r\\nand\\ta tab\n2\tx\n", text);
        Path f = dir.resolve("b.tsv");
        Files.writeString(f, text);
        Dataset back = Dataset.read(f);
        assertEquals(2, back.size());
        assertEquals("two\\nlines\\r\\nand\\ta tab", back.rows().get(0).get("output"));
        assertEquals(3, back.rows().get(1).line());
    }
}
