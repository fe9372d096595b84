package tagllm.spark;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Every file of a CSV input has the header the rows are read under. Spark's CSV reader takes one file's header as
 * the schema and reads every other file's fields by position (it only logs "CSV header does not conform to the
 * schema"), so a file written with its columns in another order, id,note,smiles beside id,smiles,note, had each row
 * scored from its note column without a word. predict reads one file, by its own header; here a file whose header
 * differs from the first file's is refused before any job, naming both files and headers.
 */
final class CsvFileHeaders {
    private CsvFileHeaders() {}

    /** Refuses a file of paths whose header, its names stripped as predict strips them, is not the first file's. */
    static void requireSame(SparkSession spark, String... paths) {
        try {
            Configuration conf = spark.sessionState().newHadoopConf();
            CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
            Path first = null;
            List<String> expected = null;
            for (Path file : InputPaths.files(conf, paths)) {
                List<String> header = header(file, conf, codecs.getCodec(file));
                if (header == null) continue;
                if (expected == null) {
                    first = file;
                    expected = header;
                } else if (!header.equals(expected)) {
                    throw new IllegalArgumentException(shown(file) + ":1: CSV header: " + String.join(",", header) + " differs from " + shown(first)
                            + "'s " + String.join(",", expected) + "; Spark's CSV reader reads every file's fields in one file's column "
                            + "order, so give the files one header (or score them one at a time)");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(", ", paths) + ": cannot read a CSV header: " + e.getMessage(), e);
        }
    }

    /** The file's first record, each name stripped (null for an empty file, which Spark reads no row from). */
    private static List<String> header(Path file, Configuration conf, CompressionCodec codec) throws IOException {
        try (InputStream raw = file.getFileSystem(conf).open(file); InputStream in = codec == null ? raw : codec.createInputStream(raw);
             CSVParser p = CSVParser.parse(new InputStreamReader(in, StandardCharsets.UTF_8), CSVFormat.RFC4180)) {
            Iterator<CSVRecord> it = p.iterator();
            if (!it.hasNext()) return null;
            List<String> names = new ArrayList<>();
            for (String n : it.next()) names.add(withoutBom(n.strip()));
            return names;
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(shown(file) + ":1: CSV header: cannot be read as CSV (" + e.getMessage() + ")", e);
        }
    }

    /** A file as the user named it: a local one by its path, another by its URI. */
    private static String shown(Path file) {
        return "file".equals(file.toUri().getScheme()) ? file.toUri().getPath() : file.toString();
    }

    /** A name as it reads without the byte order mark an editor may put before a file's first. */
    private static String withoutBom(String name) {
        return name.startsWith("\uFEFF") ? name.substring(1).strip() : name;
    }
}
