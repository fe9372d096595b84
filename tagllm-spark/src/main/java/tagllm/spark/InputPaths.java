package tagllm.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * --input as the paths given to Spark's readers: a glob (data/part-*.csv) expanded here, as Spark's readers expand it
 * (Hadoop's globStatus, names starting with '_' or '.' left out as those readers leave them out). Given the glob
 * itself, a reader first looks for a streaming sink's metadata folder under that one path, cannot list a pattern, and
 * logs "WARN FileStreamSink: Assume no metadata directory. Error while looking for metadata directory in the path"
 * for every run, which is no trouble at all; given the matches, it does not.
 */
final class InputPaths {
    private InputPaths() {}

    static String[] of(SparkSession spark, String input) {
        if (!isGlob(input)) return new String[]{input};
        try {
            Configuration conf = spark.sessionState().newHadoopConf();
            Path pattern = new Path(input);
            FileStatus[] matched = pattern.getFileSystem(conf).globStatus(pattern);
            String[] paths = matched == null ? new String[0] : Arrays.stream(matched).map(FileStatus::getPath)
                    .filter(p -> !skipped(p.getName())).map(Path::toString).sorted().toArray(String[]::new);
            if (paths.length == 0) throw new IllegalArgumentException(input + ": no file matches the pattern");
            return paths;
        } catch (IOException e) {
            throw new UncheckedIOException(input + ": cannot list the files the pattern matches: " + e.getMessage(), e);
        }
    }

    /** A file name Spark's file readers leave out, as they leave out _SUCCESS and .crc files. */
    static boolean skipped(String name) {
        return name.startsWith("_") || name.startsWith(".");
    }

    /** Hadoop's glob characters, which a path of files as they are named seldom holds. */
    static boolean isGlob(String input) {
        return input.chars().anyMatch(c -> "*?[{".indexOf(c) >= 0);
    }
}
