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
import tagllm.task.InputCheck;
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
 * {@link TagService} over a {@link TagPredictor}: the same prompts, forward passes and heads as the CLI and
 * Java API. Inputs are checked and rendered on the caller's thread; model work takes turns through a
 * {@link ComputeGate}. Regression inputs of concurrent requests share forward passes ({@link PredictBatcher}).
 */
public final class PredictorService implements TagService, AutoCloseable {
    /** The paper's fixed regression tasks, offered when the tag files hold their tags and head. */
    private static final List<String> REGRESSION_PRESETS = List.of("Descriptor", "QED", "DC", "BA");

    private final TagPredictor predictor;
    private final String modelName;
    private final String fingerprint;
    private final ComputeGate gate;
    private final Duration busyTimeout;
    private final PredictBatcher batcher;
    private final int longestToken;
    private volatile java.util.function.IntConsumer batchSizes = n -> { };
    private final Map<String, TaskSpec> specs = new LinkedHashMap<>();
    private final Map<String, TaskInfo> byLowerName = new LinkedHashMap<>();
    private final List<TaskInfo> tasks = new ArrayList<>();
    private final Map<String, String> notServed = new LinkedHashMap<>();

    public PredictorService(TagPredictor predictor, String modelName, String fingerprint, Duration busyTimeout) {
        this.predictor = predictor;
        this.modelName = modelName;
        this.fingerprint = fingerprint;
        this.gate = new ComputeGate(busyTimeout);
        this.busyTimeout = busyTimeout;
        this.batcher = new PredictBatcher(gate, n -> batchSizes.accept(n));
        this.longestToken = longestToken(predictor.tokenizer());
        for (String name : predictor.taskNames()) {
            try {
                TaskSpec t = predictor.task(name);
                if (t.type() == TaskType.LANGUAGE_MODEL) {
                    notServed.put(name, "a language-model (stage-1 domain text) task; the API runs regression and text tasks");
                    continue;
                }
                predictor.requireReady(t);
                add(t, "tag file");
            } catch (IllegalArgumentException e) {
                notServed.put(name, e.getMessage());
            }
        }
        for (String name : REGRESSION_PRESETS) offerPreset(name);
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

    /** Loads the model (folder or Hub id) and the tag files, composed in order; refuses tags of another model. */
    public static PredictorService load(String modelFolderOrHubId, List<Path> tagFiles, Duration busyTimeout) throws IOException {
        return load(Model.load(modelFolderOrHubId), tagFiles, busyTimeout);
    }

    /** The same for a model already loaded (e.g. one computing in BF16). */
    public static PredictorService load(Model model, List<Path> tagFiles, Duration busyTimeout) throws IOException {
        TagSet tags = readTags(model, tagFiles);
        Transformer t = new Transformer(model.weights());
        var tok = model.tokenizer();
        TagPredictor p = new TagPredictor(t, tok, tags, id -> model.generation().isEos(id) || id == tok.eosId());
        return new PredictorService(p, model.name(), model.fingerprint(), busyTimeout);
    }

    /** The tag files merged in order (domain tags of one run composed with a function tag of another). */
    public static TagSet readTags(Model model, List<Path> tagFiles) throws IOException {
        if (tagFiles.isEmpty()) throw new IllegalArgumentException("give at least one tag file");
        TagSet merged = null;
        for (Path f : tagFiles) {
            TagSet s = TagFile.read(f);
            s.requireModel(model.fingerprint(), model.name(), f.toString());
            if (merged == null) merged = s;
            else merged.merge(s, f.toString());
        }
        merged.bindModel(model.name(), model.fingerprint());
        return merged;
    }

    private static boolean isDomainTag(TagSet tags, String bare) {
        Tag t = tags.get(bare);
        return t != null && t.kind() == TagKind.DOMAIN;
    }

    private void offerPreset(String name) {
        if (byLowerName.containsKey(name.toLowerCase(Locale.ROOT))) return;
        TaskSpec t = Presets.get(name, "preset");
        try {
            predictor.requireReady(t);
        } catch (IllegalArgumentException e) {
            return; // the tag files are not for this task: nothing to report
        }
        add(t, "preset");
    }

    private void add(TaskSpec t, String source) {
        TaskInfo info = TaskInfo.of(t, source);
        specs.put(t.name(), t);
        byLowerName.put(t.name().toLowerCase(Locale.ROOT), info);
        tasks.add(info);
    }

    public TagPredictor predictor() { return predictor; }

    /** Stops the model thread; requests still waiting get 503. */
    @Override
    public void close() { batcher.close(); }

    /** Tasks stored in the tag files that cannot be served, with the reason (for the startup message). */
    public Map<String, String> notServed() { return Map.copyOf(notServed); }

    @Override
    public String modelName() { return modelName; }

    @Override
    public String modelFingerprint() { return fingerprint; }

    @Override
    public List<TaskInfo> tasks() { return List.copyOf(tasks); }

    @Override
    public TaskInfo task(String name) {
        if (name == null || name.isBlank()) throw ApiException.badRequest("task: missing (served tasks: " + servedNames() + ")");
        TaskInfo info = byLowerName.get(name.trim().toLowerCase(Locale.ROOT));
        if (info != null) return info;
        for (var e : notServed.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name.trim())) {
                throw ApiException.badRequest("task '" + e.getKey() + "' is not served: " + e.getValue());
            }
        }
        throw ApiException.badRequest("unknown task '" + name + "' (served tasks: " + servedNames() + ")");
    }

    /**
     * Refuses, before tokenizing, text that cannot fit: no token covers more than the longest vocabulary entry, so
     * text longer than (limit x longest entry x 4, a margin for normalisation) is too long whatever its tokens.
     * Tokenizing megabytes only to find that out would hold a thread and memory for seconds.
     */
    private void refuseHopelesslyLong(Map<String, String> input, String where, int limit) {
        long chars = 0;
        for (String v : input.values()) chars += v.length();
        long most = 4L * limit * longestToken;
        if (chars > most) {
            throw ApiException.badRequest(where + ": too long: " + chars + " characters, more than the " + limit
                    + " positions of the model's context can hold (at most about " + most + " characters)");
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

    private String servedNames() { return tasks.isEmpty() ? "none" : String.join(", ", tasks.stream().map(TaskInfo::name).toList()); }

    @Override
    public Predictions predict(String task, List<Map<String, String>> inputs) {
        TaskInfo info = task(task);
        if (info.type() != TaskType.REGRESSION) {
            throw ApiException.badRequest("task " + info.name() + " is a " + info.kind() + " task: use generate (POST /v1/generate)");
        }
        TaskSpec spec = specs.get(info.name());
        List<Sequence> prompts = prompts(info, spec, inputs);
        long deadline = System.nanoTime() + busyTimeout.toNanos();
        var future = batcher.submit(predictor, spec, prompts, deadline);
        try {
            // the batcher answers every job (503 past the deadline); the extra wait covers the pass itself
            return new Predictions(info.name(), future.get(busyTimeout.toMillis() + 600_000, java.util.concurrent.TimeUnit.MILLISECONDS));
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

    /** Prompts (regression inputs) in forward passes so far, and the passes: for /metrics. */
    void onBatch(java.util.function.IntConsumer sizes) { this.batchSizes = sizes; }

    @Override
    public Classifications classify(String task, List<Map<String, String>> inputs) {
        TaskInfo info = task(task);
        if (info.type() != TaskType.CLASSIFICATION) throw ApiException.badRequest("task " + info.name() + " is a " + info.kind() + " task, not a classification task");
        TaskSpec spec = specs.get(info.name());
        List<Sequence> prompts = prompts(info, spec, inputs);
        double[][] p = gate.run(() -> predictor.classProbabilities(spec, prompts));
        List<String> labels = new ArrayList<>(p.length);
        for (double[] row : p) labels.add(spec.classes().predicted(row));
        return new Classifications(info.name(), spec.classes().classes(), p, labels);
    }

    @Override
    public Generations generate(String task, List<Map<String, String>> inputs, int maxTokens) {
        TaskInfo info = task(task);
        if (info.type() != TaskType.TEXT) {
            throw ApiException.badRequest("task " + info.name() + " is a " + info.kind() + " task: use predict (POST /v1/predict)");
        }
        return generate(task, inputs, Decoding.greedy(maxTokens), null);
    }

    @Override
    public Generations generate(String task, List<Map<String, String>> inputs, Decoding decoding,
                                java.util.function.BiConsumer<Integer, String> onText) {
        TaskInfo info = task(task);
        if (info.type() != TaskType.TEXT) {
            throw ApiException.badRequest("task " + info.name() + " is a " + info.kind() + " task: use predict (POST /v1/predict)");
        }
        if (decoding.maxTokens() < 1) throw ApiException.badRequest("max_tokens: must be at least 1, got " + decoding.maxTokens());
        validateSampling(decoding);
        TaskSpec spec = specs.get(info.name());
        List<Sequence> prompts = prompts(info, spec, inputs);
        List<String> texts = new ArrayList<>(prompts.size());
        // One turn per input, so a long request does not hold the model while shorter ones wait. Each input has
        // its own sampler seeded from the request's seed and its index: an input's text does not depend on the others.
        for (int i = 0; i < prompts.size(); i++) {
            Sequence p = prompts.get(i);
            tagllm.model.Sampler sampler = new tagllm.model.Sampler(decoding.temperature(), decoding.topK(), decoding.topP(),
                    decoding.seed() + i);
            int index = i;
            java.util.function.Consumer<String> sink = onText == null ? null : piece -> onText.accept(index, piece);
            texts.add(gate.run(() -> predictor.generate(p, decoding.maxTokens(), sampler, sink)));
        }
        return new Generations(info.name(), texts);
    }

    /** Refusals of sampling settings the sampler would refuse, as 400s naming the field. */
    private static void validateSampling(Decoding d) {
        {
            if (!(d.temperature() >= 0) || d.temperature() > 100) {
                throw ApiException.badRequest("temperature: expected a number 0..100 (0 = greedy), got " + d.temperature());
            }
            if (d.topK() < 0) throw ApiException.badRequest("top_k: expected an integer >= 0 (0 = no limit), got " + d.topK());
            if (!(d.topP() > 0 && d.topP() <= 1)) throw ApiException.badRequest("top_p: expected a number in (0, 1], got " + d.topP());
        }
    }

    private List<Sequence> prompts(TaskInfo info, TaskSpec spec, List<Map<String, String>> inputs) {
        if (inputs.isEmpty()) throw ApiException.badRequest("inputs: empty; give at least one object with " + info.describeFields());
        ExampleRenderer renderer = predictor.renderer(spec);
        InputCheck check = InputCheck.of(spec);
        List<Sequence> out = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            String where = "inputs[" + i + "]";
            Map<String, String> input = inputs.get(i);
            info.requireFields(input, where);
            refuseHopelesslyLong(input, where, renderer.limit());
            Row row = Row.of(where, 1, input);
            try {
                check.check(row);
            } catch (DatasetException e) {
                throw ApiException.badRequest(where + "." + e.reason()); // the reason starts with the field
            }
            try {
                out.add(renderer.prompt(row).sequence());
            } catch (DatasetException e) {
                throw ApiException.badRequest(where + ": " + e.reason());
            }
        }
        return out;
    }
}
