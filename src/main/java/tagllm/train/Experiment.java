package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import tagllm.tag.FunctionInit;
import tagllm.tag.Tag;
import tagllm.tag.TagKind;
import tagllm.config.ConfigException;
import tagllm.config.ConfigNode;
import tagllm.task.DataSpec;
import tagllm.task.TaskSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An experiment file (YAML): the base model, the tags, the tasks with their data, and the stages run
 * in order, each starting from what the previous one saved. Paths are relative to the file's folder.
 *
 * <pre>
 * model: ../shared/models/stories260K
 * output: runs/qed
 * seed: 42
 * recipe: paper                    # or robust: the defaults that train a small model (docs/training.md, "Recipes")
 * tag_length: 10                   # or {domain: 4, function: 10}
 * function_init: mean              # or prompt: new function tags copy the prompt tokens before them
 * tags: {MyTag: function}          # kinds of tags not coming from presets
 * init: [earlier.tags.safetensors]  # optional: start from these tags and heads
 * defaults: {lr: 1e-3, batch_size: 8, grad_accum: 1}
 * tasks:
 *   smiles: {preset: SMILES, data: ../shared/data/smiles/zinc20k.csv}
 *   qed: {preset: QED, data: {path: ../shared/data/smiles/zinc20k.csv, max_train: 2000}}
 * stages:
 *   - {name: smiles, stage: 1, tasks: [smiles], max_steps: 200}
 *   - {name: qed, stage: 2, tasks: [qed], epochs: 2}
 * </pre>
 */
public record Experiment(Path file, String model, Path output, long seed, int tagLength, int functionTagLength, FunctionInit functionInit,
                         Map<String, TagKind> tags, List<Path> init, Hyper defaults, Map<String, TaskSpec> tasks, Map<String, DataSpec> data,
                         List<StageSpec> stages, Engine engine, Map<String, DataField> dataFields, Map<Path, String> initFields) {

    /**
     * Where a task's data file was named in the experiment file ("exp.yaml:7: tasks.qed.data.path") and the path it
     * named: a check made when the run starts (the file exists) names the line, as a parse error does, while the path is
     * still the one the line gave.
     */
    public record DataField(Path path, String field) {}

    /** The task's data field with its line, when its data path is still the one the experiment file gave; else null. */
    public String dataField(String task) {
        DataField f = dataFields.get(task);
        DataSpec d = data.get(task);
        return f != null && d != null && f.path().equals(d.path()) ? f.field() : null;
    }

    /**
     * Where an init: file was named in the experiment file ("exp.yaml:8: init[0]"), for the check made when the run
     * starts; null for a file the file's init: does not name (train --init-tags adds some).
     */
    public String initField(Path file) {
        return initFields.get(file);
    }

    /** The master URLs Spark accepts (SparkContext's forms). */
    private static final java.util.regex.Pattern SPARK_MASTER = java.util.regex.Pattern.compile(
            "local|local\\[(\\d+|\\*)(\\s*,\\s*\\d+)?]|local-cluster\\[\\s*\\d+\\s*,\\s*\\d+\\s*,\\s*\\d+\\s*]|spark://\\S+|yarn|k8s://\\S+|mesos://\\S+");

    public static final String[] KEYS = {"model", "output", "seed", "recipe", "tag_length", "function_init", "tags", "init", "defaults", "tasks", "stages",
            "engine", "master"};

    /**
     * Where the step's gradients are computed: {@code engine: local} (this JVM, the default) or {@code engine: spark}
     * with {@code master:} (local[*], local-cluster[...], spark://..., yarn; tagllm-spark, {@link GradientEngine}).
     * Either way the trainer sums and steps in this JVM, so the tags come out the same.
     */
    public record Engine(String name, String master) {
        public static final Engine LOCAL = new Engine("local", null);

        public boolean isLocal() { return name.equals("local"); }
    }

    /** p of a new tag of this kind (tag_length: N, or tag_length: {domain: N, function: M}). */
    public int tagLength(TagKind kind) { return kind == TagKind.FUNCTION ? functionTagLength : tagLength; }

    public static Builder builder() { return new Builder(); }

    /** A builder holding this experiment's fields: the CLI's overrides, compare's ablations and the suite's splits change a few. */
    public Builder toBuilder() {
        return new Builder().file(file).model(model).output(output).seed(seed).tagLengths(tagLength, functionTagLength)
                .functionInit(functionInit).tags(tags).init(init).defaults(defaults).tasks(tasks).data(data).stages(stages).engine(engine).dataFields(dataFields).initFields(initFields);
    }

    /** Builds an experiment field by field; engine defaults to local, the collections to empty. */
    public static final class Builder {
        private Path file, output;
        private String model;
        private long seed = 42;
        private int tagLength = Recipe.PAPER.tagLength(), functionTagLength = Recipe.PAPER.tagLength();
        private FunctionInit functionInit = FunctionInit.MEAN;
        private Map<String, TagKind> tags = Map.of();
        private List<Path> init = List.of();
        private Hyper defaults;
        private Map<String, TaskSpec> tasks = Map.of();
        private Map<String, DataSpec> data = Map.of();
        private List<StageSpec> stages = List.of();
        private Engine engine = Engine.LOCAL;
        private Map<String, DataField> dataFields = Map.of();
        private Map<Path, String> initFields = Map.of();

        private Builder() {}

        public Builder file(Path v) { file = v; return this; }
        public Builder model(String v) { model = v; return this; }
        public Builder output(Path v) { output = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        /** p of new domain tags, p of new function tags. */
        public Builder tagLengths(int domain, int function) { tagLength = domain; functionTagLength = function; return this; }
        public Builder functionInit(FunctionInit v) { functionInit = v; return this; }
        public Builder tags(Map<String, TagKind> v) { tags = v; return this; }
        public Builder init(List<Path> v) { init = v; return this; }
        public Builder defaults(Hyper v) { defaults = v; return this; }
        public Builder tasks(Map<String, TaskSpec> v) { tasks = v; return this; }
        public Builder data(Map<String, DataSpec> v) { data = v; return this; }
        public Builder stages(List<StageSpec> v) { stages = v; return this; }
        public Builder engine(Engine v) { engine = v; return this; }
        public Builder dataFields(Map<String, DataField> v) { dataFields = v; return this; }
        public Builder initFields(Map<Path, String> v) { initFields = v; return this; }

        public Experiment build() {
            return new Experiment(file, model, output, seed, tagLength, functionTagLength, functionInit, tags, init, defaults, tasks, data, stages, engine, dataFields, initFields);
        }
    }

    /** Most vectors per tag: far beyond the paper's 10, and p x hidden stays a small array whatever the model. */
    public static final int MAX_TAG_LENGTH = 4096;

    public static Experiment load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file + " (experiment file not found)");
        JsonNode root;
        String text;
        text = tagllm.config.ConfigText.readUtf8(file); // UTF-16, Latin-1, ...: the file, the line, what was found, what to do
        try {
            // a key given twice would silently take its last value: refused, naming the key and line
            root = new ObjectMapper(new YAMLFactory()).enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException(tagllm.config.YamlSyntaxError.describe(file.toString(), e));
        }
        refuseAliasesAndSecondDocuments(file, text);
        Path base = file.toAbsolutePath().getParent();
        // errors name the field's line too ("exp.yaml:12: stages[0].lr: ..."), as the YAML parser's own errors do
        return parse(new ConfigNode(root, file + ": ", ConfigNode.Lines.of(file + ": ", text)), base, file);
    }

    /**
     * Jackson's YAML tree reads an alias ("*d") as the text of its name, not as the anchored value: "data: *d" would
     * look for a file named d, "output: *m" would write to a folder named m. Refused, with where, instead. So is a
     * second document after "---", which the tree reader stops before: its settings would never take effect (an empty
     * one, a file that ends with "---", changes nothing and is let be).
     */
    private static void refuseAliasesAndSecondDocuments(Path file, String text) throws IOException {
        try (com.fasterxml.jackson.dataformat.yaml.YAMLParser p = (com.fasterxml.jackson.dataformat.yaml.YAMLParser) new YAMLFactory().createParser(text)) {
            int depth = 0, documents = 0;
            for (com.fasterxml.jackson.core.JsonToken t; (t = p.nextToken()) != null; ) {
                var at = p.currentTokenLocation();
                if (p.isCurrentAlias()) {
                    throw new ConfigException(file + ":" + at.getLineNr() + ":" + at.getColumnNr() + ": YAML alias '*" + p.getText()
                            + "' is not supported (it would be read as the text '" + p.getText() + "'); write the value out in full");
                }
                if (depth == 0 && t != com.fasterxml.jackson.core.JsonToken.VALUE_NULL && ++documents == 2) {
                    throw new ConfigException(file + ":" + at.getLineNr() + ":" + at.getColumnNr() + ": a second YAML document (after"
                            + " '---'); an experiment file holds one, and this one's settings would be ignored: remove the '---' line or"
                            + " move them into the first");
                }
                if (t.isStructStart()) depth++;
                else if (t.isStructEnd()) depth--;
            }
        }
    }

    public static Experiment parse(ConfigNode c, Path baseDir, Path file) {
        c.requireObject().allowOnly(KEYS);
        String model = c.requireString("model");
        Path modelPath = baseDir.resolve(model);
        if (Files.isDirectory(modelPath)) model = modelPath.normalize().toString();
        Path output = baseDir.resolve(c.string("output", "runs/" + stem(file))).normalize();
        long seed = c.integer("seed", 42);
        Recipe recipe;
        try {
            recipe = Recipe.parse(c.string("recipe", Recipe.PAPER.label()));
        } catch (IllegalArgumentException e) {
            throw c.error("recipe", e.getMessage());
        }
        int p, pf;
        if (c.has("tag_length") && c.raw().get("tag_length").isObject()) {
            ConfigNode tl = c.child("tag_length");
            tl.allowOnly("domain", "function");
            p = tl.integer("domain", recipe.tagLength());
            pf = tl.integer("function", recipe.tagLength());
            if (p < 1 || p > MAX_TAG_LENGTH) throw tl.error("domain", "must be in 1.." + MAX_TAG_LENGTH + ", got " + p);
            if (pf < 1 || pf > MAX_TAG_LENGTH) throw tl.error("function", "must be in 1.." + MAX_TAG_LENGTH + ", got " + pf);
        } else {
            p = pf = c.integer("tag_length", recipe.tagLength());
            if (p < 1 || p > MAX_TAG_LENGTH) throw c.error("tag_length", "must be in 1.." + MAX_TAG_LENGTH + ", got " + p);
        }
        FunctionInit functionInit;
        try {
            functionInit = FunctionInit.parse(c.string("function_init", recipe.functionInit().label()));
        } catch (IllegalArgumentException e) {
            throw c.error("function_init", e.getMessage());
        }
        Map<String, TagKind> tags = new LinkedHashMap<>();
        c.stringMap("tags").forEach((k, v) -> {
            try {
                tags.put(Tag.canonicalName(k), TagKind.parse(v, c.child("tags").locate(k)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage()); // TagKind's message starts with the field and its line
            }
        });
        List<Path> init = c.strings("init").stream().map(s -> baseDir.resolve(s).normalize()).toList();
        Map<Path, String> initFields = new LinkedHashMap<>();
        boolean initList = c.has("init") && c.raw().get("init").isArray(); // init: FILE is the field itself
        for (int i = 0; i < init.size(); i++) initFields.putIfAbsent(init.get(i), c.locate("init") + (initList ? "[" + i + "]" : ""));
        // a stage's hyper-parameters: the recipe's for its stage number, then defaults:, then the stage's own keys
        ConfigNode d = c.has("defaults") ? c.child("defaults").requireObject() : null;
        if (d != null) d.allowOnly(Hyper.KEYS);
        Hyper defaults = d != null ? Hyper.read(d, recipe.hyper(2)) : recipe.hyper(2);
        Map<String, TaskSpec> tasks = new LinkedHashMap<>();
        Map<String, DataSpec> data = new LinkedHashMap<>();
        Map<String, DataField> dataFields = new LinkedHashMap<>();
        List<String> taskKeys = new ArrayList<>(List.of(TaskSpec.KEYS));
        taskKeys.add("data");
        for (Map.Entry<String, ConfigNode> e : c.entries("tasks").entrySet()) {
            ConfigNode t = e.getValue().requireObject();
            t.allowOnly(taskKeys.toArray(new String[0]));
            TaskSpec spec = TaskSpec.fromConfig(e.getKey(), withRecipeHead(t, recipe), tags);
            tasks.put(e.getKey(), spec);
            DataSpec ds = DataSpec.read(t, baseDir);
            if (ds != null) {
                data.put(e.getKey(), ds);
                ConfigNode dn = t.child("data");
                dataFields.put(e.getKey(), new DataField(ds.path(), dn.raw().isValueNode() ? t.locate("data") : dn.locate("path")));
            }
        }
        if (tasks.isEmpty()) throw c.error("tasks", "missing: at least one task");
        List<StageSpec> stages = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        List<ConfigNode> sl = c.objects("stages");
        if (sl.isEmpty()) throw c.error("stages", "missing: at least one stage");
        for (ConfigNode s : sl) {
            s.allowOnly(StageSpec.KEYS);
            int stage = s.integer("stage", 0);
            if (stage < 1 || stage > 3) throw s.error("stage", "must be 1, 2 or 3, got " + (s.has("stage") ? stage : "nothing"));
            String name = s.string("name", "stage" + stage);
            if (!names.add(name)) throw s.error("name", "stage name '" + name + "' is used twice");
            if (!name.matches("[A-Za-z0-9_.-]+")) throw s.error("name", "use letters, digits, _ . - (it names files), got '" + name + "'");
            List<String> st = s.strings("tasks");
            if (st.isEmpty()) throw s.error("tasks", "missing: the tasks this stage trains on");
            // a task named twice would train on its rows twice per epoch, silently doubling its weight
            for (String tn : st) {
                if (st.indexOf(tn) != st.lastIndexOf(tn)) throw s.error("tasks", "task '" + tn + "' is listed twice");
            }
            for (String tn : st) {
                if (!tasks.containsKey(tn)) throw s.error("tasks", "unknown task '" + tn + "' (tasks: " + String.join(", ", tasks.keySet()) + ")");
                if (!data.containsKey(tn)) throw s.error("tasks", "task '" + tn + "' has no data: to train on it give tasks." + tn + ".data");
                TaskSpec ts = tasks.get(tn);
                if (stage == 1 && ts.type() != tagllm.task.TaskType.LANGUAGE_MODEL) {
                    throw s.error("tasks", "stage 1 trains domain tags on domain text; task '" + tn + "' is a " + ts.type().label() + " task");
                }
                if (stage > 1 && ts.type() == tagllm.task.TaskType.LANGUAGE_MODEL) {
                    throw s.error("tasks", "stage " + stage + " trains function tags; task '" + tn + "' is domain text (use it in stage 1)");
                }
            }
            List<String> train = s.strings("train").stream().map(Tag::canonicalName).toList();
            requireTrainable(s, stage, train, st.stream().map(tasks::get).toList());
            boolean enrich = s.bool("enrich", stage == 2 && recipe.enrich());
            if (enrich && stage != 2) throw s.error("enrich", "enrichment is a stage-2 option (stage 3 keeps domain tags frozen)");
            Hyper base = d != null ? Hyper.read(d, recipe.hyper(stage)) : recipe.hyper(stage);
            Hyper h = Hyper.read(s, base);
            requireSomeLoss(s, h, enrich, st.stream().map(tasks::get).toList());
            requireSomethingTrains(s, stage, train, enrich, h, st.stream().map(tasks::get).toList());
            if (enrich && s.has("enrich")) requireEnrichmentMatters(s, h, st.stream().map(tasks::get).toList());
            requireStageKeysMatter(s, stage, h, enrich, st.stream().map(tasks::get).toList());
            stages.add(new StageSpec(name, stage, st, train, enrich, h));
        }
        String engineName = c.string("engine", "local");
        if (!engineName.equals("local") && !engineName.equals("spark")) throw c.error("engine", "must be local or spark, got '" + engineName + "'");
        if (c.has("master") && engineName.equals("local")) throw c.error("master", "is a Spark setting: give engine: spark with it");
        Engine engine = engineName.equals("local") ? Engine.LOCAL : new Engine(engineName, c.string("master", "local[*]"));
        // Spark's own refusal of a master URL comes after a session start and a stack trace, naming no file or field
        if (!engine.isLocal() && !SPARK_MASTER.matcher(engine.master()).matches()) {
            throw c.error("master", "expected a Spark master URL: local, local[N], local[*], local[N,F], local-cluster[N,C,M], "
                    + "spark://HOST:PORT, yarn or k8s://URL; got '" + engine.master() + "'");
        }
        return builder().file(file).model(model).output(output).seed(seed).tagLengths(p, pf).functionInit(functionInit).tags(tags)
                .init(init).defaults(defaults).tasks(tasks).data(data).stages(stages).engine(engine).dataFields(dataFields).initFields(initFields).build();
    }

    /**
     * A stage's train: list, checked here rather than when the stage starts (after the stages before it have trained,
     * with no file or line): a tag none of the stage's tasks uses would get no gradient, and stage 3 keeps domain tags
     * frozen. A task's head key (&lt;TASK.head&gt;, a template without a function tag) may be listed too.
     */
    private static void requireTrainable(ConfigNode s, int stage, List<String> train, List<TaskSpec> stageTasks) {
        Set<String> used = new LinkedHashSet<>(), heads = new LinkedHashSet<>();
        for (TaskSpec t : stageTasks) {
            used.addAll(t.parsedTemplate().tagNames());
            if (t.type().readsHead()) heads.add(t.headKey());
        }
        for (String n : train) {
            if (used.contains(n)) {
                TaskSpec user = stageTasks.stream().filter(t -> t.parsedTemplate().tagNames().contains(n)).findFirst().orElseThrow();
                if (stage == 3 && user.kindOf(n) == TagKind.DOMAIN) {
                    throw s.error("train", "stage 3 keeps domain tags frozen, but train: lists " + n + " (a domain tag of task '" + user.name()
                            + "'): train it in a stage 1 or an enriched stage 2 (enrich: true) before this stage");
                }
            } else if (!heads.contains(n)) {
                throw s.error("train", n + " is no tag of this stage's tasks (they use " + String.join(", ", used) + "), so it would get no gradient");
            }
        }
    }

    /**
     * A stage whose loss is zero whatever its tags: mse_scale 0 on regression tasks and ce_weight 0 on text (or none),
     * with no classification task, trained nothing while it reported its steps. Refused naming the key that zeroes it.
     */
    private static void requireSomeLoss(ConfigNode s, Hyper h, boolean enrich, List<TaskSpec> stageTasks) {
        boolean regression = false, classification = false, text = enrich; // an enriched stage keeps the CE on the prompt text
        for (TaskSpec t : stageTasks) {
            switch (t.type()) {
                case REGRESSION -> regression = true;
                case CLASSIFICATION -> classification = true;
                case TEXT, LANGUAGE_MODEL -> text = true;
            }
        }
        if (classification || (regression && h.mseScale() > 0) || (text && h.ceWeight() > 0)) return;
        String key = regression ? "mse_scale" : "ce_weight";
        throw s.error(key, "is 0, so this stage's loss is 0 whatever its tags and it would train nothing ("
                + (regression && text ? "mse_scale " + h.mseScale() + " and ce_weight " + h.ceWeight() : key + " " + (regression ? h.mseScale() : h.ceWeight()))
                + "; from the stage or defaults:): give it a value > 0");
    }

    /**
     * A stage with nothing to train (its tags none, its heads frozen by head_lr_scale 0) was found only when it started,
     * after the stages before it had trained, naming no file or line. What it trains is worked out as
     * ExperimentRunner.trainableNames does: its train: list, or by default the tags of its kind and the heads of
     * templates without a function tag.
     */
    private static void requireSomethingTrains(ConfigNode s, int stage, List<String> train, boolean enrich, Hyper h, List<TaskSpec> stageTasks) {
        Set<String> tags = new LinkedHashSet<>(), heads = new LinkedHashSet<>();
        for (TaskSpec t : stageTasks) {
            tags.addAll(t.parsedTemplate().tagNames());
            if (stage > 1 && t.type().readsHead() && t.functionTag() == null) heads.add(t.headKey());
        }
        boolean headsTrain = h.headLrScale() > 0;
        if (!train.isEmpty()) {
            if (train.stream().anyMatch(tags::contains) || headsTrain) return;
            throw s.error("train", "lists only heads (" + String.join(", ", train) + "), and head_lr_scale 0 freezes heads, so this stage would"
                    + " train nothing: list a tag too, or give head_lr_scale > 0");
        }
        for (TaskSpec t : stageTasks) {
            for (String n : t.parsedTemplate().tagNames()) {
                TagKind k = t.kindOf(n);
                if (stage == 1 ? k == TagKind.DOMAIN : k == TagKind.FUNCTION || (stage == 2 && enrich)) return;
            }
        }
        if (!heads.isEmpty() && headsTrain) return;
        if (stage == 1) {
            throw s.error("tasks", "stage 1 trains domain tags, and no template of its tasks has one, so it would train nothing: put a"
                    + " domain tag (such as <SMILES>) in a template, or list a tag in train:");
        }
        throw s.error("head_lr_scale", "is 0, which freezes heads, and stage " + stage + " trains no tag of its tasks (it trains function tags"
                + (stage == 2 ? ", and the domain tags when enriched" : "") + "; the tasks use none), so it would train nothing: give"
                + " head_lr_scale > 0, or a function tag in a template");
    }

    /**
     * enrich: true written on a stage 2 that it leaves as it is. Enrichment does two things (ExperimentRunner.trainableNames,
     * Trainer.losses): the domain tags of the stage's templates train, and every example gets the next-token loss on its
     * prompt text. Without a domain tag only the loss is left, and it reaches no tag: a regression or classification
     * example ends at its function tag (the position its head reads), so the loss is on text before every tag, and a text
     * task has that loss anyway. Only in a stage mixing the two does it change something (the head tasks' prompt tokens
     * join the mean the text tasks' loss is taken over, lowering its weight), and that is not refused. The robust recipe's
     * default is not refused either: only what the file says.
     */
    private static void requireEnrichmentMatters(ConfigNode s, Hyper h, List<TaskSpec> stageTasks) {
        boolean text = false, heads = false;
        for (TaskSpec t : stageTasks) {
            for (String n : t.parsedTemplate().tagNames()) if (t.kindOf(n) == TagKind.DOMAIN) return;
            if (t.type() == tagllm.task.TaskType.TEXT) text = true;
            if (t.type().readsHead()) heads = true;
        }
        String why;
        if (h.ceWeight() == 0) why = "ce_weight is 0, so the next-token loss it adds is 0";
        else if (!heads) why = "the next-token loss it adds is on already for text tasks";
        else if (!text) why = "the next-token loss it adds on the prompt text of regression and classification tasks ends before their"
                + " function tag (the prompt stops at the position the head reads), so it reaches no tag";
        else return;
        throw s.error("enrich", "is true, but no template of this stage's tasks has a domain tag for it to train, and " + why
                + ", so it would change nothing: drop enrich: true, or put a domain tag in a template");
    }

    /**
     * A hyper-parameter written on a stage that nothing in the stage reads, accepted as if it did something:
     * head_lr_scale where no task has a head (stage 1 has none), eval_every where no task has a head to score (the
     * validator scores regression and classification tasks only), mse_scale where no task is a regression, Adam's betas
     * and eps under SGD. Only the stage's own keys: defaults: apply to every stage, and one stage's use is enough.
     */
    private static void requireStageKeysMatter(ConfigNode s, int stage, Hyper h, boolean enrich, List<TaskSpec> stageTasks) {
        boolean heads = false, regression = false, text = false;
        for (TaskSpec t : stageTasks) {
            heads |= stage > 1 && t.type().readsHead();
            regression |= t.type() == tagllm.task.TaskType.REGRESSION;
            text |= t.type() == tagllm.task.TaskType.TEXT || t.type() == tagllm.task.TaskType.LANGUAGE_MODEL;
        }
        if (s.has("head_lr_scale") && !heads) {
            throw s.error("head_lr_scale", "is a head's setting, and " + (stage == 1 ? "stage 1 trains domain tags on domain text with no head"
                    : "no task of this stage has a head") + ", so it would change nothing: drop it");
        }
        if (s.has("eval_every") && h.evalEvery() > 0 && !stageTasks.stream().anyMatch(t -> t.type().readsHead())) {
            throw s.error("eval_every", "scores the valid split of regression and classification tasks, and stage " + stage + " has none (the"
                    + " next-token loss is not a validation score here), so it would change nothing: drop it");
        }
        if (s.has("mse_scale") && !regression) {
            throw s.error("mse_scale", "scales the regression heads' loss, and stage " + stage + " has no regression task, so it would change"
                    + " nothing: drop it");
        }
        // the next-token loss is taken on text and language-model tasks and, enriched, on every prompt: else there is none to weigh
        if (s.has("ce_weight") && !text && !enrich) {
            throw s.error("ce_weight", "weighs the next-token loss, and stage " + stage + " has no text or language-model task and is not"
                    + " enriched (enrich: true), so it has no next-token loss and ce_weight would change nothing: drop it");
        }
        if (h.optimizer().equals("sgd")) {
            for (String key : List.of("beta1", "beta2", "eps")) {
                if (s.has(key)) throw s.error(key, "is an Adam setting, and this stage's optimizer is sgd, so it would change nothing: drop it,"
                        + " or give optimizer: adamw");
            }
        }
    }

    /** The task's node with the head keys it leaves out taken from the recipe (robust only: paper is the presets' own head). */
    private static ConfigNode withRecipeHead(ConfigNode t, Recipe recipe) {
        if (recipe == Recipe.PAPER) return t;
        com.fasterxml.jackson.databind.node.ObjectNode copy = ((com.fasterxml.jackson.databind.node.ObjectNode) t.raw()).deepCopy();
        tagllm.task.TaskType type;
        try {
            type = t.has("type") ? tagllm.task.TaskType.parse(t.string("type", ""), t.where())
                    : t.has("preset") ? tagllm.task.Presets.get(t.string("preset", null), t.where()).type() : null;
        } catch (IllegalArgumentException e) {
            return t; // fromConfig names the error
        }
        boolean regression = type == tagllm.task.TaskType.REGRESSION, classification = type == tagllm.task.TaskType.CLASSIFICATION;
        if (!regression && !classification) return t;
        com.fasterxml.jackson.databind.JsonNode given = copy.get("head");
        if (given != null && !given.isObject()) return t; // fromConfig names the error
        com.fasterxml.jackson.databind.node.ObjectNode head = given == null ? copy.putObject("head") : (com.fasterxml.jackson.databind.node.ObjectNode) given;
        // a classification head too gets its bias and starts at its fit (the logistic one on the training rows): from the
        // mean embedding with no bias it predicted the same class for every row
        if (!head.has("bias")) head.put("bias", recipe.head().bias());
        if (regression && !head.has("standardize")) head.put("standardize", recipe.head().standardize());
        if (!head.has("init")) head.put("init", recipe.head().init().label());
        return t.withValue(copy);
    }

    private static String stem(Path file) {
        if (file == null) return "experiment";
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
