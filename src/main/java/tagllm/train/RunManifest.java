package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * OUTPUT/run.json: what a run was started with (model fingerprint, seed, tag lengths, each stage's tasks and
 * hyper-parameters), so that --resume can refuse settings that changed since (a resumed run with another lr or seed
 * would otherwise be recorded as if it had used the new values all along), and, when --force resumes anyway, a
 * history entry saying which values changed and when: the file tells the truth about the run.
 */
final class RunManifest {
    static final String FILE = "run.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunManifest() {}

    static Path file(Path output) { return output.resolve(FILE); }

    /** The settings that decide a run's result. */
    static ObjectNode settings(Experiment exp, String fingerprint) {
        ObjectNode s = JSON.createObjectNode();
        s.put("model_fingerprint", fingerprint);
        s.put("seed", exp.seed());
        s.put("tag_length", exp.tagLength());
        s.put("function_tag_length", exp.functionTagLength());
        s.put("function_init", exp.functionInit().label());
        ObjectNode stages = s.putObject("stages");
        for (StageSpec st : exp.stages()) {
            ObjectNode o = stages.putObject(st.name());
            o.put("stage", st.stage());
            o.set("tasks", JSON.valueToTree(st.tasks()));
            o.set("train", JSON.valueToTree(st.train()));
            o.put("enrich", st.enrich());
            o.set("hyper", JSON.valueToTree(st.hyper()));
        }
        return s;
    }

    /** A new run: writes run.json with the settings. */
    static void start(Path output, ObjectNode settings) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", "tagllm.run");
        m.put("started", Instant.now().toString());
        m.set("settings", settings);
        m.putArray("history");
        AtomicFiles.writeString(file(output), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n");
    }

    /**
     * A resume: the recorded settings must equal the current ones; with force, differences are recorded in the
     * history and the current settings become the recorded ones. A run from before run.json existed gets one.
     */
    static void resume(Path output, ObjectNode settings, boolean force) throws IOException {
        Path f = file(output);
        if (!Files.exists(f)) {
            start(output, settings);
            return;
        }
        ObjectNode m;
        try {
            m = (ObjectNode) JSON.readTree(f.toFile());
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException(f + ": not a readable run manifest (" + e.getMessage() + "); use --force to start over");
        }
        List<String> changed = new ArrayList<>();
        // compared as read back from JSON: 42 as a long and 42 read as an int are the same setting
        diff("", m.path("settings"), JSON.readTree(JSON.writeValueAsString(settings)), changed);
        if (changed.isEmpty()) return;
        if (!force) {
            throw new IllegalArgumentException(output + " was started with other settings than the experiment file has now: "
                    + String.join("; ", changed) + ". Resuming would mix them; restore the file, or add --force to resume with the new "
                    + "values (run.json then records from when they apply)");
        }
        ObjectNode h = ((ArrayNode) m.withArray("history")).addObject();
        h.put("resumed", Instant.now().toString());
        h.set("changed", JSON.valueToTree(changed));
        h.set("previous_settings", m.path("settings").deepCopy());
        m.set("settings", settings);
        AtomicFiles.writeString(f, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n");
    }

    /** "stages.qed.hyper.lr: 1.0E-4 -> 2.0E-4" for each leaf that differs. */
    private static void diff(String at, JsonNode was, JsonNode now, List<String> out) {
        if (was.isObject() && now.isObject()) {
            java.util.Set<String> keys = new java.util.LinkedHashSet<>();
            was.fieldNames().forEachRemaining(keys::add);
            now.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) diff(at.isEmpty() ? k : at + "." + k, was.path(k), now.path(k), out);
        } else if (!was.equals(now)) {
            out.add(at + ": " + (was.isMissingNode() ? "(none)" : was.toString()) + " -> " + (now.isMissingNode() ? "(none)" : now.toString()));
        }
    }

    /**
     * Files of some run in the folder (any stage's tag file or checkpoint, the final tags, metrics, run.json): a new
     * run must not replace them without --force, whatever its stage names are.
     */
    static List<String> runFiles(Path output) throws IOException {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(output)) return found;
        try (var files = Files.list(output)) {
            for (Iterator<Path> it = files.iterator(); it.hasNext(); ) {
                String n = it.next().getFileName().toString();
                if (n.endsWith(".tags.safetensors") || n.endsWith(".checkpoint.safetensors") || n.equals(FILE)
                        || n.equals("metrics.jsonl") && Files.size(output.resolve(n)) > 0) {
                    found.add(n);
                }
            }
        }
        java.util.Collections.sort(found);
        return found;
    }
}
