package tagllm.serve;

import tagllm.tag.Template;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * What a client needs to call a task: its name, kind (regression or text), template, the tags it uses
 * with their kinds, and the input fields each input object must carry.
 *
 * @param source "tag file" when the task definition is stored in a loaded tag file, "preset" for one of the
 *               paper's tasks whose tags (and head) the tag files hold
 * @param tagSet the loaded tag set ({@link TagSetFiles}) the task runs with; null for a service without named sets
 */
public record TaskInfo(String name, TaskType type, String template, Map<String, String> tags, List<String> fields,
                       String source, String tagSet) {

    public TaskInfo(String name, TaskType type, String template, Map<String, String> tags, List<String> fields, String source) {
        this(name, type, template, tags, fields, source, null);
    }

    public TaskInfo {
        tags = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tags)); // template order, for clients
        fields = List.copyOf(fields);
    }

    static TaskInfo of(TaskSpec t, String source) { return of(t, source, null); }

    static TaskInfo of(TaskSpec t, String source, String tagSet) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String tag : t.parsedTemplate().tagNames()) tags.put(tag, t.kindOf(tag).label());
        return new TaskInfo(t.name(), t.type(), t.template(), tags, inputFields(t), source, tagSet);
    }

    /**
     * The data columns a prompt reads: the placeholders before the output one (a prompt stops there), mapped
     * through the task's column renaming (the BA preset's {protein} reads column protein_seq).
     */
    static List<String> inputFields(TaskSpec t) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (Template.Part p : t.parsedTemplate().parts()) {
            if (p instanceof Template.Field f) {
                if (t.type() != TaskType.LANGUAGE_MODEL && f.column().equals(t.outputPlaceholder())) break;
                out.add(t.column(f.column()));
            }
        }
        return new ArrayList<>(out);
    }

    public String kind() { return type.label(); }

    /** The input at {@code where} as field values; 400 naming the first missing field and all expected ones. */
    void requireFields(Map<String, String> input, String where) {
        for (String f : fields) {
            if (input.get(f) == null) {
                throw ApiException.badRequest(where + ": missing field '" + f + "' (task " + name + " expects "
                        + describeFields() + ")");
            }
        }
    }

    String describeFields() {
        return fields.isEmpty() ? "no fields" : "fields " + String.join(", ", fields.stream().map(f -> "'" + f + "'").toList());
    }
}
