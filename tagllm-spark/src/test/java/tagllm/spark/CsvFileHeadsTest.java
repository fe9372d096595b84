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
}
