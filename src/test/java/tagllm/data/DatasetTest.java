package tagllm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class DatasetTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void csvWithRfc4180QuotingAndLineNumbers() throws IOException {
        Path p = write("a.csv", "name,smiles,affinity\n"
                + "plain,CCO,1.5\n"
                + "\"with, comma\",\"C\"\"Q\",2\n"
                + "\n"
                + "multi,\"line one\nline two\",3e-1\n"
                + "after,N,4\n");
        Dataset ds = Dataset.read(p);
        assertEquals(Format.CSV, ds.format());
        assertEquals(List.of("name", "smiles", "affinity"), ds.columns());
        assertEquals(4, ds.size());
        assertEquals("with, comma", ds.rows().get(1).get("name"));
        assertEquals("C\"Q", ds.rows().get(1).get("smiles"));
        assertEquals("line one\nline two", ds.rows().get(2).get("smiles"));
        assertEquals(0.3, ds.rows().get(2).getDouble("affinity"));
        // line numbers are those of the record's first line, blank and continuation lines counted
        assertEquals(List.of(2L, 3L, 5L, 7L), ds.rows().stream().map(Row::line).toList());
        assertEquals(p.toString(), ds.rows().get(0).source());
        assertEquals(Map.of("name", "plain", "smiles", "CCO", "affinity", "1.5"), ds.rows().get(0).values());
    }

    /**
     * A header of a million columns (7 MB, under the line limit) and one row: the duplicate check compared each name
     * with all before it, so reading it did not end (predict on such a file was still in the header after minutes).
     * The deadline is far beyond what reading takes now (a few seconds); the old reading needed hours.
     */
    @Test
    void aMillionColumnHeaderIsReadAndADuplicateAmongThemIsNamed() throws IOException {
        int n = 1_000_000;
        StringBuilder header = new StringBuilder("smiles"), row = new StringBuilder("CCO");
        for (int i = 1; i < n; i++) {
            header.append(",c").append(i);
            row.append(',');
        }
        Path p = write("wide.csv", header + "\n" + row + "\n");
        Dataset ds = assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> Dataset.read(p));
        assertEquals(n, ds.columns().size());
        assertEquals("c999999", ds.columns().get(n - 1));
        assertEquals("CCO", ds.rows().get(0).get("smiles"));
        Path dup = write("dup.csv", header + ",c500000\n" + row + ",\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.read(dup));
        assertTrue(e.getMessage().contains("duplicate column 'c500000'"), e.getMessage());
    }

    /**
     * A one-column file's empty value: Python's csv.writer (and pandas' to_csv) write the row [''] as "" so that it is not
     * a blank line. It is a row (it used to vanish: neither read nor reported); a blank line is still skipped.
     */
    @Test
    void aQuotedEmptyFieldIsARowABlankLineIsNot() throws IOException {
        Path p = write("one.csv", "smiles\nCCO\n\"\"\n\nCCN\r\n\"\"\r\n\r\n");
        Dataset ds = Dataset.read(p);
        assertEquals(List.of("CCO", "", "CCN", ""), ds.rows().stream().map(r -> r.get("smiles")).toList());
        assertEquals(List.of(2L, 3L, 5L, 6L), ds.rows().stream().map(Row::line).toList());
        // unquoted empty fields of a wider row stay empty strings, as before
        Path wide = write("wide.csv", "a,b,c\n,\"\",\n");
        assertEquals(Map.of("a", "", "b", "", "c", ""), Dataset.read(wide).rows().get(0).values());
    }

    private Path gzip(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(p))) {
            out.write(content);
        }
        return p;
    }

    /** .csv.gz and .fasta.gz are read as the files they hold (they failed as "not valid UTF-8", even with --format). */
    @Test
    void gzipCompressedFilesReadAsTheirContent() throws IOException {
        String csv = "id,smiles\n1,CCO\n2,\"C\nC\"\n3,c1ccccc1\n";
        Dataset plain = Dataset.read(write("m.csv", csv));
        Dataset gz = Dataset.read(gzip("m.csv.gz", csv.getBytes(StandardCharsets.UTF_8)));
        assertEquals(Format.CSV, gz.format());
        assertEquals(plain.columns(), gz.columns());
        assertEquals(plain.rows().stream().map(Row::values).toList(), gz.rows().stream().map(Row::values).toList());
        assertEquals(List.of(2L, 3L, 5L), gz.rows().stream().map(Row::line).toList());
        // another name: the format given, the content still told by its first bytes
        Dataset named = Dataset.read(gzip("m.data", csv.getBytes(StandardCharsets.UTF_8)), Format.CSV);
        assertEquals(3, named.size());

        Dataset fasta = Dataset.read(gzip("p.fasta.gz", ">a one\nMKV\nLL\n>b\nGG\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("MKVLL", "GG"), fasta.rows().stream().map(r -> r.get("sequence")).toList());

        // a bad byte inside is found on its line of the decompressed text
        byte[] bad = "id,smiles\n1,CCO\n2,C\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        Path badGz = gzip("bad.csv.gz", bad);
        assertEquals(badGz + ":3: not valid UTF-8 text (bytes that are no UTF-8 character; re-save the file as UTF-8)",
                assertThrows(DatasetException.class, () -> Dataset.read(badGz)).getMessage());
        // a cut-off download says so
        byte[] whole = Files.readAllBytes(gzip("t.csv.gz", ("id,smiles\n" + "1,CCO\n".repeat(2000)).getBytes(StandardCharsets.UTF_8)));
        Path cut = dir.resolve("cut.csv.gz");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        String msg = assertThrows(DatasetException.class, () -> Dataset.read(cut)).getMessage();
        assertTrue(msg.startsWith(cut + ":") && msg.contains("gzip") && msg.contains("truncated or corrupt"), msg);
    }

    @Test
    void crlfAndByteOrderMark() throws IOException {
        Path p = dir.resolve("bom.csv");
        byte[] body = "id,y\r\na,1\r\nb,2\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[body.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(body, 0, withBom, 3, body.length);
        Files.write(p, withBom);
        Dataset ds = Dataset.read(p);
        assertEquals(List.of("id", "y"), ds.columns());
        assertEquals("b", ds.rows().get(1).get("id"));
        assertEquals(3, ds.rows().get(1).line());
    }

    @Test
    void tsvHasNoQuoting() throws IOException {
        Path p = write("t.tsv", "src\ttgt\tcorpus\n\"Hello,\" he said.\t« Bonjour », dit-il.\ttatoeba\n");
        Row r = Dataset.read(p).rows().get(0);
        assertEquals("\"Hello,\" he said.", r.get("src"));
        assertEquals("« Bonjour », dit-il.", r.get("tgt"));
    }

    @Test
    void jsonLines() throws IOException {
        Path p = write("d.jsonl", "{\"smiles\": \"CCO\", \"y\": 0.25, \"n\": 3, \"ok\": true, \"tags\": [1, 2], \"none\": null}\n"
                + "\n"
                + "{\"smiles\": \"N\", \"extra\": \"x\"}\n");
        Dataset ds = Dataset.read(p);
        assertEquals(Format.JSONL, ds.format());
        assertEquals(List.of("smiles", "y", "n", "ok", "tags", "extra"), ds.columns());
        Row first = ds.rows().get(0);
        assertEquals(0.25, first.getDouble("y"));
        assertEquals("3", first.get("n"));
        assertEquals("true", first.get("ok"));
        assertEquals("[1,2]", first.get("tags"));
        assertFalse(first.has("none"));
        assertEquals(3, ds.rows().get(1).line());
    }

    @Test
    void jsonLinesErrorsNameTheLine() throws IOException {
        Path p = write("bad.jsonl", "{\"a\": 1}\n{\"a\": \n[1, 2]\n{\"a\": 1, \"a\": 2}\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.read(p));
        assertTrue(e.getMessage().startsWith(p + ":2: invalid JSON"), e.getMessage());

        RowIssues issues = RowIssues.skipping();
        Dataset ds = Dataset.read(p, null, issues);
        assertEquals(1, ds.size());
        assertEquals(3, issues.count());
        assertEquals(p + ":3: expected a JSON object, got array", issues.messages().get(1));
        assertTrue(issues.messages().get(2).startsWith(p + ":4: invalid JSON: Duplicate field 'a'"), issues.messages().get(2));

        Path array = write("array.json", "[{\"a\": 1}]\n");
        DatasetException arr = assertThrows(DatasetException.class, () -> Dataset.read(array));
        assertTrue(arr.getMessage().contains("JSON array; expected JSON Lines"), arr.getMessage());
    }

    @Test
    void fastaRecordsSpanLines() throws IOException {
        Path p = write("p.fasta", "\n>sp|P1| first protein\nMKV\nLLA \n\n>P2\nGG\n;comment\nHH\n");
        Dataset ds = Dataset.read(p);
        assertEquals(Format.FASTA, ds.format());
        assertEquals(2, ds.size());
        Row a = ds.rows().get(0), b = ds.rows().get(1);
        assertEquals("sp|P1|", a.get("id"));
        assertEquals("first protein", a.get("description"));
        assertEquals("MKVLLA", a.get("sequence"));
        assertEquals(2, a.line());
        assertEquals("P2", b.get("id"));
        assertEquals("", b.get("description"));
        assertEquals("GGHH", b.get("sequence"));
        assertEquals(6, b.line());
    }

    /** A header with no id refuses its record, which keeps its sequence, so an output's error row can be found by it. */
    @Test
    void fastaRecordWithoutAnIdKeepsItsSequence() throws IOException {
        Path p = write("noid.fa", ">\nMKV\nLLA\n>p2\nMKT\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.read(p));
        assertEquals(p + ":1: FASTA header has no id after '>'", e.getMessage());
        assertEquals(java.util.Map.of("description", "", "sequence", "MKVLLA"), e.known());
    }

    @Test
    void fastaRecordWithoutSequenceIsARowIssue() throws IOException {
        Path p = write("e.fa", ">empty\n>full\nMK\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.read(p));
        assertEquals(p + ":1: FASTA record 'empty' has no sequence lines", e.getMessage());
        assertEquals(java.util.Map.of("id", "empty", "description", ""), e.known(), "its id is known: an output can show it");
        RowIssues issues = RowIssues.skipping();
        assertEquals(1, Dataset.read(p, null, issues).size());
        assertEquals(1, issues.count());
    }

    @Test
    void plainTextSkipsBlankLines() throws IOException {
        Path p = write("en.txt", "First line.\n\n   \nSecond line.\n");
        Dataset ds = Dataset.read(p);
        assertEquals(List.of("text"), ds.columns());
        assertEquals(List.of("First line.", "Second line."), ds.rows().stream().map(r -> r.get("text")).toList());
        assertEquals(4, ds.rows().get(1).line());
    }

    @Test
    void formatDetectionAndOverride() throws IOException {
        assertEquals(Format.CSV, Format.detect(Path.of("x/y.CSV")));
        assertEquals(Format.TSV, Format.detect(Path.of("y.tsv")));
        assertEquals(Format.JSONL, Format.detect(Path.of("y.json")));
        assertEquals(Format.FASTA, Format.detect(Path.of("y.faa")));
        assertEquals(Format.TEXT, Format.detect(Path.of("y.txt")));
        DatasetException e = assertThrows(DatasetException.class, () -> Format.detect(Path.of("data.xlsx")));
        assertTrue(e.getMessage().startsWith("data.xlsx: cannot tell the format from the extension '.xlsx'"), e.getMessage());
        assertEquals(Format.TSV, Format.parse("TSV"));
        assertThrows(IllegalArgumentException.class, () -> Format.parse("parquet"));

        Path p = write("data.dat", "a\tb\n1\t2\n");
        assertEquals("2", Dataset.read(p, Format.TSV).rows().get(0).get("b"));
    }

    /**
     * A file (or pipe: --input - reads /dev/stdin) whose name gives no format is refused naming the option that gives
     * it: the message said only "give the format explicitly", and a user piping into predict had to find --format.
     */
    @Test
    void anUnknownExtensionNamesTheOptionThatGivesTheFormat() {
        DatasetException e = assertThrows(DatasetException.class, () -> Format.detect(Path.of("/dev/stdin")));
        assertTrue(e.getMessage().startsWith("/dev/stdin: cannot tell the format from the extension '(none)'"), e.getMessage());
        assertTrue(e.getMessage().contains("--format on the command line, data: {format: ...} in an experiment file"), e.getMessage());
    }

    @Test
    void scanStreamsRowsWithoutKeepingThem() throws IOException {
        Path p = write("s.tsv", "a\tb\n1\t2\n3\t4\n");
        List<String> seen = new java.util.ArrayList<>();
        List<String> columns = Dataset.scan(p, null, RowIssues.strict(), r -> seen.add(r.line() + ":" + r.get("b")));
        assertEquals(List.of("a", "b"), columns);
        assertEquals(List.of("2:2", "3:4"), seen);
    }

    // ---- bad input: each a clear error naming file and line ----

    @Test
    void unterminatedQuote() throws IOException {
        Path p = write("q.csv", "a,b\n1,2\n3,\"oops\n4,5\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.read(p));
        assertEquals(p + ":3: unterminated quoted field: a \" opened in this record is never closed", e.getMessage());
    }

    @Test
    void strayQuoteAfterQuotedField() throws IOException {
        Path p = write("s.csv", "a,b\n\"x\"y,2\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.read(p));
        assertTrue(e.getMessage().startsWith(p + ":2: malformed quoting"), e.getMessage());
    }

    @Test
    void missingColumn() throws IOException {
        Path p = write("m.csv", "smiles,qed\nCCO,0.4\n");
        Dataset ds = Dataset.read(p);
        DatasetException e = assertThrows(DatasetException.class, () -> ds.rows().get(0).get("affinity"));
        assertEquals(p + ":2: missing column 'affinity' (this row has: smiles, qed)", e.getMessage());
        DatasetException f = assertThrows(DatasetException.class, () -> ds.requireColumns("smiles", "affinity", "split"));
        assertEquals(p + ":1: missing columns 'affinity', 'split' (the file has: smiles, qed)", f.getMessage());
    }

    @Test
    void wrongFieldCount() throws IOException {
        Path p = write("w.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.read(p));
        assertEquals(p + ":3: expected 3 fields as in the header, got 2", e.getMessage());
        RowIssues issues = RowIssues.skipping();
        Dataset ds = Dataset.read(p, null, issues);
        assertEquals(List.of(2L, 5L), ds.rows().stream().map(Row::line).toList());
        assertEquals(2, issues.count());
    }

    @Test
    void nonNumericValue() throws IOException {
        Path p = write("n.csv", "drug,affinity\nCCO,abc\nN,1e400\nO, 7.5 \nC,0x10\n");
        List<Row> rows = Dataset.read(p).rows();
        DatasetException e = assertThrows(DatasetException.class, () -> rows.get(0).getDouble("affinity"));
        assertEquals(p + ":2: column 'affinity': expected a number, got 'abc'", e.getMessage());
        DatasetException inf = assertThrows(DatasetException.class, () -> rows.get(1).getDouble("affinity"));
        assertEquals(p + ":3: column 'affinity': expected a finite number, got '1e400'", inf.getMessage());
        assertEquals(7.5, rows.get(2).getDouble("affinity"));
        assertThrows(DatasetException.class, () -> rows.get(3).getDouble("affinity"));
    }

    @Test
    void emptyFiles() throws IOException {
        Path csv = write("empty.csv", "");
        assertEquals(csv + ": empty file: expected a CSV header line",
                assertThrows(DatasetException.class, () -> Dataset.read(csv)).getMessage());
        Path txt = write("empty.txt", "\n  \n");
        assertEquals(txt + ": empty file: expected one example per line",
                assertThrows(DatasetException.class, () -> Dataset.read(txt)).getMessage());
        Path jsonl = write("empty.jsonl", "");
        assertTrue(assertThrows(DatasetException.class, () -> Dataset.read(jsonl)).getMessage().startsWith(jsonl + ": empty file"));
        // a header without rows is a valid, empty dataset
        assertEquals(0, Dataset.read(write("h.csv", "a,b\n")).size());
    }

    @Test
    void fastaWithoutHeader() throws IOException {
        Path p = write("nohead.fasta", "\nMKVLLAGG\n>P1\nMK\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.read(p));
        assertEquals(p + ":2: FASTA: expected a header line starting with '>' before the first sequence, got 'MKVLLAGG'",
                e.getMessage());
    }

    @Test
    void badHeaders() throws IOException {
        Path dup = write("dup.csv", "a,b,a\n1,2,3\n");
        assertEquals(dup + ":1: CSV header: duplicate column 'a'",
                assertThrows(DatasetException.class, () -> Dataset.read(dup)).getMessage());
        Path blank = write("blank.csv", "a,,c\n1,2,3\n");
        assertEquals(blank + ":1: CSV header: column 2 has no name",
                assertThrows(DatasetException.class, () -> Dataset.read(blank)).getMessage());
    }

    @Test
    void missingFileAndInvalidUtf8() throws IOException {
        Path missing = dir.resolve("nope.csv");
        assertEquals(missing + ": no such file", assertThrows(DatasetException.class, () -> Dataset.read(missing)).getMessage());
        Path bin = dir.resolve("bin.txt");
        Files.write(bin, new byte[]{'o', 'k', '\n', (byte) 0xC3, (byte) 0x28, '\n'});
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.read(bin));
        assertTrue(e.getMessage().startsWith(bin + ":2: not valid UTF-8"), e.getMessage());
        // far into a file, past the decoder's read-ahead: the line is still exact
        StringBuilder big = new StringBuilder("smiles,y\n");
        for (int i = 0; i < 5000; i++) big.append("CCO,").append(i).append('\n');
        byte[] head = big.toString().getBytes(StandardCharsets.UTF_8);
        byte[] bytes = java.util.Arrays.copyOf(head, head.length + 5);
        System.arraycopy(new byte[]{'N', ',', (byte) 0xFF, '1', '\n'}, 0, bytes, head.length, 5);
        Path late = dir.resolve("late.csv");
        Files.write(late, bytes);
        DatasetException l = assertThrows(DatasetException.class, () -> Dataset.read(late));
        assertTrue(l.getMessage().startsWith(late + ":5002: not valid UTF-8"), l.getMessage());
    }

    @Test
    void emptyValueIsRefusedWhereRequired() throws IOException {
        Path p = write("e.csv", "smiles,y\n,1\n");
        Row r = Dataset.read(p).rows().get(0);
        assertEquals("", r.get("smiles"));
        assertEquals(p + ":2: column 'smiles' is empty",
                assertThrows(DatasetException.class, () -> r.getNonEmpty("smiles")).getMessage());
    }
}
