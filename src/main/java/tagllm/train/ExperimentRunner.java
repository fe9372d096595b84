package tagllm.train;

import tagllm.tokenizer.TokenizerIdentity;
import tagllm.util.Plural;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.head.HeadInit;
import tagllm.model.Transformer;
import tagllm.tag.FunctionInit;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.data.Row;
import tagllm.task.DataSpec;
import tagllm.task.Example;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;
import tagllm.tokenizer.Tokenizer;
import tagllm.util.FileErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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
        /**
         * The rows of {@code spec}'s file in one split ({@code RowLoader.of(new DatasetRows(strict))} reads as the CLI does).
         *
         * @throws IOException naming the file that cannot be read
         */
        List<Row> load(DataSpec spec, String split) throws IOException;

        /**
         * For --strict: the rows of a split before the first bad row the read or the split found, that problem
         * recorded into {@code checks} (a {@link tagllm.data.RowIssues#firstInFileOrder()}) rather than thrown, so that
         * the caller's checks of those rows may report an earlier one ({@code DatasetRows.load(spec, split, checks)}).
         * By default the split's rows as {@link #load(DataSpec, String)} gives them.
         */
        default List<Row> load(DataSpec spec, String split, tagllm.data.RowIssues checks) throws IOException {
            return load(spec, split);
        }

        /**
         * Both loads of {@code rows}: with a strict {@code DatasetRows} a run then names the first bad row in file order
         * ({@code rows::load} gives the first of the read's and the split's only, as the lambda has no checked load).
         */
        static RowLoader of(tagllm.task.DatasetRows rows) {
            return new RowLoader() {
                @Override
                public List<Row> load(DataSpec spec, String split) {
                    return rows.load(spec, split);
                }

                @Override
                public List<Row> load(DataSpec spec, String split, tagllm.data.RowIssues checks) {
                    return rows.load(spec, split, checks);
                }
            };
        }
    }

    private final Transformer model;
    private final Tokenizer tokenizer;
    private final String modelName;
    private final String fingerprint;
    private final RowLoader rows;
    private final boolean strict;
    private final Progress progress;
    private final SplitExamples examples;
    private final StageValidation validation;
    private int stopAfter;
    private GradientEngine engine;

    /**
     * A runner that trains on {@code model} (frozen; the experiment's {@code model:} is not read here, the CLI loads it).
     *
     * @param model       the base model the tags are trained for, e.g. {@code new Transformer(Model.load(dir).weights())}
     * @param tokenizer   its tokenizer ({@code Model.tokenizer()})
     * @param modelName   the name recorded in run.json and the tag files ({@code Model.name()})
     * @param fingerprint the model's fingerprint recorded with them ({@code Model.fingerprint()}): predicting refuses tag
     *                    files of another fingerprint
     * @param rows        reads a task's rows of a split, e.g. {@code RowLoader.of(new DatasetRows(strict))}
     * @param progress    where stage progress and notes go: {@link Progress#stderr(boolean)}, {@link Progress#silent()}
     * @param strict      true: a row that does not fit (too long, an invalid input) stops the run naming it, as
     *                    {@code --strict}; false: such rows are reported and skipped
     */
    public ExperimentRunner(Transformer model, Tokenizer tokenizer, String modelName, String fingerprint, RowLoader rows,
                            Progress progress, boolean strict) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.modelName = modelName;
        this.fingerprint = fingerprint;
        this.rows = rows;
        this.strict = strict;
        this.progress = progress;
        this.examples = new SplitExamples(rows, model.config().maxPositions(), strict, progress);
        this.validation = new StageValidation(model, tokenizer, examples, progress);
    }

    /** Called as a new head's fit starts (package-private: a test runs out of heap there). */
    java.util.function.Consumer<TaskSpec> onHeadFit = t -> {};

    private TokenizerIdentity tokenizerId;

    /** The tokenizer's identity, read and hashed once a runner (tokenizer.json: megabytes for a large vocabulary). */
    private TokenizerIdentity tokenizerIdentity() {
        if (tokenizerId == null) tokenizerId = TokenizerIdentity.of(tokenizer);
        return tokenizerId;
    }

    /** Stops the run right after this optimizer step of the first unfinished stage (to test kill + resume). */
    public ExperimentRunner stopAfter(int step) {
        this.stopAfter = step;
        return this;
    }

    /**
     * Where the rows a data file's reader refused (a malformed line, a bad split name) come from, so that
     * OUTPUT/skipped_rows.jsonl lists them beside the rows the stages skip (DatasetRows::skipped).
     */
    public ExperimentRunner readSkipped(java.util.function.Function<tagllm.task.DataSpec, List<tagllm.data.DatasetException>> f) {
        examples.readSkipped(f);
        return this;
    }

    /** Computes the training steps' gradients through this engine (engine: spark) instead of in this JVM. */
    public ExperimentRunner engine(GradientEngine engine) {
        this.engine = engine;
        return this;
    }

    /**
     * What a run gives.
     *
     * @param tags           the last stage's tag set (what the final tag file holds)
     * @param finalFile      OUTPUT/final.tags.safetensors, for {@code TagPredictor.open}
     * @param stopped        true when {@link #stopAfter} stopped the run before its end (continue it with resume)
     * @param stageSummaries one JSON summary per stage (steps, final loss, validation scores), as {@code tagllm train} prints
     */
    public record Outcome(TagSet tags, Path finalFile, boolean stopped, List<ObjectNode> stageSummaries) {}

    /** The tag file a stage writes in the output folder: OUTPUT/STAGE.tags.safetensors. */
    public static Path stageFile(Path output, String stage) { return output.resolve(stage + ".tags.safetensors"); }

    /** The checkpoint a stage writes while it trains, which resume continues from: OUTPUT/STAGE.checkpoint.safetensors. */
    public static Path checkpointFile(Path output, String stage) { return output.resolve(stage + ".checkpoint.safetensors"); }

    /** The last stage's tag file under its run's name: OUTPUT/final.tags.safetensors. */
    public static Path finalFile(Path output) { return output.resolve("final.tags.safetensors"); }

    /**
     * Runs the experiment's stages into its output folder (locked against a second run there meanwhile).
     *
     * @param resume continue a stopped run ({@code --resume}): finished stages are read back, the current one continues
     *               from its checkpoint; the settings must equal those run.json recorded
     * @param force  start over in a folder that holds a run ({@code --force}); with resume, continue although the
     *               settings changed (the change is recorded in run.json's history). With neither, a folder holding a run
     *               is refused
     * @throws IOException naming a data file or output file that cannot be read or written
     * @throws java.util.concurrent.CancellationException when the calling thread is interrupted ({@code
     *         Future.cancel(true)}): the stage stops after the step under way and writes a checkpoint, so {@code run(exp,
     *         true, false)} continues it; the interrupt status stays set. Interrupted during a stage's last step, the
     *         stage ends (its tag file is written) and the run stops before the next stage, or after the last one
     *         completes the run and returns with the interrupt status set
     */
    public Outcome run(Experiment exp, boolean resume, boolean force) throws IOException {
        Path out = exp.output();
        requireInputFiles(exp);
        FileErrors.createFolder(out);
        stageEndInterrupt = false;
        try (RunFolderLock lock = RunFolderLock.take(out)) {
            return runLocked(exp, resume, force);
        } catch (IOException e) {
            // a file read or written on an interrupted thread fails (ClosedByInterruptException): the interrupt is why
            if (!Thread.currentThread().isInterrupted()) throw e;
            var c = new java.util.concurrent.CancellationException("interrupted: the run stopped (" + FileErrors.describe(e) + ")");
            c.initCause(e);
            throw c;
        } finally {
            // an interrupt held while a finished stage's files were written is the caller's again
            if (stageEndInterrupt) Thread.currentThread().interrupt();
            stageEndInterrupt = false;
        }
    }

    private Outcome runLocked(Experiment exp, boolean resume, boolean force) throws IOException {
        Path out = exp.output();
        // the data checks of the stages still to run come before the folder changes: a run refused here leaves it as it
        // was (with --force, the earlier run's tag files, run.json and metrics.jsonl); the rows they skip are not
        // recorded yet (the stages list them as they read their data)
        examples.skipped.beforeRun();
        Experiment resolved = ClassificationHeads.resolveClasses(exp, rows, strict);
        TagSet tags = initialTags(resolved, modelName, fingerprint);
        // the tag files written record the tokenizer too (and init files trained with another one are refused)
        TokenizerIdentity identity = tokenizerIdentity();
        if (!resolved.init().isEmpty()) tags.requireTokenizer(identity, modelName, "the init: tag files " + resolved.init());
        tags.bindTokenizer(identity);
        // a model given as --model org/name is a Hub cache snapshot folder: the tag files say which commit
        if (tokenizer.source() != null && tokenizer.source().getParent() != null) {
            tags.bindHubSnapshot(tagllm.model.HubDownloader.snapshotOf(tokenizer.source().getParent()).orElse(null));
        }
        Set<String> finished = keptStages(resolved, resume, new LinkedHashSet<>());
        requireNamedSplitColumns(resolved, finished);
        requireTwoClassesInStagesToRun(resolved, tags, finished);
        prepareOutput(exp, resume, force);
        removeLeftovers(out);
        // the stages a resume keeps (the loop below reads their tag files back): their skipped rows stay, the others' are
        // listed again as those stages read their data, which --resume --force may have changed
        Set<String> keptTasks = new LinkedHashSet<>();
        Set<String> kept = keptStages(exp, resume, keptTasks);
        examples.skipped.start(out, resume, RunManifest.since(out), kept, keptTasks);
        exp = resolved;
        List<ObjectNode> summaries = new ArrayList<>();
        try (MetricsLog log = new MetricsLog(out.resolve("metrics.jsonl"))) {
            if (!resume) log.reset();
            List<String> done = new ArrayList<>();
            for (StageSpec stage : exp.stages()) {
                Path stageOut = stageFile(out, stage.name());
                if (resume && Files.exists(stageOut)) {
                    tags = finishedStage(stage, stageOut);
                    // a run killed between writing the stage's tags and removing its checkpoint left it: stale now
                    Files.deleteIfExists(checkpointFile(out, stage.name()));
                    done.add(stage.name());
                    continue;
                }
                Path ckpt = checkpointFile(out, stage.name());
                boolean fromCheckpoint = resume && Files.exists(ckpt);
                if (resume) rewindMetrics(log, stage, fromCheckpoint ? ckpt : null, done);
                examples.skipped.stage(stage.name());
                ObjectNode summary = runStage(exp, stage, tags, ckpt, fromCheckpoint, log);
                summaries.add(summary);
                if (summary.path("stopped").asBoolean(false)) return new Outcome(tags, null, true, summaries);
                TagFile.write(tags, stageOut);
                Files.deleteIfExists(ckpt);
                done.add(stage.name());
                if (stageEndInterrupt && done.size() < exp.stages().size()) {
                    // the stage is kept (its tags are written); the interrupt stops the run before the next one (run() sets
                    // the interrupt status again)
                    throw new java.util.concurrent.CancellationException("interrupted: the run stopped after stage " + stage.name()
                            + " (its tags are written); a resume continues with stage " + exp.stages().get(done.size()).name());
                }
            }
        }
        Path fin = finalFile(out);
        // after the last stage, an interrupt held (stageEndInterrupt) lets the run complete: the caller gets its outcome
        // with the interrupt status set again by run(), as TagPredictor returns the results of a call that finished its work
        TagFile.write(tags, fin);
        return new Outcome(tags, fin, false, summaries);
    }

    /**
     * An interrupt that arrived during a stage's last step, or while that stage's validation was recorded: the trainer
     * stops only before a step still to do, and the stage's remaining writes (the metrics log, its tag file) go through
     * interruptible channels, so the flag is held here until they are done, and the whole stage's work is not lost.
     */
    private boolean stageEndInterrupt;

    /**
     * Every data file the stages read, and every init: file, exists, said by its field before anything is written: the
     * readers, later, can name only the file (a missing init: file was "earlier.tags.safetensors (tag file not found)").
     */
    public static void requireInputFiles(Experiment exp) {
        for (Path init : exp.init()) {
            String field = exp.initField(init); // "exp.yaml:8: init[0]"; a --init-tags file is named by its reader
            if (field != null && !Files.exists(init)) throw new tagllm.config.ConfigException(field + ": no such file: " + init);
        }
        for (StageSpec stage : exp.stages()) {
            for (String task : stage.tasks()) {
                var d = exp.data().get(task);
                if (d != null && !Files.exists(d.path())) {
                    String field = exp.dataField(task); // "exp.yaml:7: tasks.qed.data.path", as the YAML's other errors
                    if (field == null) field = (exp.file() == null ? "" : exp.file() + ": ") + "tasks." + task + ".data.path";
                    throw new tagllm.config.ConfigException(field + ": no such file: " + d.path());
                }
            }
        }
    }

    /**
     * The output folder ready for this run: a folder holding any run is refused without --resume or --force (another
     * run's final tags and metrics must survive); --force without --resume deletes this experiment's stage files and
     * checkpoints; run.json records the settings, or on resume checks them (RunManifest).
     */
    private void prepareOutput(Experiment exp, boolean resume, boolean force) throws IOException {
        Path out = exp.output();
        if (!resume && !force) {
            List<String> existing = RunManifest.runFiles(out);
            if (!existing.isEmpty()) {
                throw new IllegalArgumentException("output folder " + out + " already holds a run (" + String.join(", ", existing)
                        + "); use --resume to continue it, --force to start over, or another -o (from Java: run(exp, resume, force) with "
                        + "resume or force true, or another output)");
            }
        }
        FileErrors.createFolder(out);
        ObjectNode settings = RunManifest.settings(exp, fingerprint, model.weights().bf16Compute());
        if (resume && force) discardReorderedStages(exp);
        if (resume) RunManifest.resume(out, settings, force);
        if (force && !resume) removeEarlierRun(exp);
        if (!resume) RunManifest.start(out, settings);
    }

    /**
     * --resume --force after the stages were put in another order (run.json's stage_order): a finished stage's tags
     * hold what the stages before it in the OLD order trained, so reading them back under the new order would mix the
     * two. The stages before the first position where the orders differ are kept; every other stage's tag file and
     * checkpoint (of the old order or the new) goes, and the final tags with them, so those stages train again on the
     * new order, as an uninterrupted run of it would. What was removed is said. Done before run.json takes the new
     * order: a run stopped in between still sees the old one and discards again.
     */
    private void discardReorderedStages(Experiment exp) throws IOException {
        Path out = exp.output();
        List<String> was = RunManifest.recordedStageOrder(out);
        if (was == null) return;
        List<String> now = new ArrayList<>();
        for (StageSpec st : exp.stages()) now.add(st.name());
        if (was.equals(now)) return;
        int same = RunManifest.samePrefix(was, now);
        Set<String> redo = new LinkedHashSet<>(was.subList(same, was.size()));
        redo.addAll(now.subList(same, now.size()));
        Set<Path> inputs = new java.util.HashSet<>();
        for (Path p : exp.init()) inputs.add(p.toAbsolutePath().normalize());
        List<Path> candidates = new ArrayList<>();
        for (String st : redo) {
            candidates.add(stageFile(out, st));
            candidates.add(checkpointFile(out, st));
        }
        candidates.add(finalFile(out));
        List<String> removed = new ArrayList<>();
        for (Path f : candidates) {
            if (inputs.contains(f.toAbsolutePath().normalize())) continue;
            if (Files.deleteIfExists(f)) removed.add(f.getFileName().toString());
        }
        // the metrics of the stages that go: a stage that trains again drops them too, but when none does (stages removed
        // at the end) nothing else would
        try (MetricsLog log = new MetricsLog(out.resolve("metrics.jsonl"))) {
            log.truncateAfter("", 0, now.subList(0, same));
        }
        String kept = same == 0 ? "no stage kept" : "kept " + String.join(", ", now.subList(0, same));
        String again = same < now.size() ? "; " + String.join(", ", now.subList(same, now.size())) + " train again" : "";
        progress.message("--resume --force: the stage order changed from [" + String.join(", ", was) + "] to [" + String.join(", ", now)
                + "]: " + kept + again + (removed.isEmpty() ? "" : "; removed " + String.join(", ", removed) + " from " + out));
    }

    /**
     * --force without --resume: every tag file and checkpoint of the earlier run goes, whatever its stages were named
     * (an earlier run's s3.tags.safetensors beside a new run without a stage s3 would pass for the new run's), the final
     * tags too (a new run that then fails must not leave them beside its own run.json). Files the experiment's init:
     * names are its inputs and stay. What was removed is said.
     */
    private void removeEarlierRun(Experiment exp) throws IOException {
        Path out = exp.output();
        Set<Path> inputs = new java.util.HashSet<>();
        for (Path p : exp.init()) inputs.add(p.toAbsolutePath().normalize());
        List<String> removed = new ArrayList<>();
        for (String name : RunManifest.runFiles(out)) {
            Path f = out.resolve(name);
            if (!name.endsWith(".tags.safetensors") && !name.endsWith(".checkpoint.safetensors")) continue;
            if (inputs.contains(f.toAbsolutePath().normalize())) continue;
            if (Files.deleteIfExists(f)) removed.add(name);
        }
        if (!removed.isEmpty()) progress.message("--force: removed the earlier run's " + String.join(", ", removed) + " from " + out);
    }

    /**
     * The hidden partial copies (AtomicFiles' .NAME.N.tmp) of this folder's run files that a run killed outright (kill -9,
     * a power cut) left: no shutdown hook ran to remove them. This run holds the folder's lock, so no other run is
     * writing them; they are removed and named, rather than left to pile up one per killed run.
     */
    private void removeLeftovers(Path out) throws IOException {
        List<String> removed = new ArrayList<>();
        try (var files = Files.list(out)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                // not a copy another command is writing into the folder now (tags merge -o runs/x/...): it holds its lock
                if (LEFTOVER.matcher(n).matches() && tagllm.util.AtomicFiles.removeLeftover(f)) removed.add(n);
            }
        }
        if (!removed.isEmpty()) {
            java.util.Collections.sort(removed);
            progress.message("removed " + String.join(", ", removed) + " from " + out + ": partial "
                    + (removed.size() == 1 ? "copy" : "copies") + " of a write an interrupted run (kill -9) did not finish");
        }
    }

    /** AtomicFiles' temporary name for a run's tag file, checkpoint, run.json, metrics.jsonl or skipped_rows.jsonl. */
    private static final java.util.regex.Pattern LEFTOVER = java.util.regex.Pattern.compile(
            "\\.(.+\\.(tags|checkpoint)\\.safetensors|run\\.json|metrics\\.jsonl|skipped_rows\\.jsonl)\\.[0-9]+\\.tmp");

    /**
     * The tags and heads a run of exp starts from: the experiment's init: files (same base model required), merged
     * (compare reads them too, to render its rows with Tag-LLM's tag lengths).
     */
    public static TagSet initialTags(Experiment exp, String modelName, String fingerprint) throws IOException {
        TagSet tags = new TagSet(modelName, fingerprint);
        for (Path init : exp.init()) {
            TagSet t = TagFile.read(init);
            t.requireModel(fingerprint, modelName, init.toString());
            tags.merge(t, init.toString());
        }
        tags.bindModel(modelName, fingerprint);
        return tags;
    }

    /** On resume, a stage whose tag file exists is done: its tags are read back (same base model required). */
    private TagSet finishedStage(StageSpec stage, Path stageOut) throws IOException {
        TagSet saved = TagFile.read(stageOut);
        saved.requireModel(fingerprint, modelName, stageOut.toString());
        saved.requireTokenizer(tokenizerIdentity(), modelName, stageOut.toString());
        progress.message("stage " + stage.name() + ": already finished (" + stageOut + ")");
        return saved;
    }

    /** On resume, metrics.jsonl keeps the finished stages' records and this stage's up to its checkpoint (none without one). */
    private static void rewindMetrics(MetricsLog log, StageSpec stage, Path checkpoint, List<String> done) throws IOException {
        int step = checkpoint == null ? 0 : Checkpoint.read(checkpoint).state().step();
        log.truncateAfter(stage.name(), step, done);
    }

    /**
     * One stage: its tags created, its rows rendered (new heads set up on them), what trains chosen, the training,
     * then on completion the provenance and the validation scores. Returns the stage's summary.
     */
    private ObjectNode runStage(Experiment exp, StageSpec stage, TagSet tags, Path ckpt, boolean fromCheckpoint, MetricsLog log) throws IOException {
        TokenizerEncoder enc = new TokenizerEncoder(tokenizer);
        EmbeddingStatistics embed = new EmbeddingStatistics(model);
        Set<String> fresh = new LinkedHashSet<>();
        Set<String> used = createTags(exp, stage, tags, enc, embed, fresh);
        List<Example> train = trainingExamples(exp, stage, tags, enc, embed, !fromCheckpoint);
        Set<String> trainable = trainableNames(exp, stage, tags, used);
        progress.message("stage " + stage.name() + " (stage " + stage.stage() + "): " + train.size() + " examples, training "
                + String.join(", ", trainable));
        // a tag no earlier stage or init: file gave and this stage does not train is only its initialisation: say so,
        // since the usual cause is a forgotten stage 1 (or enrich: false) rather than a choice
        for (String n : fresh) {
            if (!trainable.contains(n)) {
                progress.message("note: " + n + " is new in stage " + stage.name() + " and this stage does not train it, so it stays at its"
                        + " initial value (" + untrainedTagAdvice(stage, tags.get(n).kind()) + ")");
            }
        }
        Trainer.Result r = train(exp, stage, tags, enc, train, trainable, ckpt, fromCheckpoint, log);
        ObjectNode summary = summary(stage, train.size(), r);
        if (r.stopped()) return summary.put("stopped", true);
        stageEndInterrupt |= Thread.interrupted();
        recordInTagFile(exp, stage, tags, train.size(), trainable, r.steps());
        recordValidation(exp, stage, tags, enc, summary, log, r.steps());
        stageEndInterrupt |= Thread.interrupted();
        return summary;
    }

    /**
     * How to give an untrained new tag its training. Stage 3 refuses enrich: and a domain tag in train:, so there the
     * advice names only what precedes the stage.
     */
    private static String untrainedTagAdvice(StageSpec stage, TagKind kind) {
        if (stage.stage() == 3 && kind == TagKind.DOMAIN) {
            return "stage 3 keeps domain tags frozen: train it in a stage 1 or an enriched stage 2 (enrich: true) before this stage,"
                    + " or start from a tag file with init:";
        }
        return "train it in an earlier stage, set enrich: true on this stage for a domain tag, or start from a tag file with init:";
    }

    /** The tags the stage's tasks use, each created as the paper initialises it when the tag set lacks it. */
    private Set<String> createTags(Experiment exp, StageSpec stage, TagSet tags, TokenizerEncoder enc, EmbeddingStatistics embed,
                                   Set<String> fresh) {
        Set<String> used = new LinkedHashSet<>();
        for (String tn : stage.tasks()) {
            TaskSpec t = exp.tasks().get(tn);
            for (String name : t.parsedTemplate().tagNames()) {
                used.add(name);
                if (!tags.has(name)) {
                    tags.put(newTag(exp, t, name, enc, embed));
                    fresh.add(name);
                }
            }
        }
        return used;
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

    /** The stages a resume keeps: those whose tag file the folder holds (their tasks added to keptTasks). */
    private static Set<String> keptStages(Experiment exp, boolean resume, Set<String> keptTasks) {
        Set<String> kept = new LinkedHashSet<>();
        for (StageSpec stage : exp.stages()) {
            if (resume && Files.exists(stageFile(exp.output(), stage.name()))) {
                kept.add(stage.name());
                keptTasks.addAll(stage.tasks());
            }
        }
        return kept;
    }

    /**
     * A split column the experiment file names ({@code split: {column: fold}}) that a data file lacks is refused before
     * any stage trains, naming the field, the file and the columns it has (DatasetRows): a later stage's data is
     * otherwise read only when that stage starts.
     */
    private void requireNamedSplitColumns(Experiment exp, Set<String> kept) throws IOException {
        for (StageSpec stage : exp.stages()) {
            if (kept.contains(stage.name())) continue;
            for (String tn : stage.tasks()) {
                DataSpec ds = exp.data().get(tn);
                // a bad row the read finds is held here (--strict), and reported by its stage as before
                try {
                    if (ds.splitColumnField() != null) rows.load(ds, "train", tagllm.data.RowIssues.firstInFileOrder());
                } catch (OutOfMemoryError e) {
                    throw readingRows(stage, ds, e);
                }
            }
        }
    }

    /**
     * Every stage still to run is checked for a classification task whose training rows hold one class before the first
     * of them trains: found only when its stage started, it cost the training of the stages before it. The rows are
     * those the stage will take (rendered with tags of the lengths the stage will give them: only a tag's length decides
     * whether a row fits, so the stand-ins hold zeros). A task's rows are read only until two classes are seen
     * (SplitExamples.classCount, keeping no example), so that a mixed file costs the check a few renderings and its stage
     * renders each row once; a one-class file is read to its end or max_train, which the refusal counts. With --strict
     * every row is rendered, as before, so that the first bad one stops the run before any stage trains; its stage's
     * skipped rows are recorded under its name, as then.
     */
    private void requireTwoClassesInStagesToRun(Experiment exp, TagSet tags, Set<String> kept) throws IOException {
        TagSet lengths = tags.copy();
        TokenizerEncoder enc = new TokenizerEncoder(tokenizer);
        float[] zero = new float[model.weights().embedTokens().cols()];
        for (StageSpec stage : exp.stages()) {
            if (kept.contains(stage.name())) continue;
            examples.skipped.stage(stage.name());
            for (String tn : stage.tasks()) {
                TaskSpec t = exp.tasks().get(tn);
                for (String name : t.parsedTemplate().tagNames()) {
                    if (!lengths.has(name)) lengths.put(TagInit.newTag(name, t.kindOf(name), exp.tagLength(t.kindOf(name)), zero));
                }
            }
            for (String tn : stage.tasks()) {
                TaskSpec t = exp.tasks().get(tn);
                if (t.classes() == null || t.classes().multiLabel()) continue;
                DataSpec ds = exp.data().get(tn);
                String where = "stage " + stage.name();
                SplitExamples.ClassCount one;
                try {
                    if (strict) {
                        // --strict stops at the first row that does not fit, wherever it is: every row is read, as the stage would
                        ClassificationHeads.requireTwoClassesToTrain(where, t, ds, examples.of(t, ds, "train", ds.maxTrain(), lengths, enc));
                        continue;
                    }
                    one = examples.classCount(t, ds, "train", ds.maxTrain(), lengths, enc);
                } catch (OutOfMemoryError e) {
                    throw readingRows(stage, ds, e);
                }
                if (one != null) ClassificationHeads.requireTwoClasses(where, t, ds, one.count(), one.rows());
            }
        }
    }

    /**
     * The heap running out while a stage's rows are read and rendered, before its steps, named as in them
     * (cli.OutOfMemory): the stage, and the file whose rows were being read.
     */
    private static OutOfMemoryError readingRows(StageSpec stage, DataSpec ds, OutOfMemoryError e) {
        return Trainer.OutOfMemoryInStage.naming(stage.name(), "reading its rows from " + ds.path(), e);
    }

    /**
     * The stage's training examples, task after task; a task's new head is set up on its examples as they are
     * rendered (fitted by ridge or logistic regression unless the stage continues from a checkpoint, which holds it).
     */
    private List<Example> trainingExamples(Experiment exp, StageSpec stage, TagSet tags, TokenizerEncoder enc, EmbeddingStatistics embed,
                                           boolean fitHeads) throws IOException {
        List<Example> train = new ArrayList<>();
        for (String tn : stage.tasks()) {
            TaskSpec t = exp.tasks().get(tn);
            DataSpec ds = exp.data().get(tn);
            List<Example> ex;
            try {
                ex = examples.of(t, ds, "train", ds.maxTrain(), tags, enc);
            } catch (OutOfMemoryError e) {
                throw readingRows(stage, ds, e);
            }
            // the rows' reasons were printed as they were skipped; the usual one on real proteins is length, which
            // the template can cut, so the error says how rather than leave the user with a wall of "too long"
            if (ex.isEmpty()) throw new IllegalArgumentException("stage " + stage.name() + ": task " + tn + " has no usable training rows in " + ds.path()
                    + " (rows skipped are listed above with their reasons; an input too long for max_length can be cut in the template:"
                    + " {column:max=N} keeps its first N characters, docs/training.md \"Templates\")");
            ClassificationHeads.requireTwoClassesToTrain("stage " + stage.name(), t, ds, ex);
            train.addAll(ex);
            if (t.type().readsHead() && tags.head(t.headKey()) == null) newHead(stage, t, ds, ex, tags, enc, embed, fitHeads);
        }
        return train;
    }

    /** A task's new head (HeadSpec: bias, standardisation, init); init: ridge fits it on the hidden states, λ picked on valid. */
    private void newHead(StageSpec stage, TaskSpec t, DataSpec ds, List<Example> train, TagSet tags, TokenizerEncoder enc,
                         EmbeddingStatistics embed, boolean fit) throws IOException {
        createHead(tags, t, train, embed);
        if (!fit || t.head().init() != HeadInit.RIDGE) return;
        List<Example> valid;
        try {
            valid = examples.valid(t, ds, tags, enc);
        } catch (OutOfMemoryError e) {
            throw readingRows(stage, ds, e);
        }
        String how = fitHead(model, tags, t, train, valid, stage.name(), onHeadFit);
        progress.message("task " + t.name() + ": head initialised by " + how + " on " + Plural.count(train.size(), "row"));
    }

    /** A task's head as its spec says, not yet fitted: classification's from the mean embedding, regression's on its rows. */
    private static void createHead(TagSet tags, TaskSpec t, List<Example> train, EmbeddingStatistics embed) {
        if (t.type() == TaskType.CLASSIFICATION) ClassificationHeads.ensureHead(tags, t, embed.mean());
        else RegressionHeads.create(tags, t, train, embed);
    }

    /**
     * Fits a new head on the hidden states (logistic regression for classes, else ridge; λ picked on valid) and says how
     * ("ridge (λ 0.1)"). The fit holds every training row's hidden states: running out of heap here named no stage
     * (cli.OutOfMemory), so it is named with the stage and the task. {@code hook} runs as the fit starts (a test's).
     */
    private static String fitHead(Transformer model, TagSet tags, TaskSpec t, List<Example> train, List<Example> valid, String stage,
                                  java.util.function.Consumer<TaskSpec> hook) {
        try {
            hook.accept(t);
            if (t.type() == TaskType.CLASSIFICATION) {
                return "logistic regression (λ " + ClassificationHeads.fitLogisticHead(model, tags, t, train, valid) + ")";
            }
            return "ridge (λ " + RegressionHeads.fitRidge(model, tags, t, train, valid).lambda() + ")";
        } catch (OutOfMemoryError e) {
            throw Trainer.OutOfMemoryInStage.naming(stage, "fitting the head of " + t.name(), e);
        }
    }

    /**
     * What the stage trains: its train: list, or by default stage 1 the domain tags, stage 2 the function tags (and
     * the domain tags when enriched), stage 3 the function tags; a task without a function tag trains its head alone
     * (the paper's "without function tags" ablation). Stage 3 refuses a domain tag.
     */
    private static Set<String> trainableNames(Experiment exp, StageSpec stage, TagSet tags, Set<String> used) {
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
        return trainable;
    }

    /** The Trainer on the stage's examples, validating every eval_every steps when the stage has valid rows. */
    private Trainer.Result train(Experiment exp, StageSpec stage, TagSet tags, TokenizerEncoder enc, List<Example> train, Set<String> trainable,
                                 Path ckpt, boolean fromCheckpoint, MetricsLog log) throws IOException {
        Trainer trainer = new Trainer(model, progress, log).engine(engine);
        Trainer.Validator validator = stage.hyper().evalEvery() > 0 ? validation.validator(exp, stage, tags, enc, trainable) : null;
        return trainer.run(tags, train, trainable,
                new Trainer.Options(stage.name(), stage.hyper(), exp.seed(), stage.enrich(), ckpt, fromCheckpoint, stopAfter, validator));
    }

    private static ObjectNode summary(StageSpec stage, int examples, Trainer.Result r) {
        ObjectNode summary = JSON.createObjectNode();
        summary.put("stage", stage.name());
        summary.put("steps", r.steps());
        summary.put("total_steps", r.totalSteps());
        summary.put("train_examples", examples);
        summary.put("final_loss", r.lastLoss());
        return summary;
    }

    /**
     * What the tag file keeps of the stage: the task definitions (so predict renders the same prompts) and a
     * provenance entry (data, what trained, steps, seed, compute precision, hyper-parameters, time, version, and the
     * gradient engine when it is not this JVM).
     */
    private void recordInTagFile(Experiment exp, StageSpec stage, TagSet tags, int examples, Set<String> trainable, int steps) {
        for (String tn : stage.tasks()) tags.tasks().put(tn, exp.tasks().get(tn).toJson());
        ObjectNode prov = JSON.createObjectNode();
        prov.put("stage", stage.name());
        prov.put("stage_number", stage.stage());
        ArrayNode ts = prov.putArray("tasks");
        stage.tasks().forEach(ts::add);
        ArrayNode df = prov.putArray("data");
        for (String tn : stage.tasks()) df.add(exp.data().get(tn).path().toString());
        ArrayNode tr = prov.putArray("trained");
        trainable.forEach(tr::add);
        prov.put("examples", examples);
        prov.put("steps", steps);
        prov.put("seed", exp.seed());
        // Training in BF16 moves results by about a percent (docs/training.md): a tag file says which it was.
        prov.put("compute", model.weights().bf16Compute() ? "bf16" : "f32");
        prov.set("hyper", stage.hyper().toJson());
        prov.put("time", Instant.now().toString());
        prov.put("tagllm_version", tagllm.util.Version.current());
        // an engine other than this JVM (engine: spark) says where the gradients were computed: absent, this JVM
        ObjectNode where = engine == null ? null : engine.provenance();
        if (where != null) prov.set("engine", where);
        tags.provenance().add(prov);
    }

    /** The trained tags' valid-split scores, in the summary and as a metrics record (when the data has a valid split). */
    private void recordValidation(Experiment exp, StageSpec stage, TagSet tags, TokenizerEncoder enc, ObjectNode summary, MetricsLog log,
                                  int steps) throws IOException {
        ObjectNode valid = validation.scores(exp, stage, tags, enc);
        if (valid == null) return;
        summary.set("valid", valid);
        ObjectNode rec = log.newRecord();
        rec.put("stage", stage.name());
        rec.put("step", steps);
        rec.set("valid", valid);
        log.write(rec);
    }

    /** Told (task, split) each time a row of a split is rendered (package-private: a test counts them). */
    void onRendering(java.util.function.BiConsumer<String, String> listener) { examples.onRendering = listener; }

    /** Renders a split's rows; rows that do not fit are reported and skipped (or stop the run with --strict). */
    public List<Example> examples(TaskSpec t, DataSpec ds, String split, int cap, TagSet tags, TokenizerEncoder enc) throws IOException {
        return examples.of(t, ds, split, cap, tags, enc);
    }

    /** Called as a baseline's head fit starts in {@link #initHead} (package-private: a test runs out of heap there). */
    static java.util.function.Consumer<TaskSpec> onBaselineHeadFit = t -> {};

    /**
     * A new head for a task, set up as a stage would (its spec's bias, standardisation and init; ridge on the
     * hidden states at the examples' read positions, λ picked on valid): baselines train the same head.
     *
     * @param stage the name the baseline trains under (e.g. "lora-qed"), named when the fit runs out of heap
     * @throws Trainer.OutOfMemoryInStage the heap ran out fitting the head: naming stage and the task, as a stage's own
     *         head fit does (the bare "Java heap space" named neither)
     */
    public static void initHead(Transformer model, TagSet tags, TaskSpec t, List<Example> train, List<Example> valid, String stage) {
        // classes must be resolved (ClassificationHeads.resolveClasses); ridge init means the logistic fit for classes
        createHead(tags, t, train, new EmbeddingStatistics(model));
        if (t.head().init() == HeadInit.RIDGE) fitHead(model, tags, t, train, valid, stage, onBaselineHeadFit);
    }
}
