package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.task.DataSpec;
import tagllm.util.AtomicFiles;
import tagllm.util.Sha256;
import tagllm.util.Version;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * OUTPUT/run.json: what a run was started with (model fingerprint, seed, tag lengths, each stage's tasks and
 * hyper-parameters, each task's definition and its data file's and init files' content by SHA-256), so that --resume can refuse settings that changed since (a resumed run with another lr or seed
 * would otherwise be recorded as if it had used the new values all along), and, when --force resumes anyway, a
 * history entry saying which values changed and when: the file tells the truth about the run.
 */
final class RunManifest {
    static final String FILE = "run.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Settings that older run.json files lack. */
    private static final List<String> ADDED_LATER = List.of("tasks", "init", "compute", "stage_order");

    private RunManifest() {}

    static Path file(Path output) { return output.resolve(FILE); }

    /** The settings that decide a run's result. */
    static ObjectNode settings(Experiment exp, String fingerprint, boolean bf16Compute) throws IOException {
        ObjectNode s = JSON.createObjectNode();
        s.put("model_fingerprint", fingerprint);
        // the precision the products compute in: resuming a run in the other one would mix them (losses move by percents)
        s.put("compute", bf16Compute ? "bf16" : "f32");
        s.put("seed", exp.seed());
        s.put("tag_length", exp.tagLength());
        s.put("function_tag_length", exp.functionTagLength());
        s.put("function_init", exp.functionInit().label());
        // the order the stages run in: stages below is compared key by key, which does not see two stages swapped, and a
        // resume with s2 and s2e swapped ran s2e on stage 1's tags, then read s2's finished file back over it (s2e's tags gone)
        ArrayNode order = s.putArray("stage_order");
        for (StageSpec st : exp.stages()) order.add(st.name());
        ObjectNode stages = s.putObject("stages");
        for (StageSpec st : exp.stages()) {
            ObjectNode o = stages.putObject(st.name());
            o.put("stage", st.stage());
            o.set("tasks", JSON.valueToTree(st.tasks()));
            o.set("train", JSON.valueToTree(st.train()));
            o.put("enrich", st.enrich());
            o.set("hyper", st.hyper().toJson());
        }
        // what the stages' rows are: each task's definition (template, label column, head, ...) and its data by
        // content (the file's bytes, not its path: a moved file is the same data, an edited one is not)
        ObjectNode tasks = s.putObject("tasks");
        for (StageSpec st : exp.stages()) {
            for (String name : st.tasks()) {
                if (tasks.has(name) || !exp.tasks().containsKey(name)) continue;
                ObjectNode t = tasks.putObject(name);
                t.set("spec", exp.tasks().get(name).toJson());
                DataSpec d = exp.data().get(name);
                if (d != null) t.set("data", data(d));
            }
        }
        ArrayNode init = s.putArray("init");
        for (Path p : exp.init()) init.add(contentOf(p));
        return s;
    }

    private static ObjectNode data(DataSpec d) throws IOException {
        ObjectNode o = contentOf(d.path());
        o.put("format", d.format());
        o.put("split_column", d.splitColumn());
        o.put("split_names", d.trainName() + "/" + d.validName() + "/" + d.testName());
        o.set("random_split", JSON.valueToTree(d.randomFractions()));
        o.put("split_seed", d.randomSeed());
        o.put("scaffold_column", d.scaffoldColumn());
        o.put("scaffold_order", d.scaffoldOrder());
        o.put("max_train", d.maxTrain());
        o.put("max_eval", d.maxEval());
        return o;
    }

    /** A file by size and SHA-256 (a missing file is left to the stage that reads it to report). */
    private static ObjectNode contentOf(Path file) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        if (!Files.isRegularFile(file)) return o.put("missing", file.getFileName().toString());
        return o.put("bytes", Files.size(file)).put("sha256", Sha256.hex(file));
    }

    /**
     * The stage order run.json recorded (settings.stage_order), or null when there is no readable run.json or it was
     * written before the order was recorded.
     */
    static List<String> recordedStageOrder(Path output) {
        Path f = file(output);
        if (!Files.isRegularFile(f)) return null;
        JsonNode order;
        try {
            order = JSON.readTree(f.toFile()).path("settings").path("stage_order");
        } catch (IOException e) {
            return null; // resume reports the unreadable file
        }
        if (!order.isArray()) return null;
        List<String> names = new ArrayList<>();
        for (JsonNode n : order) names.add(n.asText());
        return names;
    }

    /**
     * When the settings now recorded took effect: the resumed of the last history entry that changed them, else
     * started (null without a readable run.json). Rows read under them are marked with it (SkippedRows), so they can be
     * told from rows an earlier data file gave.
     */
    static String since(Path output) {
        try {
            JsonNode m = JSON.readTree(file(output).toFile());
            String at = m.path("started").asText(null);
            for (JsonNode e : m.path("history")) if (e.has("changed") && e.path("resumed").isTextual()) at = e.path("resumed").asText();
            return at;
        } catch (IOException e) {
            return null;
        }
    }

    /** A new run: writes run.json with the settings. */
    static void start(Path output, ObjectNode settings) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", "tagllm.run");
        // which tagllm started the run; a resume by another one adds a history entry (docs/reliability.md)
        m.put("tagllm_version", Version.current());
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
        JsonNode now = JSON.readTree(JSON.writeValueAsString(settings)), was = m.path("settings");
        for (String added : ADDED_LATER) {
            // a run.json written before these were recorded: the rest is still checked
            if (was.isObject() && !was.has(added)) ((ObjectNode) now).remove(added);
        }
        // run.json files written by builds before ee0ca2d recorded hyper by the Java names (maxSteps): compared under the
        // names recorded now (max_steps), else every resume of such a run would read as changed settings
        was = withSnakeCaseHyper(was);
        diff("", was, now, changed);
        // the last tagllm that wrote the run: the one that started it, or the last that resumed it (absent: a run.json
        // from before versions were recorded)
        String lastVersion = m.path("tagllm_version").isTextual() ? m.path("tagllm_version").asText() : null;
        for (JsonNode e : m.path("history")) if (e.path("tagllm_version").isTextual()) lastVersion = e.path("tagllm_version").asText();
        boolean otherVersion = !Version.current().equals(lastVersion);
        if (changed.isEmpty()) {
            if (otherVersion) {
                // same settings, another tagllm: the history says from where on it wrote the run
                ObjectNode h = ((ArrayNode) m.withArray("history")).addObject();
                h.put("resumed", Instant.now().toString());
                h.put("tagllm_version", Version.current());
                h.put("previous_tagllm_version", lastVersion);
                AtomicFiles.writeString(f, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n");
            }
            return;
        }
        if (!force) {
            throw new IllegalArgumentException(output + " was started with other settings than the experiment file has now: "
                    + String.join("; ", changed.stream().map(RunManifest::asInTheExperimentFile).toList()) + ". Resuming would mix them; restore the file, or add --force to resume with the new "
                    + "values (run.json then records from when they apply)" + reorderHint(was.path("stage_order"), now.path("stage_order")));
        }
        ObjectNode h = ((ArrayNode) m.withArray("history")).addObject();
        h.put("resumed", Instant.now().toString());
        h.put("tagllm_version", Version.current());
        if (otherVersion) h.put("previous_tagllm_version", lastVersion);
        h.set("changed", JSON.valueToTree(changed));
        h.set("previous_settings", m.path("settings").deepCopy());
        m.set("settings", settings);
        AtomicFiles.writeString(f, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n");
    }

    /** The recorded settings with each stage's hyper keys as named now (a copy when any was a Java name). */
    static JsonNode withSnakeCaseHyper(JsonNode settings) {
        if (!settings.path("stages").isObject()) return settings;
        JsonNode copy = settings.deepCopy();
        for (JsonNode stage : copy.path("stages")) if (stage instanceof ObjectNode o) Hyper.snakeCaseKeysOfHyperIn(o);
        return copy;
    }

    /**
     * When the stage order changed, what --resume --force does about it (ExperimentRunner.discardReorderedStages): the
     * stages before the first moved one are kept, that one and every one after it train again from the start. Empty
     * when the order is the same or either run.json lacks it.
     */
    private static String reorderHint(JsonNode was, JsonNode now) {
        if (!was.isArray() || !now.isArray() || was.equals(now)) return "";
        List<String> w = names(was), n = names(now);
        int same = samePrefix(w, n);
        String kept = same == 0 ? "keeps no stage" : "keeps " + String.join(", ", n.subList(0, same));
        if (same == w.size()) {
            // every recorded stage is still first, in its place: the new ones come after, nothing moved
            List<String> added = n.subList(same, n.size());
            return ". The " + (added.size() == 1 ? "stage " : "stages ") + String.join(", ", added) + (added.size() == 1 ? " was" : " were")
                    + " added after the recorded ones: --resume --force keeps " + String.join(", ", w) + " and trains "
                    + String.join(", ", added);
        }
        if (same == n.size()) {
            return ". The later stages " + String.join(", ", w.subList(same, w.size())) + " were removed: --resume --force " + kept
                    + " and removes their tag files and checkpoints";
        }
        return ". The stages were reordered: --resume --force retrains from the first moved stage, " + n.get(same) + ": it " + kept
                + ", and " + String.join(", ", n.subList(same, n.size())) + " train from the start (their earlier tag files and "
                + "checkpoints are removed)";
    }

    private static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode x : array) out.add(x.asText());
        return out;
    }

    /** How many leading stages two orders share: those keep their finished tags under --resume --force. */
    static int samePrefix(List<String> was, List<String> now) {
        int same = 0;
        while (same < was.size() && same < now.size() && was.get(same).equals(now.get(same))) same++;
        return same;
    }

    /**
     * A difference as the experiment file names it: run.json records a stage's hyper-parameters under "hyper"
     * (stages.qed.hyper.max_steps; by their Java names, hyper.maxSteps, in builds before ee0ca2d), the file sets them on the
     * stage (or in defaults:) as max_steps. Only the refusal's wording: run.json's history keeps the recorded names.
     */
    static String asInTheExperimentFile(String difference) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(stages\\.[^:]*?)\\.hyper\\.([A-Za-z0-9_]+):").matcher(difference);
        if (!m.find()) return difference;
        String key = Hyper.snakeCase(m.group(2));
        if (!java.util.List.of(Hyper.KEYS).contains(key)) return difference;
        return m.group(1) + "." + key + ":" + difference.substring(m.end());
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
     * Files of some run in the folder (any stage's tag file or checkpoint, the final tags, metrics, run.json beside any
     * of them): a new run must not replace them without --force, whatever its stage names are.
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
        // run.json alone is a run that failed before it wrote anything (a missing data file, a refused config): nothing
        // to lose, and refusing it would make the user --force past their own typo
        if (found.equals(List.of(FILE))) return new ArrayList<>();
        java.util.Collections.sort(found);
        return found;
    }
}
