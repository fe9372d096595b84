package tagllm.tag;

import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.head.RegressionHead;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The learned state of Tag-LLM for one base model: tags by name, regression heads by function tag,
 * the task definitions they were trained with (so predict can render the same prompts), and provenance.
 * Saved as a *.tags.safetensors file by {@link TagFile}.
 */
public final class TagSet {
    private final Map<String, Tag> tags = new LinkedHashMap<>();
    private final Map<String, RegressionHead> heads = new LinkedHashMap<>();
    private final Map<String, ObjectNode> tasks = new LinkedHashMap<>();
    private final List<ObjectNode> provenance = new ArrayList<>();
    // the files this set was read and merged from, so that an error about a tag or task it lacks can say where it looked
    private final List<String> sources = new ArrayList<>();
    // which of those files each tag, head and task came from ("tag <X>", "head <X>", "task x"), for merge's conflicts
    private final Map<String, String> origins = new java.util.HashMap<>();
    private String modelFingerprint;
    // the model fingerprint covers the weights, not tokenizer.json: another vocabulary or merges would feed the tags ids
    // they were not trained with
    private tagllm.tokenizer.TokenizerIdentity tokenizer;
    private String modelName;
    // the Hugging Face Hub repository and commit the model came from; null for a local folder and for older files
    private tagllm.model.HubDownloader.Snapshot hubSnapshot;

    public TagSet(String modelName, String modelFingerprint) {
        this.modelName = modelName;
        this.modelFingerprint = modelFingerprint;
    }

    public String modelFingerprint() { return modelFingerprint; }

    /** The tokenizer the tags were trained with; null for a file written by an earlier version, which did not record it. */
    public tagllm.tokenizer.TokenizerIdentity tokenizer() { return tokenizer; }

    public void bindTokenizer(tagllm.tokenizer.TokenizerIdentity identity) { this.tokenizer = identity; }

    public String modelName() { return modelName; }

    /** The Hub repository and snapshot commit the base model was loaded from; null for a local folder or a file that did not record it. */
    public tagllm.model.HubDownloader.Snapshot hubSnapshot() { return hubSnapshot; }

    public void bindHubSnapshot(tagllm.model.HubDownloader.Snapshot snapshot) { this.hubSnapshot = snapshot; }

    public boolean has(String name) { return tags.containsKey(Tag.canonicalName(name)); }

    public Tag get(String name) { return tags.get(Tag.canonicalName(name)); }

    public Tag require(String name) {
        Tag t = tags.get(Tag.canonicalName(name));
        if (t == null) {
            throw new TemplateException("unknown tag " + Tag.canonicalName(name) + " (this tag set has: "
                    + (tags.isEmpty() ? "none" : String.join(", ", tags.keySet())) + ")");
        }
        return t;
    }

    public Collection<Tag> tags() { return tags.values(); }

    public void put(Tag t) {
        Tag old = tags.get(t.name());
        if (!tags.isEmpty()) {
            int d = tags.values().iterator().next().hidden();
            if (t.hidden() != d) throw new IllegalArgumentException("tag " + t.name() + " has hidden size " + t.hidden() + ", the others " + d);
        }
        if (old != null && old.kind() != t.kind()) {
            throw new IllegalArgumentException("tag " + t.name() + " is already a " + old.kind().label() + " tag, cannot redefine it as " + t.kind().label());
        }
        tags.put(t.name(), t);
    }

    public Map<String, RegressionHead> heads() { return heads; }

    public RegressionHead head(String functionTag) { return heads.get(Tag.canonicalName(functionTag)); }

    public void putHead(RegressionHead h) { heads.put(Tag.canonicalName(h.tag()), h); }

    /** Task definitions (JSON objects as written by tagllm.task) by task name. */
    public Map<String, ObjectNode> tasks() { return tasks; }

    public List<ObjectNode> provenance() { return provenance; }

    /** The tag files this set was read and merged from, in order (empty for a set built in memory). */
    public List<String> sources() { return java.util.Collections.unmodifiableList(sources); }

    /** Records one more file this set holds the content of (TagFile.read, merge). */
    public void addSource(String source) {
        if (source == null) return;
        if (!sources.contains(source)) sources.add(source);
        recordOrigins(this, source);
    }

    /** Records every tag, head and task of {@code from} not yet recorded as coming from {@code source}. */
    private void recordOrigins(TagSet from, String source) {
        from.tags.keySet().forEach(n -> origins.putIfAbsent("tag " + n, source));
        from.heads.keySet().forEach(n -> origins.putIfAbsent("head " + n, source));
        from.tasks.keySet().forEach(n -> origins.putIfAbsent("task " + n, source));
    }

    /**
     * Refuses a tag or head whose width is not {@code hidden}, the model's hidden size, naming it and its file. The
     * fingerprint check passes a file that carries none, or one edited by hand: such a set loaded, and every prompt then
     * failed deep in the forward pass (serve: a 500 on each request to it).
     */
    public void requireHiddenSize(int hidden) {
        for (Tag t : tags.values()) {
            if (t.hidden() != hidden) {
                throw new IllegalArgumentException("tag " + t.name() + in("tag " + t.name()) + " holds vectors of width " + t.hidden()
                        + ", but the model's hidden size is " + hidden + ": the tag file was not made for this model");
            }
        }
        for (var e : heads.entrySet()) {
            if (e.getValue().hidden() != hidden) {
                throw new IllegalArgumentException("the head of " + e.getKey() + in("head " + e.getKey()) + " reads hidden states of width "
                        + e.getValue().hidden() + ", but the model's hidden size is " + hidden + ": the tag file was not made for this model");
            }
        }
    }

    /** " in FILE" for an entry read from a file ("tag <X>", "head <X>", "task x"), else "" (built in memory). */
    private String in(String entry) {
        String file = origins.get(entry);
        return file == null ? "" : " in " + file;
    }

    /**
     * The tag file an entry was read from ("tag {@code <X>}", "head {@code <X>}", "task x"), so that an error about it can name the file;
     * null for one built in memory.
     */
    public String origin(String entry) {
        return origins.get(entry);
    }

    public void bindModel(String name, String fingerprint) {
        this.modelName = name;
        this.modelFingerprint = fingerprint;
    }

    /**
     * Refuses a tag set trained on another base model: its vectors live in that model's embedding space.
     */
    public void requireModel(String fingerprint, String name, String source) {
        if (modelFingerprint != null && fingerprint != null && !modelFingerprint.equals(fingerprint)) {
            throw new IllegalArgumentException(source + " was trained on base model " + modelName + " (fingerprint "
                    + modelFingerprint + ") but the loaded model " + name + " has fingerprint " + fingerprint
                    + ": tags only work with the model they were trained on");
        }
    }

    /**
     * Refuses a tag set trained with another tokenizer (same weights, other tokenizer.json): its prompts would be other
     * token ids than the tags were trained on. A set that records none (an older file) is accepted.
     */
    public void requireTokenizer(tagllm.tokenizer.TokenizerIdentity current, String modelName, String source) {
        if (tokenizer != null && current != null && !tokenizer.sha256().equals(current.sha256())) {
            throw new IllegalArgumentException(source + " was trained with a tokenizer of identity " + tokenizer.sha256()
                    + " but the loaded model " + modelName + " has tokenizer identity " + current.sha256() + differ(tokenizer, current)
                    + ": tags only work with the tokenizer they were trained with");
        }
    }

    private static String differ(tagllm.tokenizer.TokenizerIdentity a, tagllm.tokenizer.TokenizerIdentity b) {
        List<String> d = a.differingParts(b);
        return d.isEmpty() ? "" : " (tokenizer.json sections that differ: " + String.join(", ", d) + ")";
    }

    /** A deep copy (tags and heads are trained in place). */
    public TagSet copy() {
        TagSet c = new TagSet(modelName, modelFingerprint);
        c.tokenizer = tokenizer;
        c.hubSnapshot = hubSnapshot;
        tags.values().forEach(t -> c.tags.put(t.name(), t.copy()));
        heads.forEach((k, h) -> c.heads.put(k, h.copy()));
        tasks.forEach((k, v) -> c.tasks.put(k, v.deepCopy()));
        provenance.forEach(p -> c.provenance.add(p.deepCopy()));
        c.sources.addAll(sources);
        c.origins.putAll(origins);
        return c;
    }

    /**
     * A deep copy listing its content in an order that depends on the content alone: domain tags before function tags,
     * each by name; heads and tasks by name; provenance by time, then stage number, then its JSON text. tags merge
     * writes this, so that merging A and B or B and A gives the same file (merge itself keeps the files' order).
     */
    public TagSet inCanonicalOrder() {
        TagSet c = new TagSet(modelName, modelFingerprint);
        c.tokenizer = tokenizer;
        c.hubSnapshot = hubSnapshot;
        tags.values().stream().sorted(java.util.Comparator.comparing(Tag::kind).thenComparing(Tag::name))
                .forEach(t -> c.tags.put(t.name(), t.copy()));
        heads.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> c.heads.put(e.getKey(), e.getValue().copy()));
        tasks.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> c.tasks.put(e.getKey(), e.getValue().deepCopy()));
        provenance.stream().sorted(java.util.Comparator.comparing(TagSet::stageTime, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()))
                        .thenComparingInt(p -> p.path("stage_number").asInt())
                        .thenComparing(ObjectNode::toString))
                .forEach(p -> c.provenance.add(p.deepCopy()));
        c.sources.addAll(sources);
        c.origins.putAll(origins);
        return c;
    }

    /** A provenance record's time as an instant (its text has as many fraction digits as the clock gave), or null. */
    private static java.time.Instant stageTime(ObjectNode p) {
        try {
            return java.time.Instant.parse(p.path("time").asText());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Adds another set's tags, heads and tasks (composition: domain tags from one run with a function
     * tag from another). A tag, head or task present in both must be identical, else it is a conflict and
     * nothing of {@code other} is added: keeping either version silently would make the result depend on the
     * order of the files.
     */
    public void merge(TagSet other, String otherSource) {
        if (modelFingerprint != null && other.modelFingerprint != null && !modelFingerprint.equals(other.modelFingerprint)) {
            // each side named by its own model: no model is loaded here, two tag files disagree
            throw new IllegalArgumentException(otherSource + " was trained on base model " + other.modelName + " (fingerprint "
                    + other.modelFingerprint + ") but the tags merged before it on " + modelName + " (fingerprint " + modelFingerprint
                    + "): tags of different base models cannot be merged");
        }
        if (tokenizer != null && other.tokenizer != null && !tokenizer.sha256().equals(other.tokenizer.sha256())) {
            throw new IllegalArgumentException(otherSource + " was trained with a tokenizer of identity " + other.tokenizer.sha256()
                    + " but the tags merged before it with " + tokenizer.sha256() + differ(tokenizer, other.tokenizer)
                    + ": tags of different tokenizers cannot be merged");
        }
        for (Tag t : other.tags()) {
            Tag mine = tags.get(t.name());
            if (mine != null && !mine.equals(t)) {
                throw new IllegalArgumentException(otherSource + ": tag " + t.name() + " is already present" + in("tag " + t.name()) + " with other values ("
                        + howTheyDiffer(mine, t) + "); a merged tag set can hold one version of each tag");
            }
        }
        for (RegressionHead h : other.heads.values()) {
            RegressionHead mine = heads.get(Tag.canonicalName(h.tag()));
            if (mine != null && !sameHead(mine, h)) {
                throw new IllegalArgumentException(otherSource + ": the head of " + h.tag() + " is already present" + in("head " + Tag.canonicalName(h.tag()))
                        + " with other values"
                        + " (weights, bias or label shift/scale)");
            }
        }
        other.tasks.forEach((k, v) -> {
            ObjectNode mine = tasks.get(k);
            if (mine != null && !mine.equals(v)) {
                List<String> differ = new ArrayList<>();
                mine.properties().forEach(e -> { if (!e.getValue().equals(v.get(e.getKey()))) differ.add(e.getKey()); });
                v.properties().forEach(e -> { if (!mine.has(e.getKey())) differ.add(e.getKey()); });
                throw new IllegalArgumentException(otherSource + ": task '" + k + "' is already defined otherwise" + in("task " + k) + " (" + String.join(", ", differ)
                        + " differ); a merged tag set can hold one definition of each task name");
            }
        });
        if (modelFingerprint == null) bindModel(other.modelName, other.modelFingerprint);
        if (tokenizer == null) tokenizer = other.tokenizer;
        if (hubSnapshot == null) hubSnapshot = other.hubSnapshot; // same weights (fingerprint checked above): the first one recorded
        for (Tag t : other.tags()) if (!tags.containsKey(t.name())) put(t.copy());
        for (RegressionHead h : other.heads.values()) if (!heads.containsKey(Tag.canonicalName(h.tag()))) putHead(h.copy());
        other.tasks.forEach((k, v) -> tasks.putIfAbsent(k, v.deepCopy()));
        // two runs continued from one stage carry its record each: the merged file lists that stage once
        other.provenance.forEach(p -> { if (!provenance.contains(p)) provenance.add(p.deepCopy()); });
        // what came from other is recorded as from its own files, else as from otherSource (a set built in memory)
        other.origins.forEach(origins::putIfAbsent);
        if (other.sources.isEmpty()) {
            recordOrigins(other, otherSource);
            if (otherSource != null && !sources.contains(otherSource)) sources.add(otherSource);
        } else {
            other.sources.forEach(f -> { if (!sources.contains(f)) sources.add(f); });
        }
    }

    /** What sets two versions of a tag apart: kind, shape (p × hidden), else the largest difference of a value and where. */
    private static String howTheyDiffer(Tag mine, Tag other) {
        if (mine.kind() != other.kind()) return "a " + mine.kind().label() + " tag before, a " + other.kind().label() + " tag here";
        if (mine.length() != other.length() || mine.hidden() != other.hidden()) {
            return "p × hidden " + mine.length() + " × " + mine.hidden() + " before, " + other.length() + " × " + other.hidden() + " here";
        }
        int at = 0;
        double most = -1;
        for (int i = 0; i < mine.values().length; i++) {
            double d = Math.abs((double) mine.values()[i] - other.values()[i]);
            if (d > most || Double.isNaN(d) && !Double.isNaN(most)) {
                most = d;
                at = i;
            }
        }
        return "the same shape " + mine.length() + " × " + mine.hidden() + ", values differing by up to " + (float) most + " (row "
                + at / mine.hidden() + ", column " + at % mine.hidden() + ")";
    }

    private static boolean sameHead(RegressionHead a, RegressionHead b) {
        return a.outputs() == b.outputs() && a.hidden() == b.hidden() && java.util.Arrays.equals(a.weight(), b.weight())
                && java.util.Arrays.equals(a.bias(), b.bias()) && java.util.Arrays.equals(a.shift(), b.shift())
                && java.util.Arrays.equals(a.scale(), b.scale());
    }
}
