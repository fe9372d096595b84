package tagllm.compare;

import tagllm.util.Plural;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import tagllm.data.DatasetException;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.head.Logistic;
import tagllm.head.RegressionHead;
import tagllm.model.LoraAdapters;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.Tag;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.task.ClassSpec;
import tagllm.task.DataSpec;
import tagllm.task.DatasetRows;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.InputCheck;
import tagllm.task.NonFiniteOutputs;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;
import tagllm.train.Experiment;
import tagllm.train.ClassificationHeads;
import tagllm.train.ExperimentRunner;
import tagllm.train.Hyper;
import tagllm.train.LinearProbe;
import tagllm.train.RegressionHeads;
import tagllm.train.MetricsLog;
import tagllm.train.Progress;
import tagllm.train.StageSpec;
import tagllm.train.Trainer;
import tagllm.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Runs every method × seed (× ablation, for Tag-LLM) of {@code tagllm compare} on an experiment's regression and
 * classification tasks: the same rows and splits for every method (each task's train/valid/test as the experiment
 * reads them), the same head (the task's head spec: bias, standardisation, init; for classification the same
 * logits, classes, class weights and cross-entropy), and for the trained baselines the same budget as the Tag-LLM
 * stages that train the task (the last one's hyper-parameters; as steps, the sum over those stages of each one's steps
 * × the task's share of its rows). The
 * baseline (training mean, or the training class frequencies) is run beside them. A task type compare cannot score
 * (text generation, multi-label) is refused by name. Each run goes to DIR/runs/ID/ and ends with DIR/runs/ID/result.json.
 */
public final class CompareRunner {
    /** result.json's mapper: a NaN or infinite double (a diverged loss, a classification's valid_mse) as null. */
    private static final ObjectMapper JSON = tagllm.util.NonFiniteAsNull.register(new ObjectMapper());

    /**
     * promptInit: text (PEFT's TEXT init from the task's prompt words) or random (normal, the embedding entries'
     * standard deviation). lora: rank, alpha, dropout. retryFailed: with resume, train again the runs recorded as
     * failed (else they are reused as they are: training is deterministic, so the same settings fail the same way); of a
     * prompt-tuning or LoRA run only its failed tasks train again.
     */
    public record Options(List<Method> methods, List<Long> seeds, List<Ablation> ablations, Path dir, boolean resume,
                          String promptInit, int loraRank, double loraAlpha, double loraDropout, boolean reportOnly, boolean retryFailed) {
        public Options(List<Method> methods, List<Long> seeds, List<Ablation> ablations, Path dir, boolean resume,
                       String promptInit, int loraRank, double loraAlpha, double loraDropout, boolean reportOnly) {
            this(methods, seeds, ablations, dir, resume, promptInit, loraRank, loraAlpha, loraDropout, reportOnly, false);
        }

        public Options(List<Method> methods, List<Long> seeds, List<Ablation> ablations, Path dir, boolean resume,
                       String promptInit, int loraRank, double loraAlpha, double loraDropout) {
            this(methods, seeds, ablations, dir, resume, promptInit, loraRank, loraAlpha, loraDropout, false);
        }

        public Options {
            if (!promptInit.equals("text") && !promptInit.equals("random")) throw new IllegalArgumentException("prompt init: expected text or random, got '" + promptInit + "'");
        }
    }

    private final Model model;
    private final Transformer transformer;
    private final Progress progress;
    private final DatasetRows rows = new DatasetRows(false);
    /** renderFree's splits by experiment (compared by identity: an ablation is another experiment) and task. */
    private final Map<Experiment, Map<String, FreeSplits>> freeSplitsOf = new java.util.IdentityHashMap<>();

    public CompareRunner(Model model, Progress progress) {
        this.model = model;
        this.transformer = new Transformer(model.weights());
        this.progress = progress;
    }

    /**
     * The regression and classification tasks the experiment trains, with the last stage that trains each (its
     * hyper-parameters and Tag-LLM's kept step; the steps sum every stage's share, see trainingStages). Domain text (lm) trains the domain tags and has nothing to score; a text-generation or multi-label
     * task is refused by name rather than left out.
     */
    public static Map<String, StageSpec> scoredTasks(Experiment exp) {
        Map<String, StageSpec> out = new LinkedHashMap<>();
        for (StageSpec s : exp.stages()) {
            for (String t : s.tasks()) {
                TaskSpec spec = exp.tasks().get(t);
                switch (spec.type()) {
                    case REGRESSION -> out.put(t, s);
                    case CLASSIFICATION -> {
                        if (spec.classes() != null && spec.classes().multiLabel()) {
                            throw new IllegalArgumentException(exp.file() + ": task " + t + " (stage " + s.name() + ") is a multi-label classification task "
                                    + spec.classes().labelColumns() + "; compare scores regression, binary and multi-class tasks: leave it out of the "
                                    + "stages, or score it with tagllm eval");
                        }
                        out.put(t, s);
                    }
                    case LANGUAGE_MODEL -> { } // domain text: trains the domain tags, has no test metric
                    case TEXT -> throw new IllegalArgumentException(exp.file() + ": task " + t + " (stage " + s.name() + ") is a text-generation task; "
                            + "compare scores regression and classification tasks (a head on the model): leave it out of the stages, or score it "
                            + "with tagllm eval (BLEU, chrF)");
                }
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException(exp.file() + ": compare needs at least one regression or classification task trained by a stage");
        return out;
    }

    /** The experiment with its classification tasks' classes (and balanced weights) read from their training rows, checked. */
    public Experiment prepare(Experiment exp) throws IOException {
        scoredTasks(exp);
        Experiment e = ClassificationHeads.resolveClasses(exp, rows::load);
        for (String task : scoredTasks(e).keySet()) {
            TaskSpec free = e.tasks().get(task).withoutTags();
            DataSpec ds = e.data().get(task);
            FreeSplits splits = renderFree(e, task);
            List<Example> test = splits.test();
            // a task without test rows would train every method and report an empty table: refused before anything runs
            if (test.isEmpty()) {
                throw new IllegalArgumentException("task " + task + ": no usable test rows in " + ds.path()
                        + " (its test split is empty or every test row was skipped; see the reasons above): nothing to score the methods on");
            }
            if (free.type() != TaskType.CLASSIFICATION) continue;
            // every method's training rows: of one class, no method has anything to learn (refused before any run, as train does)
            ClassificationHeads.requireTwoClassesToTrain("compare", free, ds, splits.train());
            // AUROC needs both classes among the test rows: refused now rather than after every run
            long present = test.stream().mapToInt(x -> (int) x.label()).distinct().count();
            if (present < 2) {
                throw new IllegalArgumentException("task " + task + ": its " + Plural.count(test.size(), "test row") + " (" + ds.path()
                        + (ds.maxEval() > 0 ? ", the first " + ds.maxEval() + " of the test split (max_eval)" : "") + ") hold "
                        + (test.isEmpty() ? "no class" : "only class '" + free.classes().classes().get((int) test.getFirst().label()) + "'")
                        + "; AUROC needs both: raise max_eval, or choose another split or file order");
            }
        }
        return e;
    }

    /** The runs the last {@link #run} left out (--report-only: not finished, nothing to derive them from). */
    private final List<String> missing = new ArrayList<>();

    /** The ids of the runs the last {@link #run} left out of its results, in run order. */
    public List<String> missing() { return List.copyOf(missing); }

    /** A finished run of a method without randomness (probe, baseline) under any of the seeds, or null. */
    private static RunResult finishedSeed(Options o, Method m) throws IOException {
        for (long seed : o.seeds()) {
            Path f = o.dir().resolve("runs").resolve(m.label() + "-seed" + seed).resolve("result.json");
            if (!Files.isRegularFile(f)) continue;
            RunResult r = readResult(f);
            if (!r.failed()) return r;
        }
        return null;
    }

    /**
     * A finished run's result.json. One that does not parse (edited by hand, copied in part: compare writes it
     * atomically) is refused naming the file, where Jackson's message named neither file nor run.
     */
    static RunResult readResult(Path f) throws IOException {
        RunResult r;
        try {
            r = JSON.readValue(f.toFile(), RunResult.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(f + ": not a run result compare can read (" + e.getOriginalMessage() + "); remove that run's folder "
                    + "to train it again with --resume, or start over with --force", e);
        }
        if (r == null || r.id() == null || r.method() == null || r.tasks() == null || r.curves() == null) {
            throw new IllegalArgumentException(f + ": a run result needs id, method, tasks and curves; remove that run's folder to train it "
                    + "again with --resume, or start over with --force");
        }
        return r;
    }

    /** A run's result.json, as {@link #readResult} reads it back. */
    static String resultJson(RunResult r) throws IOException {
        return JSON.writeValueAsString(r);
    }

    /** Runs (or, with resume, reads back) every run; returns them in a stable order. */
    public List<RunResult> run(Experiment exp, Options o) throws IOException {
        missing.clear();
        List<RunResult> out = new ArrayList<>();
        List<Method> methods = new ArrayList<>(o.methods());
        if (!methods.contains(Method.BASELINE)) methods.add(Method.BASELINE); // no model: always beside the others
        for (Method m : methods) {
            List<Ablation> variants = new ArrayList<>();
            variants.add(null);
            if (m == Method.TAGLLM) variants.addAll(o.ablations());
            for (Ablation a : variants) {
                for (long seed : o.seeds()) {
                    String id = m.label() + (a == null ? "" : "-" + a.name().replace('=', '-')) + "-seed" + seed;
                    Path dir = o.dir().resolve("runs").resolve(id);
                    Path result = dir.resolve("result.json");
                    RunResult earlier = null; // a retried run whose failed tasks alone train again (prompt tuning, LoRA)
                    if (o.resume() && Files.isRegularFile(result)) {
                        RunResult done = readResult(result);
                        if (!done.failed()) {
                            progress.message("run " + id + ": already finished (" + result + ")");
                            out.add(done);
                            continue;
                        }
                        // training is deterministic: the same run would fail again at the same step
                        if (!o.retryFailed() || o.reportOnly()) {
                            progress.message("run " + id + ": recorded as failed (" + done.failureSummary() + "), not trained again"
                                    + (o.reportOnly() ? "" : " (--retry-failed trains it again)"));
                            out.add(done);
                            continue;
                        }
                        if (keepsFinishedTasks(m, done)) {
                            earlier = done;
                            progress.message("run " + id + ": recorded as failed (" + done.failureSummary() + "), its failed "
                                    + (done.taskFailures().size() == 1 ? "task " : "tasks ") + String.join(", ", done.taskFailures().keySet())
                                    + " trained again (--retry-failed), the outcomes of its finished tasks kept from " + result);
                        } else {
                            progress.message("run " + id + ": recorded as failed (" + done.failureSummary() + "), trained again (--retry-failed)");
                        }
                    }
                    // the probe and the baseline use no seed: another seed's finished fit is the same, so it is reused
                    // (before --report-only leaves a run out: an unfinished probe seed is derivable from any finished one)
                    boolean seedless = m == Method.PROBE || m == Method.BASELINE;
                    RunResult same = seedless ? out.stream().filter(x -> x.method().equals(m.label()) && !x.failed()).findFirst().orElse(null) : null;
                    if (same == null && seedless && (o.resume() || o.reportOnly())) same = finishedSeed(o, m);
                    if (same != null) {
                        progress.message("run " + id + ": no randomness, the fit of " + same.id() + " reused");
                        RunResult r = new RunResult(id, same.method(), same.ablation(), seed, same.wallSeconds(), same.tasks(), same.curves());
                        if (!o.reportOnly()) { // --report-only writes nothing but the report
                            Files.createDirectories(dir);
                            AtomicFiles.writeString(result, resultJson(r));
                        }
                        out.add(r);
                        continue;
                    }
                    if (o.reportOnly() && m != Method.BASELINE) {
                        progress.message("run " + id + ": not finished, left out of the report (--report-only)");
                        missing.add(id);
                        continue;
                    }
                    progress.message("run " + id + (o.reportOnly() ? " (no training: computed for the report, not saved)" : ""));
                    if (!o.reportOnly()) Files.createDirectories(dir);
                    long t0 = System.nanoTime();
                    RunResult r;
                    try {
                        r = switch (m) {
                            case TAGLLM -> tagLlm(exp, a, seed, id, dir);
                            case PROBE -> probe(exp, seed, id);
                            case PROMPT_TUNING -> promptTuning(exp, o, seed, id, dir, earlier);
                            case LORA -> lora(exp, o, seed, id, dir, earlier);
                            case BASELINE -> baseline(exp, seed, id);
                        };
                    } catch (Trainer.Diverged | NonFiniteOutputs d) {
                        // one diverging run does not stop the others: it is recorded, and the report marks it
                        String why = why(d);
                        progress.message("run " + id + ": " + why + "; recorded as failed, the other runs go on");
                        r = RunResult.failed(id, m.label(), a == null ? "" : a.name(), seed, 0, loggedCurves(exp, m, dir), why);
                    }
                    r = new RunResult(r.id(), r.method(), r.ablation(), r.seed(), (System.nanoTime() - t0) / 1e9, r.tasks(), r.curves(), r.failure(),
                            r.taskFailures());
                    if (!o.reportOnly()) AtomicFiles.writeString(result, resultJson(r)); // (only the baseline gets here)
                    out.add(r);
                }
            }
        }
        return out;
    }

    /**
     * Whether a failed run retried keeps its finished tasks: prompt tuning and LoRA train each task on its own (fresh
     * tokens or adapters, its own trainer and seed), so a finished task would train again to the same outcome; Tag-LLM
     * trains its tasks together, and a run that failed whole has no finished task.
     */
    private static boolean keepsFinishedTasks(Method m, RunResult done) {
        return (m == Method.PROMPT_TUNING || m == Method.LORA) && done.failure() == null && !done.tasks().isEmpty();
    }

    /**
     * A task the earlier result finished (with --retry-failed): its outcome, and its curves (the stage named after it) in
     * their place, so the run's result is the one training every task again would give. False where it must train.
     */
    private static boolean keptFromEarlier(RunResult earlier, String task, String stage, Map<String, RunResult.TaskOutcome> tasks,
                                           List<RunResult.Curve> curves) {
        if (earlier == null || earlier.failure(task) != null || !earlier.tasks().containsKey(task)) return false;
        tasks.put(task, earlier.tasks().get(task));
        for (RunResult.Curve c : earlier.curves()) if (c.name().equals(stage)) curves.add(c);
        return true;
    }

    /**
     * A loss not finite before the stage's first update is no divergence: the model's outputs are not finite with the
     * initial tags, which no learning rate mends, so the failure says so rather than "diverged at step 1".
     */
    static String why(Trainer.Diverged d) {
        // its message names the compute precision, the first such row and what to check
        if (d.beforeAnyUpdate()) return d.getMessage();
        return "diverged at step " + d.step() + " of stage " + d.stage() + ": loss " + d.loss();
    }

    /** A diverged loss, or outputs that came out non-finite (NaN class probabilities: no metric is defined). */
    static String why(RuntimeException failure) {
        return failure instanceof Trainer.Diverged d ? why(d) : failure.getMessage();
    }

    /** A baseline task's diverging loss: that task fails, the run's other tasks go on (each trains on its own). */
    private void taskDiverged(String id, String task, RuntimeException d, Map<String, String> failures) {
        String why = why(d);
        // a NonFiniteOutputs message begins with "task NAME:" itself
        String what = d instanceof Trainer.Diverged t ? "task " + task + (t.beforeAnyUpdate() ? ": " : " ") + why : why;
        progress.message("run " + id + ": " + what + "; recorded as failed for that task, the run's other tasks go on");
        failures.put(task, why);
    }

    // ---------------------------------------------------------------- Tag-LLM

    private RunResult tagLlm(Experiment exp, Ablation a, long seed, String id, Path dir) throws IOException {
        Experiment e = (a == null ? exp : a.apply(exp)).toBuilder().output(dir).seed(seed).build();
        ExperimentRunner runner = new ExperimentRunner(transformer, model.tokenizer(), model.name(), model.fingerprint(), rows::load, progress, false);
        TagSet tags = runner.run(e, false, true).tags();
        TagPredictor predictor = new TagPredictor(transformer, model.tokenizer(), tags, model.generation()::isEos);
        Map<String, Integer> kept = keptSteps(dir.resolve("metrics.jsonl"));
        Map<String, RunResult.TaskOutcome> tasks = new LinkedHashMap<>();
        for (Map.Entry<String, StageSpec> t : scoredTasks(e).entrySet()) {
            TaskSpec spec = e.tasks().get(t.getKey());
            List<Example> test = render(predictor.renderer(spec)::example, spec, "test", e.data().get(t.getKey()).maxEval(), e);
            List<Example> valid = render(predictor.renderer(spec)::example, spec, "valid", e.data().get(t.getKey()).maxEval(), e);
            long params = 0;
            for (String n : spec.parsedTemplate().tagNames()) params += tags.require(n).values().length;
            params += headParams(tags.head(spec.headKey()));
            Integer at = kept.get(t.getValue().name() + "/" + spec.headKey());
            if (at == null) at = kept.get(t.getValue().name() + "/all");
            tasks.put(t.getKey(), outcome(predictor, spec, params, test, valid, at == null ? -1 : at, Double.NaN));
        }
        return new RunResult(id, Method.TAGLLM.label(), a == null ? "" : a.name(), seed, 0, tasks, curves(dir.resolve("metrics.jsonl")));
    }

    /** A task's tag-free prompt and its rendered splits: what the probe, LoRA and the baseline all read. */
    record FreeSplits(TaskSpec free, List<Example> train, List<Example> valid, List<Example> test) {}

    /** The splits with at least one training row (the probe, LoRA and the baseline fit on them). */
    private FreeSplits freeSplits(Experiment exp, String task) throws IOException {
        FreeSplits s = renderFree(exp, task);
        if (s.train().isEmpty()) throw new IllegalArgumentException("task " + task + ": no training rows fit the tag-free prompt");
        return s;
    }

    /**
     * A task's tag-free splits, rendered once per experiment: every method and seed (and the budget's row counts)
     * read the same rows, so the file is read, tokenised and its skipped rows reported once. A row counts only if it
     * also fits Tag-LLM's prompt (the experiment's tags in place) and prompt tuning's (n virtual tokens before the
     * tag-free prompt): the caps (max_train, max_eval) then take the first rows every method can read. Without that,
     * a row too long for the tags but not for the tag-free prompt would train and validate the baselines and not
     * Tag-LLM, and a capped split would give Tag-LLM later rows in its place.
     */
    FreeSplits renderFree(Experiment exp, String task) throws IOException {
        Map<String, FreeSplits> byTask = freeSplitsOf.computeIfAbsent(exp, k -> new LinkedHashMap<>());
        FreeSplits cached = byTask.get(task);
        if (cached != null) return cached;
        TaskSpec spec = exp.tasks().get(task), free = spec.withoutTags();
        DataSpec ds = exp.data().get(task);
        ExampleRenderer r = freeRenderer(spec);
        ExampleRenderer tagged = new ExampleRenderer(spec, tagLengths(exp, spec), new TokenizerEncoder(model.tokenizer()),
                transformer.config().maxPositions());
        int n = promptLength(exp, spec);
        java.util.function.Function<Row, Example> everyMethod = row -> {
            Example e = r.example(row);
            try {
                tagged.example(row);
            } catch (DatasetException x) {
                throw new DatasetException(row.origin(), "with Tag-LLM's tags: " + x.reason());
            }
            if (spec.type().readsHead() && e.sequence().length() + n > r.limit()) {
                throw new DatasetException(row.origin(), "too long for prompt tuning: " + e.sequence().length() + " + " + n
                        + " virtual tokens, the limit is " + r.limit() + " (" + r.limitSource() + ")");
            }
            return e;
        };
        FreeSplits s = new FreeSplits(free, render(everyMethod, free, "train", ds.maxTrain(), exp), render(everyMethod, free, "valid", ds.maxEval(), exp),
                render(everyMethod, free, "test", ds.maxEval(), exp));
        byTask.put(task, s);
        return s;
    }

    /**
     * Tags of the lengths Tag-LLM's run gives the task's prompt (the experiment's init: files first, then new tags of
     * the experiment's lengths), their values zero: enough to tell which rows fit.
     */
    private TagSet tagLengths(Experiment exp, TaskSpec spec) throws IOException {
        TagSet tags = ExperimentRunner.initialTags(exp, model.name(), model.fingerprint());
        int d = transformer.config().hiddenSize();
        for (String name : spec.parsedTemplate().tagNames()) {
            if (tags.has(name)) continue;
            TagKind kind = spec.kindOf(name);
            int p = exp.tagLength(kind);
            tags.put(new Tag(name, kind, p, d, new float[p * d]));
        }
        return tags;
    }

    // ---------------------------------------------------------------- linear probe

    /** The stage name the probe of a task is named under when its fit runs out of heap (cli.OutOfMemory), as "lora-TASK". */
    static String probeStage(String task) { return Method.PROBE.label() + "-" + task; }

    /**
     * Called as the probe of a task starts a phase, "fit" or "test" (its test rows' scoring), package-private: a test
     * runs out of heap there.
     */
    static java.util.function.BiConsumer<String, String> onProbePhase = (task, phase) -> {};

    private RunResult probe(Experiment exp, long seed, String id) throws IOException {
        Map<String, RunResult.TaskOutcome> tasks = new LinkedHashMap<>();
        for (String task : scoredTasks(exp).keySet()) {
            long t0 = System.nanoTime();
            FreeSplits splits = freeSplits(exp, task);
            TaskSpec free = splits.free();
            List<Example> train = splits.train(), valid = splits.valid(), test = splits.test();
            double[][] xTrain, xValid;
            Logistic logistic = null;
            LinearProbe p;
            // the fit holds every training and valid row's hidden states: running out of heap here named neither the
            // probe nor the task (cli.OutOfMemory), where the other baselines' head fits name both (ExperimentRunner.initHead)
            try {
                onProbePhase.accept(task, "fit");
                xTrain = LinearProbe.features(transformer, seqs(train));
                xValid = valid.isEmpty() ? null : LinearProbe.features(transformer, seqs(valid));
                // a probe fitted on non-finite states failed in ridge ("not positive definite"), naming no row and no cause
                NonFiniteOutputs.check(task, NonFiniteOutputs.HIDDEN_STATES, xTrain, train);
                if (xValid != null) NonFiniteOutputs.check(task, NonFiniteOutputs.HIDDEN_STATES, xValid, valid);
                if (free.type() == TaskType.CLASSIFICATION) {
                    ClassSpec cs = free.classes();
                    logistic = LogisticProbe.fit(xTrain, classes(train), classWeights(cs, train), xValid == null ? new double[0][] : xValid,
                            classes(valid), classWeights(cs, valid), cs.size());
                    p = null;
                } else {
                    p = LinearProbe.fit(xTrain, labels(train), xValid == null ? new double[0][] : xValid, labels(valid));
                }
            } catch (OutOfMemoryError e) {
                throw Trainer.OutOfMemoryInStage.naming(probeStage(task), "fitting the linear probe of " + task, e);
            }
            // the test rows' hidden states, held at once: named as the fit's are
            try {
                onProbePhase.accept(task, "test");
                // without valid rows LogisticProbe and LinearProbe choose λ on the last fifth of the training rows: the report says which
                String lambdaRows = valid.isEmpty() ? RunResult.TaskOutcome.LAMBDA_ON_TRAIN_FIFTH : RunResult.TaskOutcome.LAMBDA_ON_VALID;
                if (free.type() == TaskType.CLASSIFICATION) {
                    ClassSpec cs = free.classes();
                    double[][] xTest = LinearProbe.features(transformer, seqs(test));
                    tasks.put(task, classOutcome(task, (long) cs.outputs() * (transformer.config().hiddenSize() + 1), cs, test, probabilities(logistic, xTest), valid,
                            xValid == null ? null : probabilities(logistic, xValid), -1, (System.nanoTime() - t0) / 1e9).withLambdaRows(lambdaRows));
                    continue;
                }
                double[][] xTest = LinearProbe.features(transformer, seqs(test));
                double[] pred = new double[xTest.length];
                for (int i = 0; i < pred.length; i++) pred[i] = p.predict(xTest[i]);
                double[] validPred = null;
                if (xValid != null) {
                    validPred = new double[xValid.length];
                    for (int i = 0; i < validPred.length; i++) validPred[i] = p.predict(xValid[i]);
                }
                tasks.put(task, outcome(transformer.config().hiddenSize() + 1, test, pred, valid, validPred, -1, (System.nanoTime() - t0) / 1e9)
                        .withLambdaRows(lambdaRows));
            } catch (OutOfMemoryError e) {
                throw Trainer.OutOfMemoryInStage.naming(probeStage(task), "scoring the linear probe of " + task + " on its test rows", e);
            }
        }
        return new RunResult(id, Method.PROBE.label(), "", seed, 0, tasks, List.of());
    }

    // ---------------------------------------------------------------- prompt tuning

    /** The prompt-tuning tag of a task: n virtual tokens, a function-kind tag so that the task's head belongs to it. */
    static String promptTag(String task) { return Tag.canonicalName(task.replaceAll("[^A-Za-z0-9_.+-]", "_") + ".prompt"); }

    /** n = the total length of the task's tags under Tag-LLM (the paper: 20 for QED, 30 for BA). */
    static int promptLength(Experiment exp, TaskSpec spec) {
        int n = 0;
        for (String t : spec.parsedTemplate().tagNames()) n += exp.tagLength(spec.kindOf(t));
        return Math.max(1, n);
    }

    /** PEFT's prompt-tuning input: the n virtual tokens first, then the tag-free prompt (BOS included), read at its end. */
    public static Sequence withPrompt(String tag, int n, Sequence tagFree) {
        Sequence.Builder b = Sequence.builder().tag(tag, n);
        for (int i = 0; i < tagFree.length(); i++) {
            if (tagFree.isTag(i)) throw new IllegalArgumentException("prompt tuning needs a tag-free prompt, found " + tagFree.tagName(i));
            b.token(tagFree.tokenId(i));
        }
        return b.readPosition(n + tagFree.readPosition()).build();
    }

    /** The task as prompt tuning trains it: its head stored under the prompt tag (the sequences come from withPrompt). */
    static TaskSpec promptTask(TaskSpec free, String tag) {
        return free.withTemplate(tag + " " + free.template(), Map.of(tag, TagKind.FUNCTION.label()));
    }

    private RunResult promptTuning(Experiment exp, Options o, long seed, String id, Path dir, RunResult earlier) throws IOException {
        Map<String, RunResult.TaskOutcome> tasks = new LinkedHashMap<>();
        List<RunResult.Curve> curves = new ArrayList<>();
        Map<String, String> failures = new LinkedHashMap<>();
        Map<String, StageSpec> scored = scoredTasks(exp);
        for (Map.Entry<String, StageSpec> e : scored.entrySet()) {
            long t0 = System.nanoTime();
            String task = e.getKey();
            if (keptFromEarlier(earlier, task, "prompt-tuning-" + task, tasks, curves)) continue;
            TaskSpec spec = exp.tasks().get(task), free = spec.withoutTags();
            String tag = promptTag(task);
            int n = promptLength(exp, spec);
            TaskSpec pt = promptTask(free, tag);
            int limit = Math.min(spec.maxLength(), transformer.config().maxPositions());
            FreeSplits splits = renderFree(exp, task);
            List<Example> train = prompted(splits.train(), pt, tag, n, limit);
            List<Example> valid = prompted(splits.valid(), pt, tag, n, limit);
            List<Example> test = prompted(splits.test(), pt, tag, n, limit);
            if (train.isEmpty()) throw new IllegalArgumentException("task " + task + ": no training rows fit with " + n + " virtual tokens");
            TagSet tags = new TagSet(model.name(), model.fingerprint());
            tags.put(initialPrompt(o.promptInit(), tag, n, free, seed));
            ExperimentRunner.initHead(transformer, tags, pt, train, valid, "prompt-tuning-" + task);
            Hyper h = budget(exp, e.getValue(), task, train.size());
            Path log = dir.resolve("metrics-" + task + ".jsonl");
            TagPredictor predictor = new TagPredictor(transformer, model.tokenizer(), tags, model.generation()::isEos);
            try (MetricsLog m = new MetricsLog(log)) {
                m.reset();
                new Trainer(transformer, progress, m).run(tags, train, Set.of(tag), new Trainer.Options("prompt-tuning-" + task, h, seed, false,
                        null, false, 0, valid.isEmpty() ? null : validator(predictor, pt, valid, tag)));
            } catch (Trainer.Diverged | NonFiniteOutputs d) {
                taskDiverged(id, task, d, failures);
                curves.addAll(curves(log));
                continue;
            }
            Integer at = keptSteps(log).get("prompt-tuning-" + task + "/" + tag);
            try {
                tasks.put(task, outcome(predictor, pt, (long) n * transformer.config().hiddenSize() + headParams(tags.head(tag)), test, valid,
                        at == null ? -1 : at, (System.nanoTime() - t0) / 1e9));
            } catch (NonFiniteOutputs x) {
                taskDiverged(id, task, x, failures);
            }
            curves.addAll(curves(log));
        }
        return new RunResult(id, Method.PROMPT_TUNING.label(), "", seed, 0, tasks, curves, null, failures);
    }

    private Tag initialPrompt(String init, String tag, int n, TaskSpec free, long seed) {
        var embed = transformer.weights().embedTokens();
        int d = embed.cols();
        if (init.equals("random")) {
            // PEFT's RANDOM init draws from nn.Embedding's N(0, 1); here N(0, σ) with σ the embedding entries' own
            // deviation, so the virtual tokens start at the scale of real ones
            double s = 0, s2 = 0;
            long count = (long) embed.rows() * d;
            for (int r = 0; r < embed.rows(); r++) {
                for (int c = 0; c < d; c++) {
                    double v = embed.get(r, c);
                    s += v;
                    s2 += v * v;
                }
            }
            double sigma = Math.sqrt(Math.max(0, s2 / count - (s / count) * (s / count)));
            Random r = new Random(seed);
            float[] values = new float[n * d];
            for (int i = 0; i < values.length; i++) values[i] = (float) (r.nextGaussian() * sigma);
            return new Tag(tag, TagKind.FUNCTION, n, d, values);
        }
        // PEFT's TEXT init: the init text's token ids, repeated until there are n, the first n kept
        StringBuilder words = new StringBuilder();
        for (var part : free.parsedTemplate().parts()) if (part instanceof tagllm.tag.Template.Text t) words.append(t.text()).append(' ');
        int[] ids = new TokenizerEncoder(model.tokenizer()).encodePart(words.toString().strip().replaceAll("\\s+", " "));
        if (ids.length == 0) return TagInit.newTag(tag, TagKind.FUNCTION, n, embed);
        int[] first = new int[n];
        for (int i = 0; i < n; i++) first[i] = ids[i % ids.length];
        // fromTokens puts the last ids last: with exactly n ids each slot j gets first[j]
        return TagInit.fromTokens(tag, TagKind.FUNCTION, n, embed, first);
    }

    private static List<Example> prompted(List<Example> free, TaskSpec pt, String tag, int n, int limit) {
        List<Example> out = new ArrayList<>();
        for (Example e : free) {
            if (e.sequence().length() + n > limit) continue;
            out.add(new Example(pt, withPrompt(tag, n, e.sequence()), e.label(), null, e.source(), e.line(), e.targets()));
        }
        return out;
    }

    // ---------------------------------------------------------------- LoRA

    /**
     * LoRA on q and v of every layer, the tag-free prompt, the task's head on its last input position; adapters and
     * head train with the task's budget (its shares of the stages that train it). Each task gets fresh adapters on its own copy of
     * the engine (the frozen weights are shared).
     */
    private RunResult lora(Experiment exp, Options o, long seed, String id, Path dir, RunResult earlier) throws IOException {
        Map<String, RunResult.TaskOutcome> tasks = new LinkedHashMap<>();
        List<RunResult.Curve> curves = new ArrayList<>();
        Map<String, String> failures = new LinkedHashMap<>();
        for (Map.Entry<String, StageSpec> e : scoredTasks(exp).entrySet()) {
            long t0 = System.nanoTime();
            String task = e.getKey();
            if (keptFromEarlier(earlier, task, "lora-" + task, tasks, curves)) continue;
            FreeSplits splits = freeSplits(exp, task);
            TaskSpec free = splits.free();
            List<Example> train = splits.train(), valid = splits.valid(), test = splits.test();
            Transformer adapted = new Transformer(model.weights());
            LoraAdapters adapters = LoraAdapters.init(adapted.config(), o.loraRank(), o.loraAlpha(), o.loraDropout(), seed);
            adapted.adapt(adapters); // B = 0: the adapted model starts as the base model, so the head's ridge start is the probe's
            TagSet tags = new TagSet(model.name(), model.fingerprint());
            ExperimentRunner.initHead(adapted, tags, free, train, valid, "lora-" + task);
            Hyper h = budget(exp, e.getValue(), task, train.size());
            Path log = dir.resolve("metrics-" + task + ".jsonl");
            TagPredictor predictor = new TagPredictor(adapted, model.tokenizer(), tags, model.generation()::isEos);
            String key = free.headKey();
            try (MetricsLog m = new MetricsLog(log)) {
                m.reset();
                new Trainer(adapted, progress, m).run(tags, train, Set.of(key), new Trainer.Options("lora-" + task, h, seed, false,
                        null, false, 0, valid.isEmpty() ? null : validator(predictor, free, valid, key), adapters));
            } catch (Trainer.Diverged | NonFiniteOutputs d) {
                taskDiverged(id, task, d, failures);
                curves.addAll(curves(log));
                continue;
            }
            adapters.eval();
            Integer at = keptSteps(log).get("lora-" + task + "/all");
            try {
                tasks.put(task, outcome(predictor, free, adapters.parameterCount() + headParams(tags.head(key)), test, valid, at == null ? -1 : at,
                        (System.nanoTime() - t0) / 1e9));
            } catch (NonFiniteOutputs x) {
                taskDiverged(id, task, x, failures);
            }
            curves.addAll(curves(log));
        }
        return new RunResult(id, Method.LORA.label(), "", seed, 0, tasks, curves, null, failures);
    }

    // ---------------------------------------------------------------- baseline

    /**
     * What a model must beat: regression predicts the training rows' mean label; classification gives every row
     * the training rows' class frequencies as probabilities (so it predicts the majority class, and its AUROC is
     * 1/2). The training rows are the task's, as the probe reads them.
     */
    private RunResult baseline(Experiment exp, long seed, String id) throws IOException {
        Map<String, RunResult.TaskOutcome> tasks = new LinkedHashMap<>();
        for (String task : scoredTasks(exp).keySet()) {
            long t0 = System.nanoTime();
            FreeSplits splits = freeSplits(exp, task);
            TaskSpec free = splits.free();
            List<Example> train = splits.train(), valid = splits.valid(), test = splits.test();
            if (free.type() == TaskType.CLASSIFICATION) {
                ClassSpec cs = free.classes();
                double[] prior = new double[cs.size()];
                for (Example e : train) prior[(int) e.label()] += 1.0 / train.size();
                double[][] p = new double[test.size()][], pv = new double[valid.size()][];
                java.util.Arrays.fill(p, prior);
                java.util.Arrays.fill(pv, prior);
                tasks.put(task, classOutcome(task, cs.size() - 1, cs, test, p, valid, pv, -1, (System.nanoTime() - t0) / 1e9));
            } else {
                double mean = train.stream().mapToDouble(Example::label).average().orElseThrow();
                double[] p = new double[test.size()], pv = new double[valid.size()];
                java.util.Arrays.fill(p, mean);
                java.util.Arrays.fill(pv, mean);
                tasks.put(task, outcome(1, test, p, valid, pv, -1, (System.nanoTime() - t0) / 1e9));
            }
        }
        return new RunResult(id, Method.BASELINE.label(), "", seed, 0, tasks, List.of());
    }

    // ---------------------------------------------------------------- shared

    /**
     * A trained baseline's budget for a task: per stage that trains it, that stage's steps × the task's share of the
     * stage's training rows (at least 1); steps is their sum, so a task Tag-LLM trains in two stages gets both shares.
     */
    public record Budget(Map<String, Integer> perStage, int steps) {}

    /** Every stage that trains each scored task, in the experiment's order (a task may be in more than one). */
    public static Map<String, List<StageSpec>> trainingStages(Experiment exp) {
        Map<String, List<StageSpec>> out = new LinkedHashMap<>();
        for (String task : scoredTasks(exp).keySet()) out.put(task, new ArrayList<>());
        for (StageSpec s : exp.stages()) for (String t : s.tasks()) if (out.containsKey(t)) out.get(t).add(s);
        return out;
    }

    /** The budget of a task whose rows (every method's, as renderFree reads them) number taskRows. */
    private Budget budgetOf(Experiment exp, String task, int taskRows) throws IOException {
        Map<String, Integer> perStage = new LinkedHashMap<>();
        int sum = 0;
        for (StageSpec stage : trainingStages(exp).get(task)) {
            int stageRows = 0;
            for (String t : stage.tasks()) {
                stageRows += t.equals(task) ? taskRows : renderFree(exp, t).train().size();
            }
            int total = stage.hyper().totalSteps(stageRows);
            int steps = (int) Math.max(1, Math.round((double) total * taskRows / Math.max(1, stageRows)));
            perStage.merge(stage.name(), steps, Integer::sum);
            sum += steps;
        }
        return new Budget(perStage, sum);
    }

    /** Each scored task's budget for the trained baselines (what report.json states). */
    public Map<String, Budget> budgets(Experiment exp) throws IOException {
        Map<String, Budget> out = new LinkedHashMap<>();
        for (String task : scoredTasks(exp).keySet()) out.put(task, budgetOf(exp, task, freeSplits(exp, task).train().size()));
        return out;
    }

    /**
     * The hyper-parameters of the last stage that trains the task (scoredTasks' stage) with the budget's steps: the sum
     * of the task's shares of every stage that trains it.
     */
    private Hyper budget(Experiment exp, StageSpec last, String task, int taskRows) throws IOException {
        return last.hyper().withMaxSteps(budgetOf(exp, task, taskRows).steps());
    }

    /** Head-space MSE on the valid rows, or 1 − AUROC for classification (what Tag-LLM's stages early-stop on). */
    static Trainer.Validator validator(TagPredictor p, TaskSpec task, List<Example> valid, String key) {
        return tags -> {
            double score = task.type() == TaskType.CLASSIFICATION ? ClassificationHeads.validationScore(p, task, valid)
                    : RegressionHeads.validationScore(p, tags.head(task.headKey()), task, valid);
            return new Trainer.Score(score, Map.of(key, score));
        };
    }

    /**
     * The tag-free prompt's renderer, its inputs checked and normalised as the tagged task's are: without its
     * {@code <Protein>} tag a lower-case protein field would reach the baselines as other tokens than Tag-LLM reads.
     */
    private ExampleRenderer freeRenderer(TaskSpec spec) {
        return ExampleRenderer.tagFree(spec, new TokenizerEncoder(model.tokenizer()), transformer.config().maxPositions());
    }

    /** A split's rows that render, at most cap (0 = all); rows that do not fit are counted in a message. */
    private List<Example> render(java.util.function.Function<Row, Example> r, TaskSpec spec, String split, int cap, Experiment exp) throws IOException {
        DataSpec ds = exp.data().get(spec.name());
        RowIssues issues = RowIssues.skipping(3);
        List<Example> out = new ArrayList<>();
        for (Row row : rows.load(ds, split)) {
            if (cap > 0 && out.size() >= cap) break;
            issues.convert(row, r).ifPresent(out::add);
        }
        if (issues.count() > 0) progress.message("task " + spec.name() + " (" + split + "): " + issues.summary());
        return out;
    }

    private static List<Sequence> seqs(List<Example> ex) { return ex.stream().map(Example::sequence).toList(); }

    private static double[] labels(List<Example> ex) { return ex.stream().mapToDouble(Example::label).toArray(); }

    private static long headParams(RegressionHead h) {
        return h == null ? 0 : h.weight().length + (h.bias() == null ? 0 : h.bias().length);
    }

    /** The predictor's outcome on the test rows (and its score on the valid ones): values, or class probabilities. */
    static RunResult.TaskOutcome outcome(TagPredictor p, TaskSpec spec, long params, List<Example> test, List<Example> valid, int kept,
                                                 double seconds) {
        if (spec.type() == TaskType.CLASSIFICATION) {
            return classOutcome(spec.name(), params, spec.classes(), test, p.classProbabilities(spec, seqs(test)), valid,
                    valid.isEmpty() ? null : p.classProbabilities(spec, seqs(valid)), kept, seconds);
        }
        double[] pred = p.predictValues(spec, seqs(test)), validPred = valid.isEmpty() ? null : p.predictValues(spec, seqs(valid));
        // as classOutcome: a NaN prediction fails the method's run naming the row, where report.json's metrics refused it naming neither
        NonFiniteOutputs.check(spec.name(), pred, test);
        if (validPred != null) NonFiniteOutputs.check(spec.name(), validPred, valid);
        return outcome(params, test, pred, valid, validPred, kept, seconds);
    }

    /** A classification outcome: the most probable class as the prediction, the valid rows' mean log loss (unweighted). */
    static RunResult.TaskOutcome classOutcome(String task, long params, ClassSpec cs, List<Example> test, double[][] prob, List<Example> valid,
                                              double[][] validProb, int kept, double seconds) {
        // a row with NaN probabilities has no predicted class (argmax would name the first) and no metric: the method's run fails here
        // naming the row, where report.json's metrics refused it naming neither row nor cause
        NonFiniteOutputs.check(task, prob, test);
        if (validProb != null) NonFiniteOutputs.check(task, validProb, valid);
        long[] lines = test.stream().mapToLong(Example::line).toArray();
        double[] pred = new double[prob.length];
        for (int i = 0; i < pred.length; i++) {
            int best = 0;
            for (int c = 1; c < prob[i].length; c++) if (prob[i][c] > prob[i][best]) best = c;
            pred[i] = best;
        }
        double validLogLoss = Double.NaN;
        if (validProb != null && validProb.length > 0) {
            double s = 0;
            for (int i = 0; i < validProb.length; i++) s -= Math.log(Math.max(validProb[i][(int) valid.get(i).label()], 1e-15));
            validLogLoss = s / validProb.length;
        }
        return new RunResult.TaskOutcome(params, lines, labels(test), pred, Double.NaN, kept, seconds, cs.classes(), prob, validLogLoss);
    }

    private static int[] classes(List<Example> ex) { return ex.stream().mapToInt(e -> (int) e.label()).toArray(); }

    private static double[] classWeights(ClassSpec cs, List<Example> ex) { return ex.stream().mapToDouble(e -> cs.weight((int) e.label())).toArray(); }

    private static double[][] probabilities(Logistic m, double[][] x) {
        double[][] p = new double[x.length][];
        for (int i = 0; i < x.length; i++) p[i] = m.probabilities(x[i]);
        return p;
    }

    private static RunResult.TaskOutcome outcome(long params, List<Example> test, double[] pred, List<Example> valid, double[] validPred,
                                                 int kept, double seconds) {
        long[] lines = test.stream().mapToLong(Example::line).toArray();
        double validMse = Double.NaN;
        if (validPred != null && validPred.length > 0) {
            double s = 0;
            for (int i = 0; i < validPred.length; i++) s += Math.pow(validPred[i] - valid.get(i).label(), 2);
            validMse = s / validPred.length;
        }
        return new RunResult.TaskOutcome(params, lines, labels(test), pred, validMse, kept, seconds);
    }

    /** "stage/head-key" → the step validation kept ("stage/all" when the stage kept everything jointly). */
    static Map<String, Integer> keptSteps(Path metrics) throws IOException {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(metrics)) return out;
        for (String line : Files.readAllLines(metrics)) {
            JsonNode n = JSON.readTree(line);
            if (!n.has("kept_step")) continue;
            String stage = n.path("stage").asText();
            n.get("kept_step").properties().forEach(en -> out.put(stage + "/" + en.getKey(), en.getValue().asInt()));
        }
        return out;
    }

    /** The curves a stopped run logged: Tag-LLM's metrics.jsonl, or prompt tuning's and LoRA's per task. */
    private static List<RunResult.Curve> loggedCurves(Experiment exp, Method m, Path dir) throws IOException {
        if (m == Method.TAGLLM) return curves(dir.resolve("metrics.jsonl"));
        List<RunResult.Curve> out = new ArrayList<>();
        for (String task : scoredTasks(exp).keySet()) out.addAll(curves(dir.resolve("metrics-" + task + ".jsonl")));
        return out;
    }

    /**
     * A logged score: a number, or NaN for none. Training writes a score with no value as null (its reason under
     * "undefined"); older runs wrote the string "NaN". Jackson's asDouble reads a null as 0.0, which on a curve early
     * stopping minimises looks like the best step there is.
     */
    static double score(JsonNode v) {
        if (v.isNumber()) return v.doubleValue();
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    /** Loss per logged step and the validation score per evaluation (NaN where it had none), per stage of a metrics.jsonl. */
    static List<RunResult.Curve> curves(Path metrics) throws IOException {
        Map<String, List<double[]>> loss = new LinkedHashMap<>(), valid = new LinkedHashMap<>();
        if (!Files.isRegularFile(metrics)) return List.of();
        for (String line : Files.readAllLines(metrics)) {
            JsonNode n = JSON.readTree(line);
            String stage = n.path("stage").asText();
            if (n.has("loss")) loss.computeIfAbsent(stage, k -> new ArrayList<>()).add(new double[]{n.get("step").asDouble(), n.get("loss").asDouble()});
            if (n.has("valid_score")) valid.computeIfAbsent(stage, k -> new ArrayList<>()).add(new double[]{n.get("step").asDouble(), score(n.get("valid_score"))});
        }
        Set<String> stages = new LinkedHashSet<>(loss.keySet());
        stages.addAll(valid.keySet());
        List<RunResult.Curve> out = new ArrayList<>();
        for (String s : stages) out.add(new RunResult.Curve(s, loss.getOrDefault(s, List.of()), valid.getOrDefault(s, List.of())));
        return out;
    }
}
