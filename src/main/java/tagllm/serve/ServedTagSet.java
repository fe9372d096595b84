package tagllm.serve;

import tagllm.tag.Tag;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.Presets;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;
import tagllm.util.NameLookup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One loaded tag set of a {@link PredictorService}: its name, its predictor (the server's one base model with
 * this set's tags and heads) and the tasks it runs. Tasks of different sets never mix, even when they share a name.
 */
final class ServedTagSet {
    /** The paper's fixed regression tasks, offered when the tag files hold their tags and head. */
    private static final List<String> REGRESSION_PRESETS = List.of("Descriptor", "QED", "DC", "BA");

    private final String name;
    private final List<String> files;
    private final TagPredictor predictor;
    private final Map<String, TaskSpec> specs = new LinkedHashMap<>();
    /** By exact name: two stored tasks may differ only in case ("qed" and "QED" of one experiment), each its own task. */
    private final Map<String, TaskInfo> byName = new LinkedHashMap<>();
    private final List<TaskInfo> tasks = new ArrayList<>();
    private final Map<String, String> notServed = new LinkedHashMap<>();

    ServedTagSet(String name, List<String> files, TagPredictor predictor) {
        this.name = name;
        this.files = List.copyOf(files);
        this.predictor = predictor;
        for (String task : predictor.taskNames()) {
            try {
                TaskSpec t = predictor.task(task);
                if (t.type() == TaskType.LANGUAGE_MODEL) {
                    notServed.put(task, "a language-model (stage-1 domain text) task; the API runs regression, classification and text tasks");
                    continue;
                }
                predictor.requireReady(t);
                add(t, "tag file");
            } catch (IllegalArgumentException e) {
                notServed.put(task, e.getMessage());
            }
        }
        for (String preset : REGRESSION_PRESETS) offerPreset(preset);
        TagSet tags = predictor.tags();
        if (tags.has("Translate") && tags.get("Translate").kind() == TagKind.FUNCTION) {
            for (String src : Presets.LANGUAGES) {
                for (String tgt : Presets.LANGUAGES) {
                    if (!src.equals(tgt) && isDomainTag(tags, src) && isDomainTag(tags, tgt)) {
                        offerPreset("Translate:" + src.toLowerCase(Locale.ROOT) + "-" + tgt.toLowerCase(Locale.ROOT));
                    }
                }
            }
        }
    }

    private static boolean isDomainTag(TagSet tags, String bare) {
        Tag t = tags.get(bare);
        return t != null && t.kind() == TagKind.DOMAIN;
    }

    private void offerPreset(String task) {
        for (String served : byName.keySet()) if (served.equalsIgnoreCase(task)) return;
        TaskSpec t = Presets.get(task, "preset");
        try {
            predictor.requireReady(t);
        } catch (IllegalArgumentException e) {
            return; // the tag files are not for this task: nothing to report
        }
        add(t, "preset");
    }

    private void add(TaskSpec t, String source) {
        TaskInfo info = TaskInfo.of(t, source, name);
        specs.put(t.name(), t);
        byName.put(t.name(), info);
        tasks.add(info);
    }

    String name() { return name; }

    TagPredictor predictor() { return predictor; }

    List<TaskInfo> tasks() { return List.copyOf(tasks); }

    /** In the order the tasks were read (Map.copyOf's order would change from one JVM to the next); filled only here. */
    Map<String, String> notServed() { return Collections.unmodifiableMap(notServed); }

    /** The served task of exactly that name, or null. */
    TaskInfo findExact(String task) { return byName.get(task); }

    /**
     * The served task of that name, or null: the exact name first, else the one task equal to it ignoring case. When
     * several served names match ignoring case and none exactly, the request is refused naming them, rather than
     * answered with whichever was stored last.
     */
    TaskInfo find(String task) {
        // byName keeps the tasks' order (LinkedHashMap): an exact name is a hash lookup, with no list built per request
        NameLookup.Match m = NameLookup.find(byName.keySet(), task);
        if (m.isAmbiguous()) {
            throw ApiException.badRequest("task '" + task + "' matches several tasks of tag set " + name + " that differ only in case ("
                    + String.join(", ", m.ambiguous()) + "): give the exact name");
        }
        return m.found() ? byName.get(m.name()) : null;
    }

    /** Why a task stored in the files is not served (keyed by its stored name), or null. */
    Map.Entry<String, String> whyNotServed(String task) {
        for (var e : notServed.entrySet()) if (e.getKey().equalsIgnoreCase(task)) return e;
        return null;
    }

    TaskSpec spec(TaskInfo info) { return specs.get(info.name()); }

    TagSetInfo info() {
        return new TagSetInfo(name, files, tasks.stream().map(TaskInfo::name).toList(), notServed);
    }
}
