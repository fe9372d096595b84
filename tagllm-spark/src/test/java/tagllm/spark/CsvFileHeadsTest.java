package tagllm.spark;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Before its job, the driver reads each CSV file's line end and header from one open of the file: the old code
 * opened every file twice, one after the other (LineSeparator, then CsvFileHeaders), a round trip each on S3 or HDFS.
 * The opens are counted through a local file system that records them; those of Spark's tasks (which read the rows)
 * are not the driver's.
 */
class CsvFileHeadsTest {
    @TempDir
    Path dir;

    /** Opens by file, made outside Spark's task threads (on the driver). */
    static final Map<String, Integer> DRIVER_OPENS = new ConcurrentHashMap<>();

    /** The local file system, counting the driver's opens. */
    public static final class CountingLocalFileSystem extends LocalFileSystem {
        @Override
        public FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize) throws IOException {
            if (!Thread.currentThread().getName().startsWith("Executor task launch worker")) {
                DRIVER_OPENS.merge(Path.of(f.toUri().getPath()).getFileName().toString(), 1, Integer::sum);
            }
            return super.open(f, bufferSize);
        }
    }

    @Test
    void eachFileIsOpenedOnceOnTheDriverAndReadAsBefore() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        // CR LF in every file: the reader is told, and the quoted CR LF stays (LineSeparator's result, as before)
        Files.writeString(data.resolve("a.csv"), "id,note\r\n1,\"x\r\ny\"\r\n");
        Files.writeString(data.resolve("b.csv"), "id,note\r\n2,plain\r\n");
        try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(data.resolve("c.csv.gz")))) {
            gz.write(" id ,note\r\n3,z\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)); // the same header once stripped
        }
        Files.writeString(data.resolve("d.csv"), ""); // no header: Spark reads no row from it
        SparkSession spark = Sessions.start("local[1]", "csv heads", Map.of("spark.hadoop.fs.file.impl", CountingLocalFileSystem.class.getName(),
                "spark.hadoop.fs.file.impl.disable.cache", "true"));
        try {
            DRIVER_OPENS.clear();
            CsvInput csv = CsvInput.read(spark, data.toString(), InputPaths.of(spark, data.toString()));
            assertEquals(Map.of("a.csv", 1, "b.csv", 1, "c.csv.gz", 1, "d.csv", 1), new TreeMap<>(DRIVER_OPENS), "one open per file on the driver");
            Map<String, String> notes = new TreeMap<>();
            for (Row r : csv.rows().collectAsList()) notes.put(r.getString(0), r.getString(1));
            assertEquals(Map.of("1", "x\r\ny", "2", "plain", "3", "z"), notes);

            // a file with another header is still refused naming both files (the first in the folder's listing order)
            Files.writeString(data.resolve("e.csv"), "note,id\r\n4,w\r\n");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CsvInput.read(spark, data.toString(), InputPaths.of(spark, data.toString())));
            assertTrue(e.getMessage().startsWith(data.resolve("e.csv") + ":1: CSV header: note,id differs from " + data), e.getMessage());
            assertTrue(e.getMessage().contains("'s id,note; Spark's CSV reader"), e.getMessage());
        } finally {
            spark.stop();
        }
    }

    /**
     * A file's line end is its header line's, not that of blank lines before it (which Spark's reader and predict
     * skip): the old code took the first line end in the file. An LF blank line before CR LF rows left the file to
     * the reader's detection, which read every value with a trailing CR and a quoted CR LF as LF; a CR LF blank line
     * before LF rows had Spark told "\r\n", and a row was lost without a word. The reference is each field as
     * written. No setting of Spark's reader reads the latter (tried: detection, "\n", "\r\n"), so it is refused, as
     * is a file whose blank lines end otherwise than its header in an input whose files disagree (left to detection).
     */
    @Test
    void theLineEndIsTheHeaderLinesNotABlankLinesBeforeIt() throws Exception {
        Map<String, String> files = new TreeMap<>(Map.of(
                "lf-blank-then-crlf.csv", "\n\nid,note\r\n1,\"x\r\ny\"\r\n2,z\r\n",
                "cr-blank-then-crlf.csv", "\r\rid,note\r\n1,\"x\r\ny\"\r\n2,z\r\n",
                "crlf-blank-then-crlf.csv", "\r\nid,note\r\n1,\"x\r\ny\"\r\n2,z\r\n",
                "lf-blank-then-lf.csv", "\n\nid,note\n1,\"x\ny\"\n2,z\n"));
        SparkSession spark = Sessions.start("local[1]", "csv line ends", Map.of());
        try {
            for (var f : files.entrySet()) {
                Path file = dir.resolve(f.getKey());
                Files.writeString(file, f.getValue());
                CsvInput csv = CsvInput.read(spark, file.toString(), InputPaths.of(spark, file.toString()));
                Map<String, String> notes = new TreeMap<>();
                for (Row r : csv.rows().collectAsList()) notes.put(r.getString(0), r.getString(1));
                assertEquals(Map.of("1", f.getKey().endsWith("then-lf.csv") ? "x\ny" : "x\r\ny", "2", "z"), notes, f.getKey());
            }

            Path lf = dir.resolve("crlf-blank-then-lf.csv");
            Files.writeString(lf, "\r\n\r\nid,note\n1,\"x\ny\"\n2,z\n");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CsvInput.read(spark, lf.toString(), InputPaths.of(spark, lf.toString())));
            assertEquals(lf + ": the blank lines before the CSV header end in CR LF and the header line in LF; Spark's CSV reader would take "
                    + "the first for the file's line end and misread its rows: remove the blank lines, or save the file with one kind of line end",
                    e.getMessage());

            Path two = Files.createDirectories(dir.resolve("two"));
            Files.writeString(two.resolve("a.csv"), "\n\nid,note\r\n1,x\r\n");
            Files.writeString(two.resolve("b.csv"), "id,note\n2,z\n");
            e = assertThrows(IllegalArgumentException.class, () -> CsvInput.read(spark, two.toString(), InputPaths.of(spark, two.toString())));
            assertTrue(e.getMessage().startsWith(two.resolve("a.csv") + ": the blank lines before the CSV header end in LF and the header line in "
                    + "CR LF (and the input's files end their lines differently)"), e.getMessage());
        } finally {
            spark.stop();
        }
    }

    /** The header line's end: after leading blank lines, and outside quotes (a quoted header name may hold a line end). */
    @Test
    void theHeaderLinesEndIsFoundPastBlankLinesAndQuotes() throws Exception {
        Map<String, LineSeparator.Ends> cases = new java.util.LinkedHashMap<>();
        cases.put("id,smiles\r\nx", new LineSeparator.Ends("\r\n", "\r\n"));
        cases.put("id,smiles\nx", new LineSeparator.Ends("\n", "\n"));
        cases.put("id,smiles\rx", new LineSeparator.Ends("\r", "\r"));
        cases.put("\n\nid,smiles\r\nx", new LineSeparator.Ends("\n", "\r\n"));
        cases.put("\r\n\r\nid,smiles\nx", new LineSeparator.Ends("\r\n", "\n"));
        cases.put("\r\rid,smiles\r\nx", new LineSeparator.Ends("\r", "\r\n"));
        cases.put("\"a\nb\",c\r\nx", new LineSeparator.Ends("\r\n", "\r\n"));
        cases.put("\"a\"\"b\",c\r\nx", new LineSeparator.Ends("\r\n", "\r\n"));
        cases.put("", new LineSeparator.Ends(null, null));
        cases.put("id,smiles", new LineSeparator.Ends(null, null));
        cases.put("\n\n", new LineSeparator.Ends("\n", null));
        cases.put("\r\n\r\n", new LineSeparator.Ends("\r\n", null));
        for (var c : cases.entrySet()) {
            var in = new java.io.ByteArrayInputStream(c.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(c.getValue(), LineSeparator.lineEnds(in), c.getKey().replace("\r", "\\r").replace("\n", "\\n"));
        }
    }
}
