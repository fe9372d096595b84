package tagllm.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;

/**
 * The line separator of a CSV input's files, for Spark's reader to be told. Left to find it, the reader (univocity,
 * with line-separator detection) rewrites the separator inside a quoted field into "\n": a field written
 * "a CR LF b" in a CRLF file came out as "a LF b", where predict keeps the field's bytes. Told the separator, the
 * reader leaves quoted fields as they are. Each file's separator is its first line end; only when every file of the
 * input agrees on one other than "\n" is it given (for "\n" the detection changes nothing; files that disagree are
 * left to the detection, which reads each by its own).
 */
final class LineSeparator {
    private LineSeparator() {}

    /** How far into a file its first line end is looked for. */
    private static final int SNIFF_BYTES = 1 << 20;

    /** "\r\n" or "\r" when every file of the paths ends its lines so; null otherwise (Spark's reader then detects). */
    static String of(SparkSession spark, String... paths) {
        try {
            Configuration conf = spark.sessionState().newHadoopConf();
            CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
            Set<String> seps = new HashSet<>();
            for (Path file : InputPaths.files(conf, paths)) {
                FileSystem fs = file.getFileSystem(conf);
                CompressionCodec codec = codecs.getCodec(file);
                try (InputStream raw = fs.open(file); InputStream in = codec == null ? raw : codec.createInputStream(raw)) {
                    String sep = firstLineEnd(in);
                    if (sep != null) seps.add(sep);
                }
                if (seps.size() > 1) return null;
            }
            return seps.size() == 1 && !seps.contains("\n") ? seps.iterator().next() : null;
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(", ", paths) + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** "\r\n", "\r" or "\n": the first line end in the stream; null when none in its first SNIFF_BYTES. */
    static String firstLineEnd(InputStream stream) throws IOException {
        InputStream in = new java.io.BufferedInputStream(stream);
        for (int i = 0, b; i < SNIFF_BYTES && (b = in.read()) >= 0; i++) {
            if (b == '\n') return "\n";
            if (b == '\r') {
                int next = in.read();
                return next == '\n' ? "\r\n" : next >= 0 ? "\r" : null;
            }
        }
        return null;
    }
}
