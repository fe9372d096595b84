package tagllm.serve;

import tagllm.data.DatasetException;
import tagllm.data.Row;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.ExampleRenderer;
import tagllm.task.Presets;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link TagService} over one base model and one or more tag sets ({@link TagSetFiles}), each with its own
 * {@link TagPredictor}: the same prompts, forward passes and heads as the CLI and Java API. The sets share the
 * model's weights and one {@link tagllm.model.Transformer}; a request picks a set with {@code tag_set} (optional
 * when only one set serves its task). Inputs are checked and rendered on the caller's thread; model work takes
 * turns through a {@link ComputeGate}. Regression and classification inputs of concurrent requests for the same set
 * and task share forward passes, in slices of 256 between which a cancelled request stops ({@link PredictBatcher}); sets are never batched together.
 */
public final class PredictorService implements TagService, AutoCloseable {
    private final String modelName;
    private final String fingerprint;
    private final ComputeGate gate;
    private final Duration busyTimeout;
    private final PredictBatcher batcher;
    private final int longestToken;
    private volatile java.util.function.ObjIntConsumer<String> batchSizes = (set, n) -> { };
    private final Map<String, ServedTagSet> sets = new LinkedHashMap<>(); // by lower-case name
    private final Map<TagPredictor, String> setOf = new java.util.IdentityHashMap<>();
    private volatile boolean closed;

    /** One unnamed set (named "tags"): the predictor's tags. */
    public PredictorService(TagPredictor predictor, String modelName, String fingerprint, Duration busyTimeout) {
        this(Map.of("tags", predictor), List.of(), modelName, fingerprint, busyTimeout);
    }

    /**
     * @param predictors tag set name -> predictor (in the order to list them); the predictors should share one
     *                   Transformer, so that the weights are in memory once (it is safe for concurrent calls; model
     *                   work takes turns anyway, see {@link ComputeGate})
     * @param files      per set, in the same order, the files it was read from (may be empty: not listed)
     */
    public PredictorService(Map<String, TagPredictor> predictors, List<List<String>> files, String modelName, String fingerprint,
                            Duration busyTimeout) {
        if (predictors.isEmpty()) throw new IllegalArgumentException("no tag set");
        this.modelName = modelName;
        this.fingerprint = fingerprint;
        this.gate = new ComputeGate(busyTimeout);
        this.busyTimeout = busyTimeout;
        this.batcher = new PredictBatcher(gate, (predictor, n) -> batchSizes.accept(setOf.get(predictor), n));
        int i = 0;
        for (var e : predictors.entrySet()) {
            List<String> from = i < files.size() ? files.get(i) : List.of();
            i++;
            ServedTagSet s = new ServedTagSet(e.getKey(), from, e.getValue());
            if (sets.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), s) != null) {
                throw new IllegalArgumentException("two tag sets are named '" + e.getKey() + "' (names are case-insensitive)");
            }
            setOf.put(e.getValue(), e.getKey());
        }
        this.longestToken = longestToken(predictors.values().iterator().next().tokenizer());
    }

    /**
     * Loads the model (folder or Hub id) and the tag sets the paths name: each file is one set, each folder one set
     * per tag file in it ({@link TagSetFiles}); tags of another model are refused, naming the file.
     */
    public static PredictorService load(String modelFolderOrHubId, List<Path> tagFiles, Duration busyTimeout) throws IOException {
        return load(Model.load(modelFolderOrHubId), tagFiles, busyTimeout);
    }

    /** The same for a model already loaded (e.g. one computing in BF16). */
    public static PredictorService load(Model model, List<Path> tagFiles, Duration busyTimeout) throws IOException {
        return loadSets(model, TagSetFiles.resolve(tagFiles.stream().map(Path::toString).toList()), busyTimeout);
    }

    /** One base model with several tag sets, each checked against the model's fingerprint (the error names the file). */
    public static PredictorService loadSets(Model model, List<TagSetFiles> tagSets, Duration busyTimeout) throws IOException {
        return loadSets(model, tagSets, busyTimeout, tagllm.tokenizer.TokenizerIdentity::of);
    }

    /** As above, the model's tokenizer identified by {@code identify} (package-private: a test counts the calls). */
    static PredictorService loadSets(Model model, List<TagSetFiles> tagSets, Duration busyTimeout,
                                     java.util.function.Function<tagllm.tokenizer.Tokenizer, tagllm.tokenizer.TokenizerIdentity> identify) throws IOException {
        if (tagSets.isEmpty()) throw new IllegalArgumentException("give at least one tag file");
        Transformer t = new Transformer(model.weights()); // one model for every set
        var tok = model.tokenizer();
        // hashing tokenizer.json (megabytes for a real model) once for the model, not again for every tag set
        tagllm.tokenizer.TokenizerIdentity tokenizer = identify.apply(tok);
        Map<String, TagPredictor> predictors = new LinkedHashMap<>();
        List<List<String>> files = new ArrayList<>();
        for (TagSetFiles s : tagSets) {
            TagSet tags = readTags(model, tokenizer, s.files());
            // the model's end-of-sequence ids, as TagPredictor.open (tagllm predict) and transformers' generate() stop:
            // the tokenizer's eos_token is already among them when generation_config.json names none
            predictors.put(s.name(), new TagPredictor(t, tok, tags, model.generation()::isEos));
            files.add(s.files().stream().map(Path::toString).toList());
        }
        return new PredictorService(predictors, files, model.name(), model.fingerprint(), busyTimeout);
    }

    /** The files of one set merged in order (domain tags of one run composed with a function tag of another). */
    private static TagSet readTags(Model model, tagllm.tokenizer.TokenizerIdentity tokenizer, List<Path> tagFiles) throws IOException {
        TagSet merged = null;
        for (Path f : tagFiles) {
            TagSet s = TagFile.read(f);
            s.requireModel(model.fingerprint(), model.name(), f.toString());
            s.requireTokenizer(tokenizer, model.name(), f.toString());
            if (merged == null) merged = s;
            else merged.merge(s, f.toString());
        }
        merged.bindModel(model.name(), model.fingerprint());
        return merged;
    }

    /** The predictor of the only tag set, or of the first one. */
    public TagPredictor predictor() { return sets.values().iterator().next().predictor(); }

    /** The predictor of a loaded tag set; 400 naming the loaded sets when there is none of that name. */
    public TagPredictor predictor(String tagSet) { return set(tagSet).predictor(); }

    /** The turn-taking on the model (tests hold it to keep requests waiting). */
    ComputeGate gate() { return gate; }

    /**
     * Stops the model thread; requests still waiting get 503, and so does every later predict, classify or generate
     * (503 "the server is shutting down"), not only predict, whose batcher is gone.
     */
    @Override
    public void close() {
        closed = true;
        batcher.close();
    }

    private void refuseWhenClosed() {
        if (closed) throw new ApiException(503, Cancellation.SHUTTING_DOWN);
    }

    /** Tasks stored in the tag files that cannot be served, with the reason (for the startup message); "set: task" with several sets. */
    public Map<String, String> notServed() {
        Map<String, String> out = new LinkedHashMap<>();
        for (ServedTagSet s : sets.values()) {
            s.notServed().forEach((task, why) -> out.put(sets.size() == 1 ? task : s.name() + ": " + task, why));
        }
        return out;
    }

    @Override
    public String modelName() { return modelName; }

    @Override
    public String modelFingerprint() { return fingerprint; }

    @Override
    public List<TaskInfo> tasks() {
        List<TaskInfo> out = new ArrayList<>();
        for (ServedTagSet s : sets.values()) out.addAll(s.tasks());
        return out;
    }

    @Override
    public List<TagSetInfo> tagSets() { return sets.values().stream().map(ServedTagSet::info).toList(); }

    @Override
    public TaskInfo task(String name) { return task(null, name); }

    @Override
    public TaskInfo task(String tagSet, String name) {
        if (tagSet != null) {
            ServedTagSet s = set(tagSet);
            if (name == null || name.isBlank()) throw ApiException.badRequest("task: missing (tag set " + s.name() + " serves: " + names(s.tasks()) + ")");
            TaskInfo info = s.find(name);
            if (info != null) return info;
            var why = s.whyNotServed(name);
            if (why != null) throw ApiException.badRequest("task '" + why.getKey() + "' of tag set " + s.name() + " is not served: " + why.getValue());
            throw ApiException.badRequest("unknown task '" + name + "' in tag set " + s.name() + " (it serves: " + names(s.tasks()) + ")");
        }
        if (name == null || name.isBlank()) throw ApiException.badRequest("task: missing (served tasks: " + servedNames() + ")");
        // the exact name first, across all sets (as each set prefers it): another set's tasks equal to it only ignoring
        // case neither answer for it nor make it ambiguous
        List<TaskInfo> found = new ArrayList<>();
        for (ServedTagSet s : sets.values()) {
            TaskInfo info = s.findExact(name);
            if (info != null) found.add(info);
        }
        if (found.isEmpty()) {
            for (ServedTagSet s : sets.values()) {
                TaskInfo info = s.find(name);
                if (info != null) found.add(info);
            }
        }
        if (found.size() == 1) return found.getFirst();
        if (found.size() > 1) {
            throw ApiException.badRequest("task '" + found.getFirst().name() + "' is served by several tag sets ("
                    + String.join(", ", found.stream().map(TaskInfo::tagSet).toList()) + "): say which with \"tag_set\"");
        }
        for (ServedTagSet s : sets.values()) {
            var why = s.whyNotServed(name);
            if (why != null) {
                throw ApiException.badRequest("task '" + why.getKey() + "' is not served" + (sets.size() > 1 ? " (tag set " + s.name() + ")" : "")
                        + ": " + why.getValue());
            }
        }
        throw ApiException.badRequest("unknown task '" + name + "' (served tasks: " + servedNames() + ")");
    }

    private ServedTagSet set(String tagSet) {
        ServedTagSet s = tagSet == null ? null : sets.get(tagSet.toLowerCase(Locale.ROOT));
        if (s == null) {
            throw new ApiException(404, "tag_set: no tag set '" + tagSet + "' is loaded (loaded: "
                    + String.join(", ", sets.values().stream().map(ServedTagSet::name).toList())
                    + "; tag files are read once, at start: restart the server to serve a new or changed file)");
        }
        return s;
    }

    /** The set a task found by {@link #task(String, String)} belongs to. */
    private ServedTagSet setOf(TaskInfo info) {
        // a Java caller's null, named as the HTTP API names a missing "task", not a NullPointerException
        if (info == null) throw ApiException.badRequest("task: null; give one of service.tasks() or service.task(name) (served tasks: " + servedNames() + ")");
        return info.tagSet() != null ? set(info.tagSet()) : set(task(info.name()).tagSet());
    }

    /**
     * Refuses, before tokenizing, text that cannot fit: no token covers more than the longest vocabulary entry, so
     * text longer than (limit x longest entry x 4, a margin for normalisation) is too long whatever its tokens.
     * Tokenizing megabytes only to find that out would hold a thread and memory for seconds.
     */
    private void refuseHopelesslyLong(Map<String, String> input, String where, ExampleRenderer renderer) {
        long chars = 0;
        for (String v : input.values()) chars += v.length();
        long most = 4L * renderer.limit() * longestToken;
        if (chars > most) {
            throw ApiException.badRequest(where + ": too long: " + chars + " characters, more than the limit of "
                    + renderer.limit() + " positions (" + renderer.limitSource() + ") can hold (at most about " + most + " characters)");
        }
    }

    private static int longestToken(tagllm.tokenizer.Tokenizer tok) {
        int longest = 1;
        for (int id = 0; id < tok.vocabSize(); id++) {
            String t = tok.token(id);
            if (t != null) longest = Math.max(longest, t.length());
        }
        return longest;
    }

    private String servedNames() {
        List<TaskInfo> all = tasks();
        if (all.isEmpty()) return "none";
        if (sets.size() == 1) return names(all);
        return String.join(", ", all.stream().map(t -> t.name() + " [tag_set " + t.tagSet() + "]").toList());
    }

    private static String names(List<TaskInfo> tasks) {
        return tasks.isEmpty() ? "none" : String.join(", ", tasks.stream().map(TaskInfo::name).toList());
    }

    @Override
    public Predictions predict(String task, List<Map<String, String>> inputs) { return predict(task(task), inputs); }

    @Override
    public Predictions predict(TaskInfo info, List<Map<String, String>> inputs) { return predict(info, inputs, new Cancellation()); }

    @Override
    public Predictions predict(TaskInfo info, List<Map<String, String>> inputs, Cancellation cancel) {
        refuseWhenClosed();
        ServedTagSet set = setOf(info);
        if (info.type() != TaskType.REGRESSION) throw wrongCall(info);
        TaskSpec spec = set.spec(info);
        double[][] rows = runBatched(set, spec, prompts(set, info, spec, inputs), cancel);
        double[] values = new double[rows.length];
        for (int i = 0; i < values.length; i++) values[i] = rows[i][0];
        return new Predictions(info.name(), values);
    }

    /**
     * Runs prompts on the model thread ({@link PredictBatcher}), shared with other requests of the same set and task,
     * in slices of 256 between which a request whose client has gone stops; the rows of the task's outputs.
     */
    private double[][] runBatched(ServedTagSet set, TaskSpec spec, List<Sequence> prompts, Cancellation cancel) {
        long deadline = System.nanoTime() + busyTimeout.toNanos();
        var future = batcher.submitRows(set.predictor(), spec, prompts, deadline, cancel);
        cancel.onCancel(() -> future.cancel(false)); // the batcher skips a cancelled job
        try {
            // the batcher answers every job (503 past the deadline); the extra wait covers the pass itself
            return future.get(busyTimeout.toMillis() + 600_000, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.CancellationException e) {
            cancel.check();
            throw e;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            future.cancel(false);
            throw new ApiException(503, "server busy: no model result within the deadline; try again later");
        } catch (InterruptedException e) {
            future.cancel(false);
            Thread.currentThread().interrupt();
            throw new ApiException(503, "the server is shutting down");
        }
    }

    /**
     * A task given to the call of another kind: 400 naming the call that takes it and its endpoint (classification
     * answers on /v1/predict, so only a Java caller reaches predict or generate with one).
     */
    private static ApiException wrongCall(TaskInfo info) {
        String fits = switch (info.type()) {
            case REGRESSION -> "use predict (POST /v1/predict)";
            case CLASSIFICATION -> "use classify (POST /v1/predict)";
            case TEXT -> "use generate (POST /v1/generate)";
            case LANGUAGE_MODEL -> "it trains a domain tag and has no output to serve";
        };
        return ApiException.badRequest("task " + info.name() + " is a " + info.kind() + " task: " + fits);
    }

    /** (tag set, prompts) of every shared forward batch: for /metrics. */
    void onBatch(java.util.function.ObjIntConsumer<String> sizes) { this.batchSizes = sizes; }

    @Override
    public Classifications classify(String task, List<Map<String, String>> inputs) { return classify(task(task), inputs); }

    @Override
    public Classifications classify(TaskInfo info, List<Map<String, String>> inputs) { return classify(info, inputs, new Cancellation()); }

    @Override
    public Classifications classify(TaskInfo info, List<Map<String, String>> inputs, Cancellation cancel) {
        refuseWhenClosed();
        ServedTagSet set = setOf(info);
        if (info.type() != TaskType.CLASSIFICATION) throw wrongCall(info);
        TaskSpec spec = set.spec(info);
        // batched and sliced as regression is: a client that hangs up on many inputs frees the model after the slice running
        double[][] p = runBatched(set, spec, prompts(set, info, spec, inputs), cancel);
        List<String> labels = new ArrayList<>(p.length);
        for (double[] row : p) labels.add(spec.classes().predicted(row));
        return new Classifications(info.name(), spec.classes().classes(), p, labels);
    }

    @Override
    public Generations generate(String task, List<Map<String, String>> inputs, int maxTokens) {
        TaskInfo info = task(task);
        if (info.type() != TaskType.TEXT) throw wrongCall(info);
        return generate(task, inputs, Decoding.greedy(maxTokens), null);
    }

    @Override
    public Generations generate(String task, List<Map<String, String>> inputs, Decoding decoding,
                                java.util.function.BiConsumer<Integer, String> onText) {
        return generate(task(task), inputs, decoding, onText);
    }

    @Override
    public Generations generate(TaskInfo info, List<Map<String, String>> inputs, Decoding decoding,
                                java.util.function.BiConsumer<Integer, String> onText) {
        return generate(info, inputs, decoding, onText, new Cancellation());
    }

    /** Stops between inputs and between tokens once {@code cancel} is set (499), so a gone client frees the model. */
    @Override
    public Generations generate(TaskInfo info, List<Map<String, String>> inputs, Decoding decoding,
                                java.util.function.BiConsumer<Integer, String> onText, Cancellation cancel) {
        refuseWhenClosed();
        ServedTagSet set = setOf(info);
        if (info.type() != TaskType.TEXT) throw wrongCall(info);
        if (decoding == null) throw ApiException.badRequest("decoding: null; give Decoding.greedy(maxTokens) or a Decoding.builder(maxTokens)");
        TaskSpec spec = set.spec(info);
        List<Sequence> prompts = prompts(set, info, spec, inputs);
        List<String> texts = new ArrayList<>(prompts.size());
        List<tagllm.task.TagPredictor.StopReason> reasons = new ArrayList<>(prompts.size());
        // One turn per input, so a long request does not hold the model while shorter ones wait. Each input has
        // its own sampler seeded from the request's seed and its index: an input's text does not depend on the others.
        for (int i = 0; i < prompts.size(); i++) {
            Sequence p = prompts.get(i);
            tagllm.model.Sampler sampler = new tagllm.model.Sampler(decoding.temperature(), decoding.topK(), decoding.topP(),
                    decoding.seed() + i);
            int index = i;
            java.util.function.Consumer<String> sink = onText == null ? null : piece -> onText.accept(index, piece);
            tagllm.task.TagPredictor.Generation g = gate.run(cancel, () -> {
                return set.predictor().generation(p, decoding.maxTokens(), sampler, sink, cancel::isCancelled);
            });
            cancel.check(); // a text cut short by the cancellation (StopReason.STOPPED) is not an answer
            texts.add(g.text());
            reasons.add(g.stopReason());
        }
        return new Generations(info.name(), texts, reasons);
    }

    private List<Sequence> prompts(ServedTagSet set, TaskInfo info, TaskSpec spec, List<Map<String, String>> inputs) {
        // the Java API's callers get the field named, as TagPredictor does, rather than a bare NullPointerException
        if (inputs == null) throw ApiException.badRequest("inputs: null; give a list of objects with " + info.describeFields());
        if (inputs.isEmpty()) throw ApiException.badRequest("inputs: empty; give at least one object with " + info.describeFields());
        ExampleRenderer renderer = set.predictor().renderer(spec);
        List<Sequence> out = new ArrayList<>(inputs.size());
        // Every input is checked, not only up to the first refused one: a request is answered whole or refused, and
        // its refusal gives the reason of each input refused, so that one resend without them succeeds.
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            try {
                out.add(prompt(info, renderer, inputs.get(i), "inputs[" + i + "]"));
            } catch (ApiException e) {
                if (e.status() != 400) throw e;
                refused.add(e.getMessage());
            }
        }
        if (!refused.isEmpty()) throw RequestBodies.refusedInputs(refused, inputs.size());
        return out;
    }

    private Sequence prompt(TaskInfo info, ExampleRenderer renderer, Map<String, String> input, String where) {
        if (input == null) throw ApiException.badRequest(where + ": null; expected an object with " + info.describeFields());
        info.requireFields(input, where);
        refuseHopelesslyLong(input, where, renderer);
        Row row = Row.of(where, 1, input);
        try {
            renderer.check(row);
        } catch (DatasetException e) {
            throw ApiException.badRequest(where + "." + e.reason()); // the reason starts with the field
        }
        try {
            return renderer.prompt(row).sequence();
        } catch (DatasetException e) {
            throw ApiException.badRequest(where + ": " + e.reason());
        }
    }
}
