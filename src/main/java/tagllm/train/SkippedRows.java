package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.data.DatasetException;
import tagllm.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OUTPUT/skipped_rows.jsonl: every row a run skipped, one JSON object a line (file, line, reason; task and split when
 * the row was skipped while rendering a task's split, none when the reader refused it for every split). stderr lists
 * only the first few of each split; this file has them all. Rewritten atomically each time a row is added, so a run
 * stopped later still has it; a resumed run starts from the file (the finished stages' rows are not read again), a
 * new one from nothing.
 */
final class SkippedRows {
    static final String FILE = "skipped_rows.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** By file, line, reason, task and split: a split read again (eval_every, head init) adds nothing. */
    private final Map<String, ObjectNode> rows = new LinkedHashMap<>();
    private Path file;

    /** The run in output begins: a resume keeps the file's rows, a new run removes an earlier run's file. */
    void start(Path output, boolean resume) throws IOException {
        rows.clear();
        file = output.resolve(FILE);
        if (!resume) {
            Files.deleteIfExists(file);
            return;
        }
        if (!Files.isRegularFile(file)) return;
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                continue; // not ours to refuse a run for: the rows are listed again as the stages read them
            }
            if (n instanceof ObjectNode o) rows.putIfAbsent(key(o), o);
        }
    }

    /** The file, or null outside a run (baselines rendering a split). */
    Path file() { return file; }

    /** Adds the problems; true when any was new (and the file then rewritten). */
    boolean add(List<DatasetException> problems, String task, String split) throws IOException {
        boolean added = false;
        for (DatasetException e : problems) {
            ObjectNode o = JSON.createObjectNode();
            o.put("file", e.origin() == null ? null : e.origin().source());
            if (e.origin() != null && e.origin().line() > 0) o.put("line", e.origin().line());
            else o.putNull("line");
            o.put("reason", e.reason());
            if (task != null) o.put("task", task).put("split", split);
            added |= rows.putIfAbsent(key(o), o) == null;
        }
        if (added && file != null) {
            StringBuilder b = new StringBuilder();
            for (ObjectNode o : rows.values()) b.append(JSON.writeValueAsString(o)).append('\n');
            // bookkeeping, not work to cancel: an interrupt (Future.cancel(true)) would close the write's channel and
            // stop the run at its setup with a failed write; it is kept for the trainer, which stops after its step
            boolean interrupted = Thread.interrupted();
            try {
                AtomicFiles.writeString(file, b.toString());
            } finally {
                if (interrupted) Thread.currentThread().interrupt();
            }
        }
        return added;
    }

    int size() { return rows.size(); }

    private static String key(ObjectNode o) {
        return o.path("file").asText() + "\u0000" + o.path("line").asText() + "\u0000" + o.path("reason").asText() + "\u0000"
                + o.path("task").asText() + "\u0000" + o.path("split").asText();
    }
}
