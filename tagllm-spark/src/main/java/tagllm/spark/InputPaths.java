package tagllm.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * --input as the paths given to Spark's readers: a glob (data/part-*.csv) expanded here, as Spark's readers expand it
 * (Hadoop's globStatus, names starting with '_' or '.' left out as those readers leave them out). Given the glob
 * itself, a reader first looks for a streaming sink's metadata folder under that one path, cannot list a pattern, and
 * logs "WARN FileStreamSink: Assume no metadata directory. Error while looking for metadata directory in the path"
 * for every run, which is no trouble at all; given the matches, it does not.
 *
 * <p>Each path handed on has Hadoop's glob characters escaped, because Spark's readers glob every path they are given
 * again: a file named {@code a[1].csv}, given as it is or matched by {@code *.csv}, would be read as the pattern
 * {@code a[1].csv}, which matches {@code a1.csv}, and refused as "no file matches" or read as another file. A path
 * with such characters that names an existing local file or folder as written is that file, not a pattern.
 */
final class InputPaths {
    private InputPaths() {}

    static String[] of(SparkSession spark, String input) {
        if (SparkScoreCommand.existsAsWritten(input)) return new String[]{escaped(input)};
        if (!isGlob(input)) return new String[]{input};
        try {
            Configuration conf = spark.sessionState().newHadoopConf();
            Path pattern = new Path(input);
            FileStatus[] matched = pattern.getFileSystem(conf).globStatus(pattern);
            String[] paths = matched == null ? new String[0] : Arrays.stream(matched).map(FileStatus::getPath)
                    .filter(p -> !skipped(p.getName())).map(Path::toString).sorted().map(InputPaths::escaped).toArray(String[]::new);
            if (paths.length == 0) throw new IllegalArgumentException(input + ": no file matches the pattern");
            return paths;
        } catch (IOException e) {
            throw new UncheckedIOException(input + ": cannot list the files the pattern matches: " + e.getMessage(), e);
        }
    }

    /** The files Spark's readers read for paths (as of() gives them), in their order. */
    static List<Path> files(Configuration conf, String... paths) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String path : paths) out.addAll(files(conf, new Path(path)));
        return out;
    }

    /** The files Spark's reader reads for path: a glob's matches, a folder's files, skipping names with '_' or '.' first. */
    private static List<Path> files(Configuration conf, Path path) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        FileStatus[] matched = fs.globStatus(path);
        List<Path> out = new ArrayList<>();
        if (matched == null) return out;
        for (FileStatus st : matched) {
            if (st.isDirectory()) {
                for (FileStatus f : fs.listStatus(st.getPath())) if (f.isFile() && !skipped(f.getPath().getName())) out.add(f.getPath());
            } else if (!skipped(st.getPath().getName())) {
                out.add(st.getPath());
            }
        }
        return out;
    }

    /**
     * Refuses a CSV input file whose path holds a glob character or a backslash. Spark's multi-line CSV reader (which
     * reads quoted fields across lines, as predict does) infers the header through Hadoop's FileInputFormat, which
     * takes each file's whole path as a pattern once more, a folder's name and the escape '\' included: the header
     * then came from run1.csv for run[1].csv, from ab.csv for a\b.csv and from d1/in.csv for d[1]/in.csv, or the run
     * failed with "Input Pattern ... matches 0 files". No escaping reaches it, so such a file has to be renamed.
     */
    static void refuseGlobNamedCsvFiles(List<Path> files) {
        for (Path file : files) {
            if (holdsAny(file.toUri().getPath(), GLOB_SPECIAL)) {
                throw new IllegalArgumentException(file + ": Spark's CSV reader takes a path holding [, ], {, }, *, ? or \\ as a "
                        + "pattern and reads another file's header (or none) for it; rename the file or its folder (predict reads it "
                        + "as it is)");
            }
        }
    }

    /**
     * Refuses an input of which Spark's reader reads files in folders below the ones given: a partitioned layout
     * (data/split=a/x.csv, data/split=b/y.csv), where Spark adds a partition column after the file's columns. The
     * CSV reading here renames the columns by their place in the file's header, so the partition column's value took
     * the corrupt-record column's place: every row came out with the error "expected 3 fields as in the header, got 1"
     * and no prediction; and the driver's checks (header, line end, file names) look at the files given only.
     */
    static void refuseNestedCsvFiles(SparkSession spark, String input, List<Path> files, String... paths) {
        java.util.Set<String> checked = new java.util.HashSet<>();
        for (Path f : files) checked.add(f.toUri().getPath());
        // a schema given: the file list without inferring one from the files
        for (String f : spark.read().schema("c string").csv(paths).inputFiles()) {
            String file = java.net.URI.create(f).getPath(); // inputFiles gives URIs: "a b.csv" as a%20b.csv
            if (!checked.contains(file)) {
                throw new IllegalArgumentException(input + ": Spark reads " + file + " in a folder below it "
                        + "(a partitioned layout such as split=a/), which spark score's CSV reading does not take; give the files, "
                        + "e.g. a glob '" + input.replaceAll("/+$", "") + "/*/*.csv', or write the input as Parquet");
            }
        }
    }

    /** A file name Spark's file readers leave out, as they leave out _SUCCESS and .crc files. */
    static boolean skipped(String name) {
        return name.startsWith("_") || name.startsWith(".");
    }

    /*
     * Hadoop's glob characters, written once. The check and the escape need two sets, not one: Hadoop reads a path as a
     * pattern only when it holds a character that opens one (GlobPattern's hasWildcard: * ? [ {), while ] and } outside
     * a class or group leave a path literal, and the escape \ opens none (though Hadoop still reads it: a\b.csv names
     * ab.csv); so isGlob looks for the openers alone (a path
     * "a]b.csv" is no glob, and counting ] would send it through globStatus), and escaped must escape every character
     * GlobPattern reads specially, closers and backslash included, for the escaped path to match itself only.
     */
    /** The characters that make Hadoop read a path as a pattern. */
    static final String GLOB_OPENERS = "*?[{";
    /** The characters a pattern holds beside the openers: the closers of a class and a group. */
    private static final String GLOB_CLOSERS = "]}";
    /**
     * Every character Hadoop's GlobPattern treats specially: the openers, the closers and '\'. escaped() escapes each;
     * the CSV reader misreads a path holding any of them (refuseGlobNamedCsvFiles).
     */
    static final String GLOB_SPECIAL = "\\" + GLOB_OPENERS + GLOB_CLOSERS;

    private static boolean holdsAny(String s, String chars) {
        return s.chars().anyMatch(c -> chars.indexOf(c) >= 0);
    }

    /** Hadoop's glob characters, which a path of files as they are named seldom holds. */
    static boolean isGlob(String input) {
        return holdsAny(input, GLOB_OPENERS);
    }

    /** path with every character Hadoop's GlobPattern treats specially escaped by a backslash: a pattern matching itself only. */
    static String escaped(String path) {
        StringBuilder b = new StringBuilder(path.length() + 8);
        for (char c : path.toCharArray()) {
            if (GLOB_SPECIAL.indexOf(c) >= 0) b.append('\\');
            b.append(c);
        }
        return b.toString();
    }
}
