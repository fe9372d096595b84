package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.data.DatasetException;
import tagllm.util.FileErrors;
import tagllm.util.Plural;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows {@code data build} leaves out of its training CSV (invalid, too long, repeats), each with file, line and
 * why: the first {@link #SHOWN} listed on stderr, then how many more; and every one, one JSON object a line
 * ({@code file}, {@code line}, {@code reason}, as a training run's skipped_rows.jsonl), in the {@code --skipped} file
 * when one is given. Rows come in file order, so the first kept are the first by place.
 */
final class LeftOutRows {
    /** How many are listed on stderr (the count is always exact). */
    static final int SHOWN = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> first = new ArrayList<>();
    private long count;
    /** The --skipped file being written (its temporary copy), or null without one. */
    private OutputStream file;

    /** Every row from now on also goes to out, a JSON object a line. */
    void writeTo(OutputStream out) {
        file = out;
    }

    /** Flushes the rows written so far to the --skipped file (nothing without one); a failure is that file's ({@link WriteFailed}). */
    synchronized void flush() {
        if (file == null) return;
        try {
            file.flush();
        } catch (IOException e) {
            throw new WriteFailed(e);
        }
    }

    synchronized void add(DatasetException row) {
        count++;
        if (first.size() < SHOWN) first.add(row.getMessage());
        if (file == null) return;
        ObjectNode o = JSON.createObjectNode();
        o.put("file", row.origin() == null ? null : row.origin().source());
        if (row.origin() != null && row.origin().line() > 0) o.put("line", row.origin().line());
        else o.putNull("line");
        o.put("reason", row.reason());
        try {
            file.write((JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new WriteFailed(e);
        }
    }

    /**
     * The --skipped file's write failed (a full disk). Not an UncheckedIOException: the row is added from inside the
     * training CSV's write, whose readers and AtomicFiles unwrap those as their own, so the output was named, or
     * nothing ("error: java.io.IOException: No space left on device"); the caller gives the cause to the --skipped
     * file's AtomicFiles write, which names that file.
     */
    static final class WriteFailed extends RuntimeException {
        WriteFailed(IOException cause) { super(cause); }

        @Override
        public synchronized IOException getCause() { return (IOException) super.getCause(); }
    }

    synchronized long count() {
        return count;
    }

    /** The listing for stderr: none when no row was left out. */
    synchronized String listing(String skippedHint) {
        if (count == 0) return "";
        StringBuilder b = new StringBuilder(Plural.count(count, "row")).append(" left out:");
        // a quoted CSV field with a CR LF would break the listing; the --skipped file keeps the message as it is
        for (String m : first) b.append("\n  ").append(FileErrors.visible(m));
        if (count > first.size()) b.append("\n  and ").append(count - first.size()).append(" more").append(skippedHint);
        return b.append('\n').toString();
    }
}
