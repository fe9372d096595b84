package tagllm.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.head.HeadInit;
import tagllm.head.RegressionHead;
import tagllm.head.Ridge;
import tagllm.model.Transformer;
import tagllm.tag.FunctionInit;
import tagllm.tag.Sequence;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.task.DataSpec;
import tagllm.task.Evaluator;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;
import tagllm.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs an experiment's stages in order. Each stage creates the tags it needs (the paper's init), renders
 * its tasks' training rows, trains, and writes OUTPUT/STAGE.tags.safetensors; the next stage starts from
 * it. The last stage's file is also written as OUTPUT/final.tags.safetensors. With resume, finished stages
 * are read back and a stage with a checkpoint continues from it.
 */
public final class ExperimentRunner {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads a task's rows of one split ("train", "valid", "test"). */
    @FunctionalInterface
    public interface RowLoader {
        List<Row> load(DataSpec spec, String split) throws IOException;
    }

    private final Transformer model;
    private final Tokenizer tokenizer;
    private final String modelName;
    private final String fingerprint;
    private final RowLoader rows;
    private final Progress progress;
    private final boolean strict;
    private int stopAfter;
    private GradientEngine engine;

    public ExperimentRunner(Transformer model, Tokenizer tokenizer, String modelName, String fingerprint, RowLoader rows,
                            Progress progress, boolean strict) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.modelName = modelName;
        this.fingerprint = fingerprint;
        this.rows = rows;
        this.progress = progress;
        this.strict = strict;
    }

    /** Stops the run right after this optimizer step of the first unfinished stage (to test kill + resume). */
    public ExperimentRunner stopAfter(int step) {
        this.stopAfter = step;
        return this;
    }

    /** Computes the training steps' gradients through this engine (engine: spark) instead of in this JVM. */
    public ExperimentRunner engine(GradientEngine engine) {
        this.engine = engine;
        return this;
    }

    public record Outcome(TagSet tags, Path finalFile, boolean stopped, List<ObjectNode> stageSummaries) {}

    public static Path stageFile(Path output, String stage) { return output.resolve(stage + ".tags.safetensors"); }

    public static Path checkpointFile(Path output, String stage) { return output.resolve(stage + ".checkpoint.safetensors"); }

    public static Path finalFile(Path output) { return output.resolve("final.tags.safetensors"); }

    public Outcome run(Experiment exp, boolean resume, boolean force) throws IOException {
        Path out = exp.output();
        Path metrics = out.resolve("metrics.jsonl");
        if (!resume && !force) {
            // any run's files, not only this experiment's stage names: another run's final tags and metrics must survive
            List<String> existing = RunManifest.runFiles(out);
            if (!existing.isEmpty()) {
                throw new IllegalArgumentException("output folder " + out + " already holds a run (" + String.join(", ", existing)
                        + "); use --resume to continue it, --force to start over, or another -o");
            }
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new IOException("cannot create the output folder " + out + ": " + e.getMessage(), e);
        }
        ObjectNode settings = RunManifest.settings(exp, fingerprint);
        if (resume) RunManifest.resume(out, settings, force);
        if (force && !resume) {
            for (StageSpec s : exp.stages()) {
                Files.deleteIfExists(stageFile(out, s.name()));
                Files.deleteIfExists(checkpointFile(out, s.name()));
            }
        }
        if (!resume) RunManifest.start(out, settings);
        exp = ClassificationHeads.resolveClasses(exp, rows);
        TagSet tags = new TagSet(modelName, fingerprint);
        for (Path init : exp.init()) {
            TagSet t = TagFile.read(init);
            t.requireModel(fingerprint, modelName, init.toString());
            tags.merge(t, init.toString());
        }
        tags.bindModel(modelName, fingerprint);
        List<ObjectNode> summaries = new ArrayList<>();
        try (MetricsLog log = new MetricsLog(metrics)) {
            if (!resume) log.reset();
            List<String> done = new ArrayList<>();
            for (StageSpec stage : exp.stages()) {
                Path stageOut = stageFile(out, stage.name());
                if (resume && Files.exists(stageOut)) {
                    TagSet saved = TagFile.read(stageOut);
                    saved.requireModel(fingerprint, modelName, stageOut.toString());
                    tags = saved;
                    progress.message("stage " + stage.name() + ": already finished (" + stageOut + ")");
                    done.add(stage.name());
                    continue;
                }
                Path ckpt = checkpointFile(out, stage.name());
                boolean fromCheckpoint = resume && Files.exists(ckpt);
                if (fromCheckpoint) {
                    Checkpoint.State s = Checkpoint.read(ckpt).state();
                    log.truncateAfter(stage.name(), s.step(), done);
                } else if (resume) {
                    log.truncateAfter(stage.name(), 0, done);
                }
                ObjectNode summary = runStage(exp, stage, tags, ckpt, fromCheckpoint, log);
                summaries.add(summary);
                if (summary.path("stopped").asBoolean(false)) return new Outcome(tags, null, true, summaries);
                TagFile.write(tags, stageOut);
                Files.deleteIfExists(ckpt);
                done.add(stage.name());
            }
        }
        Path fin = finalFile(out);
        TagFile.write(tags, fin);
        return new Outcome(tags, fin, false, summaries);
    }

    private ObjectNode runStage(Experiment exp, StageSpec stage, TagSet tags, Path ckpt, boolean resume, MetricsLog log) throws IOException {
        TokenizerEncoder enc = new TokenizerEncoder(tokenizer);
        EmbeddingStatistics embed = new EmbeddingStatistics(model);
        // 1. the tags this stage's tasks use, created as the paper initialises them when new
        Set<String> used = new LinkedHashSet<>();
        for (String tn : stage.tasks()) {
            TaskSpec t = exp.tasks().get(tn);
            for (String name : t.parsedTemplate().tagNames()) {
                used.add(name);
                if (!tags.has(name)) tags.put(newTag(exp, t, name, enc, embed));
            }
        }
        // 2. training examples
        List<Example> train = new ArrayList<>();
        List<String> dataFiles = new ArrayList<>();
        for (String tn : stage.tasks()) {
            TaskSpec t = exp.tasks().get(tn);
            DataSpec ds = exp.data().get(tn);
            dataFiles.add(ds.path().toString());
            List<Example> ex = examples(t, ds, "train", ds.maxTrain(), tags, enc);
            if (ex.isEmpty()) throw new IllegalArgumentException("stage " + stage.name() + ": task " + tn + " has no usable training rows in " + ds.path());
            train.addAll(ex);
            if (t.type() == TaskType.CLASSIFICATION && tags.head(t.headKey()) == null) {
                ClassificationHeads.ensureHead(tags, t, embed.mean());
                if (t.head().init() == HeadInit.RIDGE && !(resume && Files.exists(ckpt))) {
                    var fit = ClassificationHeads.fitLogisticHead(model, tags, t, ex, examples(t, ds, "valid", ds.maxEval(), tags, enc));
                    progress.message("task " + tn + ": head initialised by logistic regression (λ " + fit + ") on " + ex.size() + " rows");
                }
            }
            if (t.type() == TaskType.REGRESSION && tags.head(t.headKey()) == null) {
                ensureHead(tags, t, ex, embed);
                if (t.head().init() == HeadInit.RIDGE && !(resume && Files.exists(ckpt))) {
                    Ridge r = fitRidgeHead(model, tags, t, ex, examples(t, ds, "valid", ds.maxEval(), tags, enc));
                    progress.message("task " + tn + ": head initialised by ridge (λ " + r.lambda() + ") on " + ex.size() + " rows");
                }
            }
        }
        // 3. what trains
        Set<String> trainable = new LinkedHashSet<>();
        if (!stage.train().isEmpty()) {
            for (String n : stage.train()) trainable.add(tags.head(n) != null && !tags.has(n) ? Tag.canonicalName(n) : tags.require(n).name());
        } else {
            for (String n : used) {
                TagKind k = tags.require(n).kind();
                boolean on = switch (stage.stage()) {
                    case 1 -> k == TagKind.DOMAIN;
                    case 2 -> k == TagKind.FUNCTION || stage.enrich();
                    default -> k == TagKind.FUNCTION;
                };
                if (on) trainable.add(n);
            }
            // a task without a function tag trains its head alone (the paper's "without function tags" ablation)
            if (stage.stage() > 1) {
                for (String tn : stage.tasks()) {
                    TaskSpec t = exp.tasks().get(tn);
                    if (t.type().readsHead() && t.functionTag() == null) trainable.add(t.headKey());
                }
            }
        }
        if (stage.stage() == 3) {
            for (String n : trainable) {
                if (tags.has(n) && tags.get(n).kind() == TagKind.DOMAIN) {
                    throw new IllegalArgumentException("stage " + stage.name() + ": stage 3 keeps domain tags frozen, but train: lists " + n);
                }
            }
        }
        progress.message("stage " + stage.name() + " (stage " + stage.stage() + "): " + train.size() + " examples, training "
                + String.join(", ", trainable));
        Trainer trainer = new Trainer(model, progress, log).engine(engine);
        Trainer.Validator validator = stage.hyper().evalEvery() > 0 ? validator(exp, stage, tags, enc, trainable) : null;
        Trainer.Result r = trainer.run(tags, train, trainable,
                new Trainer.Options(stage.name(), stage.hyper(), exp.seed(), stage.enrich(), ckpt, resume, stopAfter, validator));
        ObjectNode summary = JSON.createObjectNode();
        summary.put("stage", stage.name());
        summary.put("steps", r.steps());
        summary.put("total_steps", r.totalSteps());
        summary.put("train_examples", train.size());
        summary.put("final_loss", r.lastLoss());
        if (r.stopped()) {
            summary.put("stopped", true);
            return summary;
        }
        // 4. provenance, the task definitions (so predict renders the same prompts), validation scores
        for (String tn : stage.tasks()) tags.tasks().put(tn, exp.tasks().get(tn).toJson());
        ObjectNode prov = JSON.createObjectNode();
        prov.put("stage", stage.name());
        prov.put("stage_number", stage.stage());
        ArrayNode ts = prov.putArray("tasks");
        stage.tasks().forEach(ts::add);
        ArrayNode df = prov.putArray("data");
        dataFiles.forEach(df::add);
        ArrayNode tr = prov.putArray("trained");
        trainable.forEach(tr::add);
        prov.put("examples", train.size());
        prov.put("steps", r.steps());
        prov.put("seed", exp.seed());
        // Training in BF16 moves results by about a percent (docs/training.md): a tag file says which it was.
        prov.put("compute", model.weights().bf16Compute() ? "bf16" : "f32");
        prov.set("hyper", JSON.valueToTree(stage.hyper()));
        prov.put("time", Instant.now().toString());
        prov.put("tagllm_version", tagllm.util.Version.current());
        tags.provenance().add(prov);
        ObjectNode valid = validate(exp, stage, tags, enc);
        if (valid != null) {
            summary.set("valid", valid);
            ObjectNode rec = log.newRecord();
            rec.put("stage", stage.name());
            rec.put("step", r.steps());
            rec.set("valid", valid);
            log.write(rec);
        }
        return summary;
    }

    /** A new tag: the paper's init, or for a function tag under function_init: prompt, the prompt tokens before it. */
    private Tag newTag(Experiment exp, TaskSpec t, String name, TokenizerEncoder enc, EmbeddingStatistics embed) {
        TagKind kind = t.kindOf(name);
        if (kind == TagKind.FUNCTION && exp.functionInit() == FunctionInit.PROMPT) {
            String before = t.parsedTemplate().textBefore(name);
            int[] ids = before.isEmpty() ? new int[0] : enc.encodePart(before);
            if (ids.length > 0) return TagInit.fromTokens(name, kind, exp.tagLength(kind), model.weights().embedTokens(), ids);
            progress.message("task " + t.name() + ": no template text right before " + name + " to initialise it from; using the mean embedding");
        }
        return TagInit.newTag(name, kind, exp.tagLength(kind), embed.initialVector());
    }

    /**
     * Sets a new head to the ridge fit of its head-space targets on the hidden states at the read position
     * under the current tags; λ is chosen on the valid examples (or, without any, on the last fifth of the
     * training ones), then the head is refitted on all training rows at that λ.
     */
    static Ridge fitRidgeHead(Transformer model, TagSet tags, TaskSpec t, List<Example> train, List<Example> valid) {
        RegressionHead head = tags.head(t.headKey());
        List<Example> fitOn = train, pickOn = valid;
        if (valid.isEmpty()) {
            if (train.size() < 5) throw new IllegalArgumentException("task " + t.name() + ": head init ridge needs a valid split or at least 5 training rows");
            int cut = train.size() - train.size() / 5;
            fitOn = train.subList(0, cut);
            pickOn = train.subList(cut, train.size());
        }
        double[][] xFit = features(model, tags, fitOn), xPick = features(model, tags, pickOn);
        Ridge chosen = Ridge.select(xFit, targets(head, fitOn), xPick, targets(head, pickOn), head.bias() != null);
        Ridge r = fitOn == train ? chosen : Ridge.fit(features(model, tags, train), targets(head, train), chosen.lambda(), head.bias() != null);
        float[] w = head.weight();
        for (int j = 0; j < w.length; j++) w[j] = (float) r.weights()[j];
        if (head.bias() != null) head.bias()[0] = (float) r.intercept();
        return r;
    }

    private static double[][] features(Transformer model, TagSet tags, List<Example> ex) {
        return HiddenStates.at(model, tags, ex.stream().map(Example::sequence).toList(), Sequence::readPosition);
    }

    private static double[] targets(RegressionHead head, List<Example> ex) {
        return ex.stream().mapToDouble(e -> head.toHeadSpace(0, e.label())).toArray();
    }

    /**
     * The stage's validation score for early stopping: the mean over its regression tasks of the head-space
     * MSE on the valid split (standardised heads make the tasks comparable), and per trained function tag
     * (the mean over its tasks) when the trained tags are independent: every trained tag is a scored task's
     * function tag and no scored task uses another trained tag. Null when no task can be scored.
     */
    private Trainer.Validator validator(Experiment exp, StageSpec stage, TagSet tags, TokenizerEncoder enc, Set<String> trainable) throws IOException {
        List<TaskSpec> tasks = new ArrayList<>();
        List<List<Example>> sets = new ArrayList<>();
        for (String tn : stage.tasks()) {
            TaskSpec t = exp.tasks().get(tn);
            if (!t.type().readsHead()) continue;
            List<Example> ex = examples(t, exp.data().get(tn), "valid", exp.data().get(tn).maxEval(), tags, enc);
            if (ex.isEmpty()) continue;
            tasks.add(t);
            sets.add(ex);
        }
        if (tasks.isEmpty()) {
            progress.message("stage " + stage.name() + ": eval_every is set but no regression or classification task has valid rows; training without it");
            return null;
        }
        boolean independent = true;
        Set<String> scoredTags = new LinkedHashSet<>();
        for (TaskSpec t : tasks) {
            scoredTags.add(t.headKey());
            for (String n : t.parsedTemplate().tagNames()) if (trainable.contains(n) && !n.equals(t.headKey())) independent = false;
        }
        boolean byTag = independent && scoredTags.equals(trainable);
        return current -> {
            TagPredictor p = new TagPredictor(model, tokenizer, current, id -> id == tokenizer.eosId());
            double sum = 0;
            Map<String, double[]> perTag = new LinkedHashMap<>();
            for (int k = 0; k < tasks.size(); k++) {
                if (tasks.get(k).type() == TaskType.CLASSIFICATION) {
                    // a classification task scores 1 − AUROC (lower is better, like the head-space MSE)
                    double loss = ClassificationHeads.validationScore(p, tasks.get(k), sets.get(k));
                    sum += loss;
                    double[] acc = perTag.computeIfAbsent(tasks.get(k).headKey(), n -> new double[2]);
                    acc[0] += loss;
                    acc[1]++;
                    continue;
                }
                RegressionHead head = current.head(tasks.get(k).headKey());
                double[] pred = p.predictValues(tasks.get(k), sets.get(k).stream().map(Example::sequence).toList());
                double se = 0;
                for (int i = 0; i < pred.length; i++) {
                    double diff = head.toHeadSpace(0, pred[i]) - head.toHeadSpace(0, sets.get(k).get(i).label());
                    se += diff * diff;
                }
                sum += se / pred.length;
                double[] acc = perTag.computeIfAbsent(tasks.get(k).headKey(), n -> new double[2]);
                acc[0] += se / pred.length;
                acc[1]++;
            }
            Map<String, Double> scores = new LinkedHashMap<>();
            if (byTag) perTag.forEach((n, acc) -> scores.put(n, acc[0] / acc[1]));
            return new Trainer.Score(sum / tasks.size(), scores);
        };
    }

    /** Scores on the valid split (capped by max_eval) when the data has one; null otherwise. */
    private ObjectNode validate(Experiment exp, StageSpec stage, TagSet tags, TokenizerEncoder enc) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        for (String tn : stage.tasks()) {
            TaskSpec t = exp.tasks().get(tn);
            DataSpec ds = exp.data().get(tn);
            List<Example> ex = examples(t, ds, "valid", ds.maxEval(), tags, enc);
            if (ex.isEmpty()) continue;
            switch (t.type()) {
                case LANGUAGE_MODEL -> out.putObject(tn).put("next_token_loss", Evaluator.languageModelLoss(model, tags, ex)).put("n", ex.size());
                case REGRESSION -> {
                    TagPredictor p = new TagPredictor(model, tokenizer, tags, id -> id == tokenizer.eosId());
                    var m = Evaluator.regression(p, t, ex).metrics();
                    out.putObject(tn).put("mse", m.mse()).put("mae", m.mae()).put("pearson", m.pearson()).put("n", m.n());
                }
                case TEXT -> out.putObject(tn).put("next_token_loss", Evaluator.languageModelLoss(model, tags, ex)).put("n", ex.size());
                case CLASSIFICATION -> {
                    TagPredictor p = new TagPredictor(model, tokenizer, tags, id -> id == tokenizer.eosId());
                    try {
                        var m = Evaluator.classification(p, t, ex).metrics();
                        out.putObject(tn).put("auroc", m.auroc()).put("auprc", m.auprc()).put("accuracy", m.accuracy())
                                .put("log_loss", m.logLoss()).put("n", m.n());
                    } catch (IllegalArgumentException e) {
                        out.putObject(tn).put("note", e.getMessage()).put("n", ex.size());
                    }
                }
            }
        }
        return out.isEmpty() ? null : out;
    }

    /** Renders a split's rows; rows that do not fit are reported and skipped (or stop the run with --strict). */
    public List<Example> examples(TaskSpec t, DataSpec ds, String split, int cap, TagSet tags, TokenizerEncoder enc) throws IOException {
        ExampleRenderer r = new ExampleRenderer(t, tags, enc, model.config().maxPositions());
        RowIssues issues = strict ? RowIssues.strict() : RowIssues.skipping(5);
        List<Example> out = new ArrayList<>();
        for (Row row : rows.load(ds, split)) {
            if (cap > 0 && out.size() >= cap) break;
            issues.convert(row, r::example).ifPresent(out::add);
        }
        if (issues.count() > 0) progress.message("task " + t.name() + " (" + split + "): " + issues.summary());
        return out;
    }

    /**
     * A new head for a task, set up as a stage would (its spec's bias, standardisation and init; ridge on the
     * hidden states at the examples' read positions, λ picked on valid): baselines train the same head.
     */
    public static void initHead(Transformer model, TagSet tags, TaskSpec t, List<Example> train, List<Example> valid) {
        if (t.type() == TaskType.CLASSIFICATION) {
            // classes must be resolved (ClassificationHeads.resolveClasses); ridge init means the logistic fit here
            ClassificationHeads.ensureHead(tags, t, new EmbeddingStatistics(model).mean());
            if (t.head().init() == HeadInit.RIDGE) ClassificationHeads.fitLogisticHead(model, tags, t, train, valid);
            return;
        }
        ensureHead(tags, t, train, new EmbeddingStatistics(model));
        if (t.head().init() == HeadInit.RIDGE) fitRidgeHead(model, tags, t, train, valid);
    }

    /** A new head for a regression task's function tag: rows = the mean token embedding as in the code, or zero. */
    static void ensureHead(TagSet tags, TaskSpec t, List<Example> train, EmbeddingStatistics embed) {
        String f = t.headKey();
        if (tags.head(f) != null) return;
        // the head learns z = (y - shift) / scale and reports y: label_scale (DC's 0.1, as the code scales its
        // targets) is a fixed scale, standardisation takes the training labels' mean and deviation instead
        double[] shift = null, scale = new double[]{1 / t.labelScale()};
        if (t.head().standardize()) {
            double mean = train.stream().mapToDouble(Example::label).average().orElse(0);
            double var = train.stream().mapToDouble(e -> (e.label() - mean) * (e.label() - mean)).average().orElse(1);
            shift = new double[]{mean};
            scale = new double[]{var > 0 ? Math.sqrt(var) : 1};
        }
        // ridge starts from zero too: fitRidgeHead replaces the weights once the stage's tags exist
        float[] rowInit = t.head().init() == HeadInit.EMBEDDING ? embed.mean() : new float[embed.mean().length];
        tags.putHead(RegressionHead.initial(f, t.head().outputs(), rowInit, t.head().bias(), shift, scale));
    }
}
