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
    }

    /** @return the file's columns */
    public static List<String> scan(Path file, Format format, RowIssues structural, Handler handler) throws IOException {
        List<Row> chunk = new ArrayList<>(CHUNK);
        boolean[] started = {false};
        List<String> columns;
        try {
            columns = Dataset.scan(file, format, structural, row -> {
                if (!started[0]) {
                    started[0] = true;
                    call(() -> handler.columns(row.columns()));
                }
                chunk.add(row);
                if (chunk.size() == CHUNK) {
                    List<Row> full = List.copyOf(chunk);
                    chunk.clear();
                    call(() -> handler.chunk(full));
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (!started[0]) handler.columns(columns);
        if (!chunk.isEmpty()) handler.chunk(List.copyOf(chunk));
        return columns;
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
