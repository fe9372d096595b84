package tagllm.task;

import tagllm.config.ConfigNode;
import tagllm.config.ConfigException;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.head.HeadInit;
import tagllm.head.HeadSpec;
import tagllm.tag.Tag;
import tagllm.tag.TagKind;
import tagllm.tag.Template;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a task is, independent of where its rows come from: the prompt template, what is predicted
 * (a number read by a head, or output text), the tags the template uses and their kinds, and how
 * sequences are built (BOS, EOS after output text, domain-span isolation, length limit).
 *
 * <p>Placeholders name columns of the data row; {@code columns} maps a placeholder to another column
 * name. label_scale multiplies the label for its text and for the head's training target (the paper's
 * code trains DC on CSS × 0.1); predictions and metrics stay in the data's units. For regression the output placeholder (default {@code label}) is filled with the label written
 * as text, and sequences are cut right after the function tag anyway.
 */
public record TaskSpec(
        String name,
        TaskType type,
        String template,
        Map<String, String> tags,
        String labelColumn,
        double labelScale,
        String outputPlaceholder,
        Map<String, String> columns,
        HeadSpec head,
        boolean isolateDomains,
        boolean bos,
        boolean eos,
        boolean lossOnOutputOnly,
        int maxLength,
        ClassSpec classes) implements java.io.Serializable {

    public static final int DEFAULT_MAX_LENGTH = 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    public TaskSpec {
        tags = inOrder(tags);
        columns = inOrder(columns);
    }

    /**
     * An unmodifiable copy that keeps m's order: a tag file's task JSON lists tags and columns in it, and Map.copyOf's
     * order changes from one JVM to the next, so the same training run wrote different bytes.
     */
    private static Map<String, String> inOrder(Map<String, String> m) {
        Map<String, String> copy = new LinkedHashMap<>();
        m.forEach((k, v) -> copy.put(Objects.requireNonNull(k), Objects.requireNonNull(v, k)));
        return Collections.unmodifiableMap(copy);
    }

    /** A task without classes (regression, text, domain text). */
    public TaskSpec(String name, TaskType type, String template, Map<String, String> tags, String labelColumn, double labelScale,
                    String outputPlaceholder, Map<String, String> columns, HeadSpec head, boolean isolateDomains, boolean bos, boolean eos,
                    boolean lossOnOutputOnly, int maxLength) {
        this(name, type, template, tags, labelColumn, labelScale, outputPlaceholder, columns, head, isolateDomains, bos, eos,
                lossOnOutputOnly, maxLength, null);
    }

    /** The same task with its classes (resolved from the training rows). */
    public TaskSpec withClassSpec(ClassSpec c) {
        return new TaskSpec(name, type, template, tags, labelColumn, labelScale, outputPlaceholder, columns, head, isolateDomains, bos, eos,
                lossOnOutputOnly, maxLength, c);
    }

    public Template parsedTemplate() { return Template.parse(template); }

    public TagKind kindOf(String tag) {
        String k = tags.get(Tag.canonicalName(tag));
        if (k == null) throw new ConfigException("task " + name + ": the template uses tag " + tag + " but its kind is not declared (tags: {" + Tag.bareName(tag) + ": domain|function})");
        return TagKind.parse(k, "task " + name + ": tag " + tag);
    }

    /** The same task reading some placeholders from other columns (placeholder → column). */
    public TaskSpec withColumns(Map<String, String> overrides) {
        Map<String, String> c = new LinkedHashMap<>(columns);
        c.putAll(overrides);
        return new TaskSpec(name, type, template, tags, labelColumn, labelScale, outputPlaceholder, c, head, isolateDomains, bos, eos,
                lossOnOutputOnly, maxLength, classes);
    }

    /** The same task with its label read from another column. */
    public TaskSpec withLabel(String column) {
        return new TaskSpec(name, type, template, tags, column, labelScale, outputPlaceholder, columns, head, isolateDomains, bos, eos,
                lossOnOutputOnly, maxLength, classes);
    }

    /** The data column behind a placeholder. */
    public String column(String placeholder) { return columns.getOrDefault(placeholder, placeholder); }

    /** The data columns a prompt reads (every placeholder but the output's, mapped by columns), in template order. */
    public List<String> promptColumns() {
        return promptPlaceholders().stream().map(this::column).distinct().toList();
    }

    /**
     * The columns the prompt reads that the input lacks (hasColumn says which it has), once each with the first
     * placeholder reading it, in template order.
     */
    public List<MissingInputColumn> missingInputColumns(Predicate<String> hasColumn) {
        List<MissingInputColumn> missing = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String ph : promptPlaceholders()) {
            String c = column(ph);
            if (seen.add(c) && !hasColumn.test(c)) missing.add(new MissingInputColumn(ph, c));
        }
        return missing;
    }

    /** The placeholders a prompt fills: the template's, the output's excepted (domain text has no output), in order. */
    public List<String> promptPlaceholders() {
        return parsedTemplate().columns().stream().filter(c -> type == TaskType.LANGUAGE_MODEL || !c.equals(outputPlaceholder)).toList();
    }

    /**
     * Reads a task definition. With {@code preset: QED} the preset is the starting point and the other
     * keys override it. declaredTags (name → kind) comes from the experiment's {@code tags:} section.
     */
    public static TaskSpec fromConfig(String name, ConfigNode c, Map<String, TagKind> declaredTags) {
        return read(name, c, declaredTags, true);
    }

    private static TaskSpec read(String name, ConfigNode c, Map<String, TagKind> declaredTags, boolean refuseLabelInput) {
        c.requireObject();
        TaskSpec base = null;
        if (c.has("preset")) {
            base = Presets.get(c.string("preset", null), c.locate("preset"));
        }
        TaskType type;
        try {
            // the field and its line, as every other key's error gives them (they named the task alone)
            type = c.has("type") ? TaskType.parse(c.string("type", null), c.locate("type")) : base != null ? base.type() : null;
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        if (type == null) throw c.error("type", "missing: regression, classification, text or lm (or give a preset)");
        String template = c.string("template", base != null ? base.template() : null);
        if (template == null) throw c.error("template", "missing (required unless a preset gives it)");
        Template parsed;
        try {
            parsed = Template.parse(template);
        } catch (IllegalArgumentException e) {
            throw c.error("template", e.getMessage());
        }
        Map<String, String> tags = new LinkedHashMap<>(Presets.knownTagKinds());
        if (base != null) tags.putAll(base.tags());
        declaredTags.forEach((k, v) -> tags.put(k, v.label()));
        c.stringMap("tags").forEach((k, v) -> {
            try {
                tags.put(Tag.canonicalName(k), TagKind.parse(v, c.child("tags").locate(k)).label());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage()); // TagKind's message starts with the field: not named twice
            }
        });
        Map<String, String> used = new LinkedHashMap<>();
        for (String t : parsed.tagNames()) {
            String k = tags.get(t);
            if (k == null) {
                throw c.error("template", "uses tag " + t + " whose kind is not declared; add it under tags: (e.g. "
                        + Tag.bareName(t) + ": domain)");
            }
            used.put(t, k);
        }
        String label = c.string("label", base != null ? base.labelColumn() : null);
        String inherited = base != null ? base.outputPlaceholder() : (type.readsHead() ? "label" : null);
        // a regression template without the label text simply ends at its function tag
        if (type.readsHead() && inherited != null && !parsed.columns().contains(inherited)) inherited = null;
        String output = c.string("output", inherited);
        ClassSpec classes = type == TaskType.CLASSIFICATION ? ClassConfig.read(c, base != null ? base.classes() : null) : null;
        if (classes != null && classes.multiLabel()) label = null;
        if (type == TaskType.REGRESSION && label == null) throw c.error("label", "missing: the column holding the number to predict");
        if (type == TaskType.CLASSIFICATION && label == null && !classes.multiLabel()) {
            throw c.error("label", "missing: the column holding the class (or labels: [columns] for a multi-label task)");
        }
        if (type == TaskType.TEXT && output == null) throw c.error("output", "missing: the placeholder holding the output text");
        if (output != null && type != TaskType.LANGUAGE_MODEL && !parsed.columns().contains(output)) {
            throw c.error("output", "the template has no placeholder {" + output + "}");
        }
        // a regression template without a function tag is the paper's "without function tags" ablation: the head
        // reads the last input position right before the label text (the official code reads position -2 of a
        // sequence that still holds the label text: docs/training.md, "Differences from the paper")
        if (type == TaskType.TEXT && used.values().stream().noneMatch(k -> k.equals("function"))) {
            throw c.error("template", "a " + type.label() + " task needs a function tag in its template");
        }
        Map<String, String> columns = new LinkedHashMap<>();
        if (base != null) columns.putAll(base.columns());
        columns.putAll(c.stringMap("columns"));
        // a placeholder reading the label column ({p_np} with label: p_np) is the label text, as {label} is: taken as an
        // input it hands the answer to any prompt read after it (compare's tag-free prompts, a template without a
        // function tag), and predict would ask for the label as an input
        if (type.readsHead() && output == null && label != null && !c.has("output")) {
            for (String p : parsed.columns()) {
                if (columns.getOrDefault(p, p).equals(label)) {
                    output = p;
                    break;
                }
            }
        }
        if (refuseLabelInput && type.readsHead()) requireLabelNotInput(name, c, parsed, output, columns, label, classes);
        HeadSpec head = base != null ? base.head() : HeadSpec.paper();
        if (c.has("head")) {
            ConfigNode h = c.child("head").requireObject();
            h.allowOnly("outputs", "bias", "standardize", "init");
            HeadInit init;
            try {
                init = HeadInit.parse(h.string("init", head.init().label()));
            } catch (IllegalArgumentException e) {
                throw h.error("init", e.getMessage());
            }
            head = new HeadSpec(h.integer("outputs", head.outputs()), h.bool("bias", head.bias()), h.bool("standardize", head.standardize()),
                    init);
            if (head.outputs() != 1) throw h.error("outputs", "only single-output regression heads are supported (a classification head has one output per class), got " + head.outputs());
        }
        String lossOn = c.string("loss_on", base != null ? (base.lossOnOutputOnly() ? "output" : "all") : "all");
        if (!lossOn.equals("all") && !lossOn.equals("output")) throw c.error("loss_on", "expected all or output, got '" + lossOn + "'");
        int maxLength = c.integer("max_length", base != null ? base.maxLength() : DEFAULT_MAX_LENGTH);
        if (maxLength < 2) throw c.error("max_length", "must be at least 2, got " + maxLength);
        double labelScale = c.number("label_scale", base != null ? base.labelScale() : 1.0);
        if (!(labelScale > 0) || !Double.isFinite(labelScale)) throw c.error("label_scale", "must be a positive number, got " + labelScale);
        return new TaskSpec(name, type, template, used, label, labelScale, output, columns, head,
                c.bool("isolate_domains", base != null ? base.isolateDomains() : false),
                c.bool("bos", base != null ? base.bos() : type != TaskType.LANGUAGE_MODEL),
                c.bool("eos", base != null ? base.eos() : type == TaskType.TEXT),
                lossOn.equals("output"), maxLength, classes);
    }

    /**
     * A head-reading task's input placeholder (any but the output's) that reads a label column puts the answer in the
     * prompt: compare's tag-free prompts (probe, prompt tuning, LoRA) end with it, a template without a function tag
     * reads it, and predict asks for it. That happens when output: names another placeholder, or when the template
     * holds {label} besides a placeholder of the label column; it is always a mistake, so it is refused by name.
     */
    private static void requireLabelNotInput(String name, ConfigNode c, Template parsed, String output, Map<String, String> columns,
                                             String label, ClassSpec classes) {
        List<String> labelColumns = labelColumns(label, classes);
        for (String p : parsed.columns()) {
            String column = columns.getOrDefault(p, p);
            if (p.equals(output) || !labelColumns.contains(column)) continue;
            throw c.error("template", "task " + name + ": placeholder {" + p + "} reads the label column " + column
                    + (column.equals(p) ? "" : " (columns: " + p + ": " + column + ")") + " as an input"
                    + (output == null ? "" : " (the output placeholder is {" + output + "})")
                    + ", so the prompt would hold the answer; write the label once, as the output placeholder"
                    + (output == null || output.equals(p) ? "" : " (drop {" + p + "}, or give output: " + p + ")")
                    + ", or read another column");
        }
    }

    /** The data columns a head-reading task's labels come from (its label column, or a multi-label task's columns). */
    public List<String> labelColumns() { return labelColumns(labelColumn, classes); }

    private static List<String> labelColumns(String label, ClassSpec classes) {
        return label != null ? List.of(label) : classes != null ? classes.labelColumns() : List.of();
    }

    /** Keys a task definition may have besides data ones (checked by the experiment reader). */
    public static final String[] KEYS = {"preset", "type", "template", "tags", "label", "label_scale", "output", "columns",
            "head", "isolate_domains", "bos", "eos", "loss_on", "max_length", "classes", "labels", "class_weights"};

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", type.label());
        o.put("template", template);
        ObjectNode t = o.putObject("tags");
        tags.forEach(t::put);
        if (labelColumn != null) o.put("label", labelColumn);
        o.put("label_scale", labelScale);
        if (outputPlaceholder != null) o.put("output", outputPlaceholder);
        ObjectNode cols = o.putObject("columns");
        columns.forEach(cols::put);
        ObjectNode h = o.putObject("head");
        h.put("outputs", head.outputs());
        h.put("bias", head.bias());
        h.put("standardize", head.standardize());
        h.put("init", head.init().label());
        o.put("isolate_domains", isolateDomains);
        o.put("bos", bos);
        o.put("eos", eos);
        o.put("loss_on", lossOnOutputOnly ? "output" : "all");
        o.put("max_length", maxLength);
        if (classes != null) ClassConfig.write(classes, o);
        return o;
    }

    /**
     * A task as a tag file stores it. A tag file written before the label-as-input check still loads (its tags are
     * sound: Tag-LLM's prompt is cut at the function tag); experiments are checked when read.
     */
    public static TaskSpec fromJson(String name, ObjectNode o, String where) {
        return read(name, new ConfigNode(o, where), Map.of(), false);
    }

    /** The same task with another template and tag kinds (ablations drop or add tags). */
    public TaskSpec withTemplate(String newTemplate, Map<String, String> newTags) {
        return new TaskSpec(name, type, newTemplate, newTags, labelColumn, labelScale, outputPlaceholder, columns, head, isolateDomains, bos, eos,
                lossOnOutputOnly, maxLength, classes);
    }

    /** The same task with every tag dropped from its template: the prompt the tag-free baselines read. */
    public TaskSpec withoutTags() { return withTemplate(parsedTemplate().withoutTags().source(), Map.of()); }

    /** The same task with another head and domain isolation (recipes and ablations). */
    public TaskSpec withHead(HeadSpec newHead, boolean isolate) {
        return new TaskSpec(name, type, template, tags, labelColumn, labelScale, outputPlaceholder, columns, newHead, isolate, bos, eos,
                lossOnOutputOnly, maxLength, classes);
    }

    /**
     * The name the task's regression head is stored and trained under: its function tag, or, for a template
     * without one (the head reads the last input position), {@code <TASK.head>}.
     */
    public String headKey() {
        String f = functionTag();
        return f != null ? f : Tag.canonicalName(name.replaceAll("[^A-Za-z0-9_.+-]", "_") + ".head");
    }

    /** The function tag whose last slot the head reads (the last function tag of the template). */
    public String functionTag() {
        String f = null;
        for (String t : parsedTemplate().tagNames()) if (TagKind.parse(tags.get(t), name).equals(TagKind.FUNCTION)) f = t;
        return f;
    }
}
