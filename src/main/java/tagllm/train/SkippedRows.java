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
import java.util.Set;

/**
 * OUTPUT/skipped_rows.jsonl: every row a run skipped, one JSON object a line (file, line, reason; task and split when
 * the row was skipped while rendering a task's split, none when the reader refused it for every split; the stage whose
 * run read it and, as run, when the settings it was read under took effect: run.json's started, or the resumed of the
 * last history entry that changed them). stderr lists only the first few of each split; this file has them all.
 * Rewritten atomically each time a row is added, so a run stopped later still has it. A resumed run keeps the rows of
 * the stages it keeps (their tag files are read back, their data not read again) and drops those of every other stage,
 * which read their data again and list what it skips now: after {@code --resume --force} on changed data the file
 * holds no row of the earlier data but those of the finished stages trained on it. A new run starts from nothing.
 */
final class SkippedRows {
    static final String FILE = "skipped_rows.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * By file, line, reason, task, split and stage: a split read again (eval_every, head init) adds nothing, a task's
     * split read by two stages is listed for each.
     */
    private final Map<String, ObjectNode> rows = new LinkedHashMap<>();
    private Path file;
    /** The stage running now and when the settings it reads its data under took effect; null outside a run's stages. */
    private String stage, run;

    /**
     * The run in output begins: a new run removes an earlier run's file; a resume keeps the rows of the stages in kept
     * (finished, read back) and drops the others' (rewriting the file at once, so that a run stopped before its first
     * skipped row does not leave them). A row from a tagllm that did not record stages stays when a kept stage trains
     * its task (a row the reader refused, without task: when any stage is kept).
     *
     * @param run when the settings this run reads its data under took effect ({@link RunManifest#since})
     */
    void start(Path output, boolean resume, String run, Set<String> kept, Set<String> keptTasks) throws IOException {
        rows.clear();
        file = output.resolve(FILE);
        this.run = run;
        stage = null;
        if (!resume) {
            Files.deleteIfExists(file);
            return;
        }
        if (!Files.isRegularFile(file)) return;
        boolean dropped = false;
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                dropped = true; // not ours to refuse a run for: the rows are listed again as the stages read them
                continue;
            }
            if (!(n instanceof ObjectNode o)) {
                dropped = true;
                continue;
            }
            boolean keep = o.hasNonNull("stage") ? kept.contains(o.get("stage").asText())
                    : o.hasNonNull("task") ? keptTasks.contains(o.get("task").asText()) : !kept.isEmpty();
            if (keep) rows.putIfAbsent(key(o), o);
            else dropped = true;
        }
        if (dropped) write();
    }

    /**
     * Before a run's folder is prepared (its data checked before anything there changes): rows found now are held,
     * written nowhere, and {@link #start} drops them (the stages list them again as they read their data).
     */
    void beforeRun() {
        rows.clear();
        file = null;
        run = null;
        stage = null;
    }

    /** The stage that reads data from now on: the rows it skips are listed as its. */
    void stage(String name) { stage = name; }

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
            if (stage != null) o.put("stage", stage).put("run", run);
            added |= rows.putIfAbsent(key(o), o) == null;
        }
        if (added && file != null) write();
        return added;
    }

    /** The file with the rows, atomically; none when there are none. */
    private void write() throws IOException {
        StringBuilder b = new StringBuilder();
        for (ObjectNode o : rows.values()) b.append(JSON.writeValueAsString(o)).append('\n');
        // bookkeeping, not work to cancel: an interrupt (Future.cancel(true)) would close the write's channel and
        // stop the run at its setup with a failed write; it is kept for the trainer, which stops after its step
        boolean interrupted = Thread.interrupted();
        try {
            if (rows.isEmpty()) Files.deleteIfExists(file);
            else AtomicFiles.writeString(file, b.toString());
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    int size() { return rows.size(); }

    private static String key(ObjectNode o) {
        return o.path("file").asText() + "\u0000" + o.path("line").asText() + "\u0000" + o.path("reason").asText() + "\u0000"
                + o.path("task").asText() + "\u0000" + o.path("split").asText() + "\u0000" + o.path("stage").asText();
    }
}
