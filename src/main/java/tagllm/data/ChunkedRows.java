package tagllm.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams a data file (any {@link Format} tagllm.data reads) to a handler in chunks, so that rows can be
 * labelled in parallel without holding a large file in memory.
 */
public final class ChunkedRows {
    private ChunkedRows() {}

    public static final int CHUNK = 4096;

    public interface Handler {
        /** Called with the file's columns before the first chunk (also for a file without data rows). */
        void columns(List<String> columns) throws IOException;

        void chunk(List<Row> rows) throws IOException;

        /**
         * A row the reader could not read (e.g. the wrong number of fields), in its place between chunks. Not called
         * when the scan's issues stop at the first problem: the scan hands over the rows before it, then throws it.
         */
        default void unreadable(DatasetException problem) throws IOException { }
    }

    /** @return the file's columns */
    public static List<String> scan(Path file, Format format, RowIssues structural, Handler handler) throws IOException {
        return scan(file, format, structural, CHUNK, handler);
    }

    /** As {@link #scan(Path, Format, RowIssues, Handler)}, with at most {@code chunkRows} rows a chunk. */
    public static List<String> scan(Path file, Format format, RowIssues structural, int chunkRows, Handler handler) throws IOException {
        if (chunkRows < 1) throw new IllegalArgumentException("chunkRows must be 1 or more, got " + chunkRows);
        // rows and unreadable rows in file order: an unreadable row keeps its place between the rows around it
        List<Object> buffer = new ArrayList<>(Math.min(chunkRows, CHUNK));
        int[] rowsBuffered = {0};
        boolean[] started = {false};
        // strict: the reader's problem is not thrown while the rows before it wait in the buffer unchecked (a bad value
        // at line 3 was reported after a wrong field count at line 5); the scan stops there and those rows go first
        RowIssues inPlace = structural.stopsAtFirst() ? RowIssues.forwarding(RowIssues.skipping(0), ChunkedRows::stop)
                : RowIssues.forwarding(structural, buffer::add);
        List<String> columns;
        // JSON objects need not share keys: the columns are every key of the file, in order of first appearance (one
        // reading pass more), or the first object's keys would decide what every later row keeps
        boolean jsonl = (format != null ? format : Format.detect(file)) == Format.JSONL;
        if (jsonl && !java.nio.file.Files.isRegularFile(file)) return scanOnce(file, structural, chunkRows, handler);
        List<String> allKeys = jsonl ? jsonKeys(file) : null;
        DatasetException stoppedAt = null;
        try {
            columns = Dataset.scan(file, format, inPlace, row -> {
                if (!started[0]) {
                    started[0] = true;
                    call(() -> handler.columns(allKeys != null ? allKeys : row.columns()));
                }
                buffer.add(row);
                if (++rowsBuffered[0] == chunkRows) {
                    call(() -> flush(buffer, handler));
                    rowsBuffered[0] = 0;
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (Stop e) {
            stoppedAt = e.problem;
            columns = null;
        }
        if (stoppedAt != null) {
            if (started[0]) flush(buffer, handler); // the rows before it, which throw if one of them is bad
            throw stoppedAt;
        }
        if (!started[0]) handler.columns(allKeys != null ? allKeys : columns);
        flush(buffer, handler);
        return allKeys != null ? allKeys : columns;
    }

    /** Ends a strict scan at the reader's first problem, carrying it past the reader. */
    private static final class Stop extends RuntimeException {
        final DatasetException problem;

        Stop(DatasetException problem) {
            super(null, null, false, false);
            this.problem = problem;
        }
    }

    private static void stop(DatasetException problem) {
        throw new Stop(problem);
    }

    /**
     * JSON Lines from a pipe (--input /dev/stdin, a named pipe), which can be read once: its rows are held until the
     * last one has given its keys (the second reading pass found the pipe drained and reported "empty file").
     */
    private static List<String> scanOnce(Path file, RowIssues structural, int chunkRows, Handler handler) throws IOException {
        List<Object> all = new ArrayList<>();
        List<String> keys;
        try {
            keys = Dataset.scan(file, Format.JSONL, structural.stopsAtFirst() ? RowIssues.forwarding(RowIssues.skipping(0), ChunkedRows::stop)
                    : RowIssues.forwarding(structural, all::add), all::add);
        } catch (Stop e) {
            // strict, as scan: the rows before the reader's problem go first (their keys are all that was read)
            java.util.LinkedHashSet<String> seen = new java.util.LinkedHashSet<>();
            for (Object o : all) seen.addAll(((Row) o).columns());
            if (!all.isEmpty()) {
                handler.columns(new ArrayList<>(seen));
                flush(all, handler);
            }
            throw e.problem;
        }
        handler.columns(keys);
        List<Object> chunk = new ArrayList<>();
        for (Object o : all) {
            chunk.add(o);
            if (chunk.size() == chunkRows) flush(chunk, handler);
        }
        flush(chunk, handler);
        return keys;
    }

    private static List<String> jsonKeys(Path file) {
        java.util.LinkedHashSet<String> keys = new java.util.LinkedHashSet<>();
        Dataset.scan(file, Format.JSONL, RowIssues.skipping(0), row -> keys.addAll(row.columns()));
        return new ArrayList<>(keys);
    }

    private static void flush(List<Object> buffer, Handler handler) throws IOException {
        List<Row> run = new ArrayList<>();
        for (Object o : buffer) {
            if (o instanceof Row r) {
                run.add(r);
            } else {
                if (!run.isEmpty()) handler.chunk(List.copyOf(run));
                run.clear();
                handler.unreadable((DatasetException) o);
            }
        }
        if (!run.isEmpty()) handler.chunk(List.copyOf(run));
        buffer.clear();
    }

    /** Throws naming the file and the columns it has when {@code column} is not among them. */
    public static void requireColumn(Path file, Format format, String column, List<String> columns) {
        if (!columns.contains(column))
            throw DatasetException.of(file.toString(), format == Format.FASTA ? 0 : 1, "no column '" + column
                    + "' (the file has: " + String.join(", ", columns) + ")");
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void call(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
