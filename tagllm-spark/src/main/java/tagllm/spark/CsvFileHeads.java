package tagllm.spark;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The first bytes of every file of a CSV input, which hold its header line and that line's end: read with one open
 * per file, the files opened side by side. The driver needs both before any job ({@link LineSeparator},
 * {@link CsvFileHeaders}); each opened every file on its own, one file after the other, which on S3 or HDFS with many
 * files is a round trip per file twice over before the job starts.
 */
record CsvFileHeads(List<Head> files) {
    /**
     * One file's line ends ({@link LineSeparator.Ends}: its first and its header line's) and header (its first record's names, stripped as predict strips them; null for an empty file), or why the
     * header cannot be read as CSV, which is raised only where the headers are compared, as it was.
     */
    record Head(Path file, LineSeparator.Ends lineEnds, List<String> header, IllegalArgumentException unreadable) {}

    /** Most files opened at once: enough to hide an object store's latency, few enough not to flood it. */
    static final int MAX_PARALLEL_OPENS = 16;

    /** The heads of the input's files (InputPaths.files), in their order. */
    static CsvFileHeads read(Configuration conf, List<Path> files) {
        CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
        if (files.size() <= 1) {
            List<Head> heads = new ArrayList<>();
            for (Path f : files) heads.add(head(f, conf, codecs));
            return new CsvFileHeads(heads);
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(MAX_PARALLEL_OPENS, files.size()),
                Thread.ofPlatform().name("csv-file-heads-", 0).daemon().factory());
        try {
            List<Future<Head>> pending = new ArrayList<>();
            for (Path f : files) pending.add(pool.submit(() -> head(f, conf, codecs)));
            List<Head> heads = new ArrayList<>();
            for (Future<Head> h : pending) heads.add(h.get()); // in file order: the first file that fails is the one named
            return new CsvFileHeads(heads);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the CSV input's headers", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One open of file: its line ends, then (from the same bytes, read again) its first record. */
    private static Head head(Path file, Configuration conf, CompressionCodecFactory codecs) {
        CompressionCodec codec = codecs.getCodec(file);
        try (InputStream raw = file.getFileSystem(conf).open(file); InputStream in = new BufferedInputStream(codec == null ? raw : codec.createInputStream(raw))) {
            in.mark(LineSeparator.SNIFF_BYTES + 2);
            LineSeparator.Ends lineEnd = LineSeparator.lineEnds(in);
            in.reset();
            try {
                return new Head(file, lineEnd, header(in), null);
            } catch (UncheckedIOException e) {
                return new Head(file, lineEnd, null,
                        new IllegalArgumentException(shown(file) + ":1: CSV header: cannot be read as CSV (" + e.getMessage() + ")", e));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(shown(file) + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Blank lines skipped, as Spark's reader (univocity's skipEmptyLines) and predict skip them before the header: with
     * them the header of "\nid,smiles" read as one unnamed column.
     */
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).get();

    /** The stream's first record, each name stripped (null for a file without one, which Spark reads no row from). */
    private static List<String> header(InputStream in) throws IOException {
        CSVParser p = CSVParser.parse(new InputStreamReader(in, StandardCharsets.UTF_8), FORMAT); // closed with in
        Iterator<CSVRecord> it = p.iterator();
        if (!it.hasNext()) return null;
        List<String> names = new ArrayList<>();
        for (String n : it.next()) names.add(withoutBom(n.strip()));
        return names;
    }

    /** A file as the user named it: a local one by its path, another by its URI. */
    static String shown(Path file) {
        return "file".equals(file.toUri().getScheme()) ? file.toUri().getPath() : file.toString();
    }

    /** A name as it reads without the byte order mark an editor may put before a file's first. */
    private static String withoutBom(String name) {
        return name.startsWith("\uFEFF") ? name.substring(1).strip() : name;
    }
}
