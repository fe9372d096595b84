package tagllm.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.head.RegressionHead;
import tagllm.model.ForwardPass;
import tagllm.model.LmHeadLoss;
import tagllm.model.LoraAdapters;
import tagllm.model.PackedBatch;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.Tag;
import tagllm.tag.TagSet;
import tagllm.task.Example;
import tagllm.task.TaskType;
import tagllm.util.Plural;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs one stage's optimisation: micro-batches of packed sequences, forward through the frozen model,
 * the losses (head MSE × scale at the function tag's last slot; next-token CE over text positions),
 * backward to the input rows, gradients scattered into the trainable tags, clipping, optimizer step.
 * The data order depends only on the seed and the epoch, so a run resumed from a checkpoint continues
 * on exactly the examples the uninterrupted run would have seen.
 */
public final class Trainer {
    private final Transformer model;
    private final Progress progress;
    private final MetricsLog log;
    private GradientEngine engine;

    public Trainer(Transformer model, Progress progress, MetricsLog log) {
        this.model = model;
        this.progress = progress;
        this.log = log;
    }

    /** Computes each step's micro-batch gradients through this engine (e.g. on Spark) instead of in this JVM; null: here. */
    public Trainer engine(GradientEngine engine) {
        this.engine = engine;
        return this;
    }

    /** What a stage run needs besides the examples. stopAfter > 0 ends the run after that step (testing a kill). */
    /** lora: adapters on the model's q and v projections trained too (compare's LoRA baseline), or null. */
    public record Options(String stageName, Hyper hyper, long seed, boolean enrichCe, Path checkpoint, boolean resume, int stopAfter,
                          Validator validator, LoraAdapters lora) {
        public Options(String stageName, Hyper hyper, long seed, boolean enrichCe, Path checkpoint, boolean resume, int stopAfter) {
            this(stageName, hyper, seed, enrichCe, checkpoint, resume, stopAfter, null, null);
        }

        public Options(String stageName, Hyper hyper, long seed, boolean enrichCe, Path checkpoint, boolean resume, int stopAfter,
                       Validator validator) {
            this(stageName, hyper, seed, enrichCe, checkpoint, resume, stopAfter, validator, null);
        }
    }

    /** Scores the current tags and heads on held-out data, lower is better (used every eval_every steps). */
    @FunctionalInterface
    public interface Validator {
        Score score(TagSet tags);
    }

    /**
     * A validation score: the mean over the scored tasks, and, when the trained tags are independent (each
     * scored task depends on exactly one trained tag and its head, every trained tag is scored), the score
     * per trained tag. With per-tag scores each tag and its head are kept at their own best step: a stage
     * training ⟨QED⟩ and ⟨Descriptor⟩ side by side should not keep one at the other's best step.
     */
    public record Score(double mean, Map<String, Double> byTag) {
        public static Score of(double mean) { return new Score(mean, Map.of()); }
    }

    public record Result(int steps, int totalSteps, double lastLoss, boolean stopped, long rows) {}

    /**
     * The loss became NaN or infinite: the stage stops. Its own type so that compare can record the run as diverged
     * and go on with the others (training is deterministic: the same settings diverge again at the same step).
     */
    public static final class Diverged extends IllegalStateException {
        private final String stage;
        private final int step;
        private final double loss;

        private final boolean beforeAnyUpdate;

        /** The loss of step {@code step} (counted from 1) after {@code updates} optimizer steps of this stage (fewer on a resume). */
        public Diverged(String stage, int step, int updates, double loss) {
            super("stage " + stage + ": the loss became " + loss + " at step " + step + ", after " + Plural.count(updates, "update")
                    + " (lower the learning rate, or check the labels)");
            this.stage = stage;
            this.step = step;
            this.loss = loss;
            this.beforeAnyUpdate = false;
        }

        /**
         * The loss of the stage's first step, before any update: the outputs of the model with the initial tags are not finite
         * in this compute precision, which no learning rate mends. where names the first row whose loss is not finite.
         */
        public Diverged(String stage, double loss, boolean bf16, String where) {
            super("stage " + stage + ": the loss is " + loss + " at step 1, before any update: the model's outputs are not finite with the"
                    + " initial tags in " + (bf16 ? "bf16" : "f32") + " compute (" + where + "); no learning rate mends this: "
                    + (bf16 ? "try --compute f32, or check the model's weights" : "check the model's weights") + " and the initial tags");
            this.stage = stage;
            this.step = 1;
            this.loss = loss;
            this.beforeAnyUpdate = true;
        }

        /** Whether the loss was already not finite before this stage's first update (no learning rate mends it). */
        public boolean beforeAnyUpdate() { return beforeAnyUpdate; }

        public String stage() { return stage; }

        public int step() { return step; }

        public double loss() { return loss; }
    }

    /**
     * The heap ran out during a stage: still an OutOfMemoryError (what catches one still does), with the JVM's message, naming
     * the stage and the step being taken (0: before its first step), or what the stage was doing before its steps (its
     * rows being read and rendered, ExperimentRunner), so that the CLI's message can say where (cli.OutOfMemory).
     */
    public static final class OutOfMemoryInStage extends OutOfMemoryError {
        private final String stage;
        private final int step;
        private final int totalSteps;
        private final String during;

        public OutOfMemoryInStage(String stage, int step, int totalSteps, OutOfMemoryError cause) {
            this(stage, step, totalSteps, null, cause);
        }

        /** Out of heap before the stage's steps, while {@code during} (e.g. "reading its rows from FILE"). */
        public OutOfMemoryInStage(String stage, String during, OutOfMemoryError cause) {
            this(stage, 0, 0, during, cause);
        }

        private OutOfMemoryInStage(String stage, int step, int totalSteps, String during, OutOfMemoryError cause) {
            super(cause.getMessage());
            initCause(cause);
            this.stage = stage;
            this.step = step;
            this.totalSteps = totalSteps;
            this.during = during;
        }

        /**
         * {@code e} named with the stage and what it was doing before its steps, unless an inner call named it already
         * (its stage and step are the more precise).
         */
        public static OutOfMemoryError naming(String stage, String during, OutOfMemoryError e) {
            return e instanceof OutOfMemoryInStage ? e : new OutOfMemoryInStage(stage, during, e);
        }

        public String stage() { return stage; }

        /** What the stage was doing when the heap ran out before its steps; null when it ran out in its step loop. */
        public String during() { return during; }

        public int step() { return step; }

        public int totalSteps() { return totalSteps; }
    }

    /** The loss parts of one step (averaged over its micro-batches). */
    public record StepLoss(double total, double mse, double ce, long rows, double cls) {}

    public Result run(TagSet tags, List<Example> examples, Set<String> trainable, Options o) throws IOException {
        if (examples.isEmpty()) throw new IllegalArgumentException("stage " + o.stageName() + ": no training examples");
        return new StageLoop(tags, examples, trainable, o).run();
    }

    /**
     * One stage's optimisation with its state: the trained arrays and their groups, the batch order, the schedule and
     * optimizer, the best-step snapshot. {@link #run} reads as the loop: each step accumulates the micro-batches'
     * gradients, clips, steps the optimizer, then logs, validates, checkpoints.
     */
    private final class StageLoop {
        private final TagSet tags;
        private final List<Example> examples;
        private final Set<String> trainable;
        private final Options o;
        private final Hyper h;
        private final Trainables acc;
        /** Each micro-batch's gradient is computed from zero here, then added to the step's sum in micro-batch order:
         *  the same sums whether the micro-batches ran here or on a cluster (GradientEngine). */
        private final Trainables scratch;
        private final List<Param> params;
        private final Map<String, int[]> groups;
        private final BatchOrder batches;
        private final int total;
        private final LrSchedule schedule;
        private final Optimizer opt;
        private final Validator validator;
        private final BestSnapshot best;
        private final long t0 = System.nanoTime();
        private long rows;

        StageLoop(TagSet tags, List<Example> examples, Set<String> trainable, Options o) {
            this.tags = tags;
            this.examples = examples;
            this.trainable = trainable;
            this.o = o;
            this.h = o.hyper();
            this.acc = Trainables.of(tags, trainable, h, o.stageName());
            this.params = new ArrayList<>(acc.params());
            this.groups = new LinkedHashMap<>(acc.groups());
            if (o.lora() != null) addLoraAdapters();
            if (params.isEmpty()) {
                throw new IllegalArgumentException("stage " + o.stageName() + ": nothing to train"
                        + (h.headLrScale() == 0 ? " (head_lr_scale 0 freezes the heads, and no tag trains)" : ""));
            }
            this.scratch = engine == null ? Trainables.of(tags, trainable, h, o.stageName()) : null;
            this.batches = new BatchOrder(examples.size(), h.batchSize(), h.gradAccum(), o.seed(), h.maxSteps() > 0 ? 0 : h.epochs());
            this.total = h.maxSteps() > 0 ? h.maxSteps() : batches.steps(h.epochs());
            this.schedule = LrSchedule.of(h.schedule(), h.lr(), h.warmupRatio(), total);
            this.opt = h.newOptimizer();
            this.validator = h.evalEvery() > 0 ? o.validator() : null;
            this.best = validator != null ? new BestSnapshot(params, groups) : null;
        }

        /** compare's LoRA baseline: the adapters' arrays train too, as one group (their gradients accumulate in microStep). */
        private void addLoraAdapters() {
            if (engine != null) throw new IllegalArgumentException("stage " + o.stageName() + ": LoRA adapters train in one JVM only (engine: local)");
            int first = params.size();
            for (LoraAdapters.Array a : o.lora().arrays()) params.add(new Param(a.name(), a.value(), a.grad(), 1.0));
            int[] members = new int[params.size() - first];
            for (int k = 0; k < members.length; k++) members[k] = first + k;
            groups.put("lora", members);
        }

        /** The step being taken (counted from 1), 0 before the first: an OutOfMemoryError names it. */
        private int atStep;

        Result run() throws IOException {
            try {
                return steps();
            } catch (OutOfMemoryError e) {
                // the step's arrays are unreachable by now: the few bytes of the wrapper are there to take
                if (e instanceof OutOfMemoryInStage) throw e;
                throw new OutOfMemoryInStage(o.stageName(), atStep, total, e);
            }
        }

        private Result steps() throws IOException {
            int step = resumeStep();
            progress.start(o.stageName(), step, total);
            // a resumed stage takes its best so far from the checkpoint: validating here would log a step the
            // uninterrupted run never validated and start a second best-so-far
            if (best != null && !best.validated()) validate(validator, tags, best, o.stageName(), step);
            if (engine != null) engine.begin(new GradientEngine.StageWork(o.stageName(), tags, examples, trainable, h, o.enrichCe()));
            StepLoss last = null;
            while (step < total) {
                atStep = step + 1;
                last = accumulateGradients(step);
                // before the optimizer step: non-finite gradients never reach the tags, and a first step's loss can be told apart
                requireFinite(last.total(), step);
                boolean logged = (step + 1) % h.logEvery() == 0 || step + 1 == total;
                // per array, before clipping, on logged steps: how the gradient splits between tags and heads (docs/training.md, BA)
                double[] norms = logged ? arrayNorms() : null;
                double norm = GradClip.clip(params, h.maxGradNorm());
                double lr = schedule.lr(step);
                opt.step(params, lr);
                step++;
                rows += last.rows();
                double tps = rows / Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
                // an interrupt (Future.cancel(true) on a training job) stops the stage after this step; the run's files
                // go through interruptible channels, so the flag is cleared while the step's log line and a checkpoint
                // to resume from are written, then set again
                boolean interrupted = Thread.interrupted();
                try {
                    if (logged) logStep(step, last, lr, norm, norms, tps);
                    progress.update(step, last.total(), tps);
                    if (best != null && (step % h.evalEvery() == 0 || step == total)) validate(validator, tags, best, o.stageName(), step);
                    boolean periodic = h.checkpointEvery() > 0 && step % h.checkpointEvery() == 0;
                    if (o.checkpoint() != null && (periodic || interrupted) && step < total) checkpoint(step);
                } finally {
                    if (interrupted) Thread.currentThread().interrupt();
                }
                if (interrupted && step < total) {
                    throw new java.util.concurrent.CancellationException("interrupted: stage " + o.stageName() + " stopped after step "
                            + step + " of " + total + (o.checkpoint() != null ? "; a resume continues from its checkpoint" : ""));
                }
                if (o.stopAfter() > 0 && step >= o.stopAfter() && step < total) return new Result(step, total, last.total(), true, rows);
            }
            if (best != null) keepBestSteps(step);
            return new Result(step, total, last == null ? Double.NaN : last.total(), false, rows);
        }

        /** With resume and a checkpoint of this stage: the tags, heads and optimizer state put back; returns its step (else 0). */
        private int resumeStep() throws IOException {
            if (!o.resume() || o.checkpoint() == null || !Files.exists(o.checkpoint())) return 0;
            Checkpoint.Loaded c = Checkpoint.read(o.checkpoint());
            if (!c.state().stage().equals(o.stageName()) || c.state().totalSteps() != total || !c.state().optimizer().equals(opt.name())) {
                throw new IllegalArgumentException(o.checkpoint() + ": checkpoint of stage '" + c.state().stage() + "' with "
                        + c.state().totalSteps() + " steps (" + c.state().optimizer() + ") does not match this stage ('"
                        + o.stageName() + "', " + total + " steps, " + opt.name() + "): the experiment changed; start over without --resume");
            }
            restore(tags, c.tags(), trainable);
            opt.restore(c.optimizerState(), c.state().optimizerSteps());
            if (best != null && c.best() != null) best.restore(c.best(), o.checkpoint());
            int step = c.state().step();
            progress.message("resuming stage " + o.stageName() + " at step " + step + "/" + total + " from " + o.checkpoint());
            return step;
        }

        /** The step's gradient: its grad_accum micro-batches, each from zero (here or on the engine), summed in order into the accumulators. */
        private StepLoss accumulateGradients(int step) {
            for (Param p : params) p.zeroGrad();
            double loss = 0, mse = 0, ce = 0, cls = 0;
            long stepRows = 0;
            List<int[]> microBatches = batches.microBatches(step);
            List<GradientEngine.MicroGradient> grads = engine != null ? engine.compute(tags, microBatches) : null;
            int count = microBatches.size();
            for (int a = 0; a < count; a++) {
                GradientEngine.MicroGradient l = engine != null ? grads.get(a) : localMicroBatch(microBatches.get(a), (long) step * h.gradAccum() + a);
                acc.add(l.grads());
                loss += l.total() / count;
                mse += l.mse() / count;
                ce += l.ce() / count;
                cls += l.cls() / count;
                stepRows += l.rows();
            }
            // each micro-batch's gradient is scaled by 1/grad_accum; a shorter last step (the end of an epochs run) is
            // the mean over the micro-batches it has, as a full step is
            if (count < h.gradAccum()) {
                float scale = (float) h.gradAccum() / count;
                for (Param p : params) for (int i = 0; i < p.grad().length; i++) p.grad()[i] *= scale;
            }
            return new StepLoss(loss, mse, ce, stepRows, cls);
        }

        /** One micro-batch in this JVM; LoRA's dropout masks are drawn once per micro-step from the seed and its index (reproducible, resumable). */
        private GradientEngine.MicroGradient localMicroBatch(int[] indices, long microStep) {
            List<Example> batch = new ArrayList<>();
            for (int i : indices) batch.add(examples.get(i));
            if (o.lora() != null) o.lora().train(o.seed() * 1_000_003L + microStep);
            GradientEngine.MicroGradient l = microBatchGradient(tags, batch, trainable, h, o.enrichCe(), scratch, o.lora() != null);
            if (o.lora() != null) o.lora().eval();
            return l;
        }

        private double[] arrayNorms() {
            double[] norms = new double[params.size()];
            for (int k = 0; k < norms.length; k++) norms[k] = GradClip.globalNorm(List.of(params.get(k)));
            return norms;
        }

        /** updates: the optimizer steps this stage has taken (the step about to be taken is updates + 1). */
        private void requireFinite(double loss, int updates) {
            if (Double.isFinite(loss)) return;
            if (updates == 0) throw new Diverged(o.stageName(), loss, model.weights().bf16Compute(), firstNonFiniteRow());
            throw new Diverged(o.stageName(), updates + 1, updates, loss);
        }

        /**
         * The first row of the first step whose loss alone is not finite ("the first row: file:line"), or when none is
         * alone, the step's rows ("the first step's N rows from file:line"): each row once more through the model in
         * this JVM, with the gradients thrown away. Only on this failure, at most one step's rows.
         */
        private String firstNonFiniteRow() {
            List<Example> rowsOfStep = new ArrayList<>();
            for (int[] micro : batches.microBatches(0)) for (int i : micro) rowsOfStep.add(examples.get(i));
            for (Example e : rowsOfStep) {
                GradientEngine.MicroGradient one = microBatchGradient(tags, List.of(e), trainable, h, o.enrichCe(),
                        Trainables.of(tags, trainable, h, o.stageName()), o.lora() != null);
                if (!Double.isFinite(one.total())) return "the first row: " + e.where();
            }
            Example first = rowsOfStep.get(0);
            return "the first step's " + Plural.count(rowsOfStep.size(), "row") + " from " + first.where();
        }

        private void logStep(int step, StepLoss l, double lr, double norm, double[] norms, double tps) throws IOException {
            ObjectNode r = log.newRecord();
            r.put("stage", o.stageName());
            r.put("step", step);
            r.put("loss", l.total());
            if (l.mse() != 0) r.put("mse", l.mse());
            if (l.ce() != 0) r.put("ce", l.ce());
            if (l.cls() != 0) r.put("cls", l.cls());
            r.put("lr", lr);
            r.put("grad_norm", norm);
            ObjectNode by = r.putObject("grad_norms");
            for (int k = 0; k < norms.length; k++) by.put(params.get(k).name(), norms[k]);
            r.put("tokens_per_s", Math.round(tps));
            log.write(r);
        }

        private void checkpoint(int step) throws IOException {
            Checkpoint.write(o.checkpoint(), tags, opt, new Checkpoint.State(o.stageName(), step, total, opt.name(), opt.steps()),
                    best == null || !best.validated() ? null : best.state());
        }

        /** Puts back each group's best-validation arrays and records the step each was kept from (0: never beat the initial tags). */
        private void keepBestSteps(int step) throws IOException {
            String kept = best.restore(step);
            if (!kept.isEmpty()) progress.message("stage " + o.stageName() + ": keeping " + kept);
            ObjectNode r = log.newRecord();
            r.put("stage", o.stageName());
            r.put("step", step);
            ObjectNode by = r.putObject("kept_step");
            best.keptSteps().forEach((g, at) -> by.put(g.isEmpty() ? "all" : g, at));
            log.write(r);
        }
    }

    private void validate(Validator v, TagSet tags, BestSnapshot best, String stage, int step) throws IOException {
        Score score;
        try {
            score = v.score(tags);
        } catch (tagllm.task.NonFiniteOutputs e) {
            // before this stage's first update the outputs of the model and tags as given are not finite: no step can
            // mend that, and the error names the row. After an update the trained values have diverged: no score at this
            // step (never kept as the best), and the next step's loss check stops the stage as diverged, as it did
            // before the validators refused non-finite outputs
            if (!best.validated()) throw e;
            progress.message("stage " + stage + ": no validation score at step " + step + ": " + e.getMessage());
            score = Score.of(Double.NaN);
        }
        ObjectNode r = log.newRecord();
        r.put("stage", stage);
        r.put("step", step);
        List<String> undefined = new ArrayList<>();
        putScore(r, "valid_score", score.mean(), "valid_score", undefined);
        if (!score.byTag().isEmpty()) {
            ObjectNode by = r.putObject("valid_by_tag");
            score.byTag().forEach((tag, s) -> putScore(by, tag, s, "valid_by_tag " + tag, undefined));
        }
        if (!undefined.isEmpty()) r.set("undefined", r.arrayNode().addAll(undefined.stream().map(r::textNode).toList()));
        log.write(r);
        best.offer(score, step);
    }

    /**
     * A validation score as eval --json writes a metric: a finite one as a number, one with no value as null with its
     * reason under "undefined". Jackson wrote it as the string "NaN", and a reader's asDouble turns a null into 0.0.
     */
    private static void putScore(ObjectNode into, String name, double s, String about, List<String> undefined) {
        if (Double.isFinite(s)) {
            into.put(name, s);
            return;
        }
        into.putNull(name);
        undefined.add(about + ": " + s + ", not a number (the validator gave no score at this step; it is never kept as the best)");
    }

    /**
     * Copies of the trainable arrays at their best validation step: per trained tag (the tag with its head)
     * when every validation gives a score for each of them, otherwise one joint copy at the best mean score.
     */
    private static final class BestSnapshot {
        private final List<Param> params;
        private final Map<String, int[]> groups;
        private final List<float[]> values = new ArrayList<>();
        private final Map<String, Double> score = new LinkedHashMap<>();
        private final Map<String, Integer> step = new LinkedHashMap<>();
        private boolean joint;
        private boolean first = true;

        BestSnapshot(List<Param> params, Map<String, int[]> groups) {
            this.params = params;
            this.groups = groups;
            for (Param p : params) values.add(p.value().clone());
        }

        void offer(Score s, int atStep) {
            // the first score fixes the mode (the validator's tasks do not change during a run)
            if (first) {
                joint = !s.byTag().keySet().equals(groups.keySet());
                first = false;
            }
            if (joint) {
                offer("", all(), s.mean(), atStep);
            } else {
                for (Map.Entry<String, int[]> g : groups.entrySet()) offer(g.getKey(), g.getValue(), s.byTag().getOrDefault(g.getKey(), Double.NaN), atStep);
            }
        }

        private void offer(String group, int[] members, double s, int atStep) {
            if (!(s < score.getOrDefault(group, Double.POSITIVE_INFINITY))) return;
            score.put(group, s);
            step.put(group, atStep);
            for (int i : members) System.arraycopy(params.get(i).value(), 0, values.get(i), 0, values.get(i).length);
        }

        private int[] all() {
            int[] a = new int[params.size()];
            for (int i = 0; i < a.length; i++) a[i] = i;
            return a;
        }

        /** The step each group was kept at ("" = all trained arrays together). */
        Map<String, Integer> keptSteps() { return step; }

        /** Whether a validation has been offered (or restored from a checkpoint). */
        boolean validated() { return !first; }

        /** The snapshot as a checkpoint holds it (the arrays by parameter name; written before the next step changes them). */
        Checkpoint.Best state() {
            Map<String, float[]> byName = new LinkedHashMap<>();
            for (int i = 0; i < params.size(); i++) byName.put(params.get(i).name(), values.get(i));
            return new Checkpoint.Best(joint, score, step, byName);
        }

        /** Puts back a checkpoint's snapshot: its scores, steps and arrays, so that the resumed stage keeps what the uninterrupted one would. */
        void restore(Checkpoint.Best b, Path from) {
            for (int i = 0; i < params.size(); i++) {
                float[] v = b.values().get(params.get(i).name());
                if (v == null || v.length != values.get(i).length) {
                    throw new IllegalArgumentException(from + ": the checkpoint's best-validation copy of " + params.get(i).name()
                            + " is missing or has another size: the experiment changed; start over without --resume");
                }
                System.arraycopy(v, 0, values.get(i), 0, v.length);
            }
            joint = b.joint();
            score.clear();
            score.putAll(b.score());
            step.clear();
            step.putAll(b.step());
            first = false;
        }

        /** Puts back the kept arrays; says what was kept from an earlier step than the last ("" when nothing). */
        String restore(int lastStep) {
            StringBuilder b = new StringBuilder();
            for (String g : score.keySet()) {
                int at = step.get(g);
                if (at == lastStep) continue;
                for (int i : g.isEmpty() ? all() : groups.get(g)) System.arraycopy(values.get(i), 0, params.get(i).value(), 0, values.get(i).length);
                if (!b.isEmpty()) b.append("; ");
                b.append(g.isEmpty() ? "the trained weights (tags, heads or adapters)" : g + " and its head").append(" of step ").append(at)
                        .append(String.format(java.util.Locale.ROOT, " (best validation score %.5g)", score.get(g)));
            }
            return b.toString();
        }
    }

    private static void restore(TagSet into, TagSet from, Set<String> trainable) {
        for (String name : trainable) {
            Tag src = from.get(name), dst = into.get(name);
            if (dst != null) {
                if (src == null || src.values().length != dst.values().length) throw new IllegalArgumentException("checkpoint tag " + name + " is missing or has another shape");
                System.arraycopy(src.values(), 0, dst.values(), 0, dst.values().length);
            }
            RegressionHead hs = from.head(name), hd = into.head(name);
            if (hd != null && hs != null) {
                System.arraycopy(hs.weight(), 0, hd.weight(), 0, hd.weight().length);
                if (hd.bias() != null && hs.bias() != null) System.arraycopy(hs.bias(), 0, hd.bias(), 0, hd.bias().length);
            }
        }
    }

    /**
     * The trainable arrays of a stage in a fixed order (each trainable tag, then its head's weight and bias) with
     * gradient accumulators, and the maps microStep scatters into.
     */
    record Trainables(List<Param> params, Map<String, float[]> tagGrads, Map<String, Param> headW, Map<String, Param> headB,
                      Map<String, int[]> groups) {
        static Trainables of(TagSet tags, Set<String> trainable, Hyper h, String stage) {
            List<Param> params = new ArrayList<>();
            Map<String, float[]> tagGrads = new LinkedHashMap<>();
            Map<String, Param> headW = new LinkedHashMap<>();
            Map<String, Param> headB = new LinkedHashMap<>();
            Map<String, int[]> groups = new LinkedHashMap<>();
            for (String name : trainable) {
                // a trainable name is a tag (with the head it feeds, if any) or a head without a tag (TaskSpec.headKey)
                Tag t = tags.get(name);
                String key = Tag.canonicalName(name), bare = Tag.bareName(name);
                int first = params.size();
                if (t != null) {
                    Param p = new Param("tag." + bare, t.values());
                    params.add(p);
                    tagGrads.put(key, p.grad());
                }
                RegressionHead head = tags.head(key);
                if (t == null && head == null) throw new IllegalArgumentException("stage " + stage + ": " + key + " is neither a tag nor a head");
                // head_lr_scale 0 freezes the heads: as a frozen torch parameter (no .grad) they are then no parameter at
                // all, so their gradient does not count in the global norm that clips the tags' gradients
                if (head != null && h.headLrScale() > 0) {
                    Param w = new Param("head." + bare + ".weight", head.weight(), h.headLrScale());
                    params.add(w);
                    headW.put(key, w);
                    if (head.bias() != null) {
                        Param b = new Param("head." + bare + ".bias", head.bias(), h.headLrScale());
                        params.add(b);
                        headB.put(key, b);
                    }
                }
                int[] members = new int[params.size() - first];
                for (int k = 0; k < members.length; k++) members[k] = first + k;
                groups.put(key, members);
            }
            return new Trainables(params, tagGrads, headW, headB, groups);
        }

        /** Adds one micro-batch's gradients (in params order) into the accumulators. */
        void add(float[][] grads) {
            for (int i = 0; i < params.size(); i++) {
                float[] into = params.get(i).grad(), g = grads[i];
                for (int k = 0; k < into.length; k++) into[k] += g[k];
            }
        }

        float[][] grads() {
            float[][] g = new float[params.size()][];
            for (int i = 0; i < g.length; i++) g[i] = params.get(i).grad();
            return g;
        }
    }

    /**
     * The live arrays that train for {@code trainable} (each tag's values, then its head's weight and bias), in the
     * order of {@link GradientEngine.MicroGradient#grads}: an engine copies them to its workers each step.
     */
    public static List<float[]> trainableValues(TagSet tags, Set<String> trainable, Hyper h) {
        return Trainables.of(tags, trainable, h, "").params().stream().map(Param::value).toList();
    }

    /**
     * One micro-batch's gradients from zero (scaled by 1/grad_accum, as the step sums them) and its losses, at the
     * tags' current values: the unit of work a {@link GradientEngine} distributes.
     */
    public GradientEngine.MicroGradient microBatchGradient(TagSet tags, List<Example> batch, Set<String> trainable, Hyper h, boolean enrichCe) {
        return microBatchGradient(tags, batch, trainable, h, enrichCe, Trainables.of(tags, trainable, h, ""), false);
    }

    private GradientEngine.MicroGradient microBatchGradient(TagSet tags, List<Example> batch, Set<String> trainable, Hyper h,
                                                            boolean enrichCe, Trainables into, boolean everyRow) {
        for (Param p : into.params()) p.zeroGrad();
        StepLoss l = microStep(tags, batch, into.tagGrads(), into.headW(), into.headB(), trainable, h, enrichCe, 1.0 / h.gradAccum(), everyRow);
        return new GradientEngine.MicroGradient(into.grads(), l.total(), l.mse(), l.ce(), l.rows(), l.cls());
    }

    /**
     * Forward, losses and backward of one micro-batch; gradients are added (× gradScale) into the
     * parameters' accumulators. Returns the unscaled losses.
     */
    StepLoss microStep(TagSet tags, List<Example> batch, Map<String, float[]> tagGrads, Map<String, Param> headW,
                       Map<String, Param> headB, Set<String> trainable, Hyper h, boolean enrichCe, double gradScale) {
        return microStep(tags, batch, tagGrads, headW, headB, trainable, h, enrichCe, gradScale, false);
    }

    /** everyRow: the backward runs over every row (adapters inside the model need them all), not from the first trainable tag. */
    StepLoss microStep(TagSet tags, List<Example> batch, Map<String, float[]> tagGrads, Map<String, Param> headW,
                       Map<String, Param> headB, Set<String> trainable, Hyper h, boolean enrichCe, double gradScale, boolean everyRow) {
        int d = model.config().hiddenSize();
        List<Sequence> seqs = batch.stream().map(Example::sequence).toList();
        // the input block from the model's pool, handed back after the step: nothing per step is left to promote
        SequencePacker.Packed packed = SequencePacker.pack(seqs, tags, model::embed, d, trainable::contains, model::borrowBuffer);
        if (everyRow) {
            PackedBatch b = packed.batch();
            int[] from = new int[b.sequences()], position = new int[b.rows()], attend = new int[b.rows()];
            for (int s = 0; s < from.length; s++) from[s] = b.seqStart(s);
            for (int r = 0; r < b.rows(); r++) {
                position[r] = b.position(r);
                attend[r] = b.attendFrom(r);
            }
            packed = new SequencePacker.Packed(new PackedBatch(d, b.input(), b.seqStarts(), position, attend, from), packed.sequences(), packed.offsets());
        }
        boolean backward = false;
        for (int s = 0; s < seqs.size(); s++) backward |= packed.batch().gradFrom(s) < packed.batch().seqEnd(s);
        LossParts parts;
        // closing the pass hands its activation buffers back to the engine's pool for the next micro-step
        try (ForwardPass pass = model.forward(packed.batch(), backward, headRowsOnly(batch, packed, enrichCe))) {
            float[] dNormed = pass.gradientRows();
            parts = losses(tags, batch, packed, pass, dNormed, headW, headB, h, enrichCe, gradScale);
            if (backward) {
                float[] dInput = model.backward(pass, dNormed, pass.gradientRows()); // the pass's: used before it closes
                packed.scatter(dInput, tagGrads);
            }
        } finally {
            model.recycle(packed.batch().input());
        }
        return new StepLoss(parts.mse + parts.cls + h.ceWeight() * parts.ce, parts.mse, parts.ce, packed.batch().rows(), parts.cls);
    }

    /** Head MSE (× mse_scale), classification-head cross-entropy, next-token cross-entropy. */
    private record LossParts(double mse, double ce, double cls) {}

    /**
     * The rows the losses read when only regression heads do (one row per example, ascending): the forward then
     * computes its top layer only there. Null when a next-token loss reads text rows.
     */
    private static int[] headRowsOnly(List<Example> batch, SequencePacker.Packed packed, boolean enrichCe) {
        if (enrichCe) return null;
        int[] rows = new int[batch.size()];
        for (int s = 0; s < batch.size(); s++) {
            Example e = batch.get(s);
            if (!e.task().type().readsHead()) return null;
            rows[s] = packed.row(s, e.sequence().readPosition());
        }
        return rows;
    }

    /** Head MSE and next-token CE of a packed micro-batch; dL/d(normed) goes into dNormed (× gradScale). */
    private LossParts losses(TagSet tags, List<Example> batch, SequencePacker.Packed packed, ForwardPass pass, float[] dNormed,
                             Map<String, Param> headW, Map<String, Param> headB, Hyper h, boolean enrichCe, double gradScale) {
        int d = model.config().hiddenSize();
        // Plain index arrays, not ArrayLists: with ArrayLists here, C2's escape analysis in Temurin 25.0.3 compiled
        // this method so that regIdx.add threw "elementData is null" (DemoTest's standard demo after RandomInitTest
        // in one JVM, every time; gone with -XX:-DoEscapeAnalysis or with this method left to the interpreter).
        int[] regIdx = new int[batch.size()], clsIdx = new int[batch.size()];
        int nReg = 0, nCls = 0, nCe = 0;
        int[][][] ceTargets = new int[batch.size()][][];
        for (int s = 0; s < batch.size(); s++) {
            Example e = batch.get(s);
            TaskType type = e.task().type();
            if (type == TaskType.REGRESSION) regIdx[nReg++] = s;
            if (type == TaskType.CLASSIFICATION) clsIdx[nCls++] = s;
            boolean ce = type == TaskType.LANGUAGE_MODEL || type == TaskType.TEXT || enrichCe;
            if (ce) {
                boolean outputOnly = type == TaskType.TEXT && e.task().lossOnOutputOnly();
                ceTargets[s] = e.sequence().ceTargets(outputOnly);
                nCe += ceTargets[s].length;
            }
        }
        double mse = 0;
        if (nReg > 0) {
            int n = nReg;
            double[] z = new double[n], target = new double[n], dz = new double[n];
            RegressionHead[] heads = new RegressionHead[n];
            int[] rows = new int[n];
            float[][] x = new float[n][];
            for (int i = 0; i < n; i++) {
                Example e = batch.get(regIdx[i]);
                String f = e.task().headKey();
                heads[i] = tags.head(f);
                if (heads[i] == null) throw new IllegalStateException("function tag " + f + " has no head");
                rows[i] = packed.row(regIdx[i], e.sequence().readPosition());
                x[i] = pass.normedRow(rows[i]);
                z[i] = heads[i].forward(x[i], 0)[0];
                target[i] = heads[i].toHeadSpace(0, e.label());
            }
            mse = MseLoss.compute(z, target, h.mseScale(), dz);
            for (int i = 0; i < n; i++) {
                String f = Tag.canonicalName(heads[i].tag());
                Param w = headW.get(f), b = headB.get(f);
                heads[i].backward(x[i], 0, new double[]{dz[i] * gradScale}, w != null ? w.grad() : null,
                        b != null ? b.grad() : null, dNormed, rows[i] * d);
            }
        }
        double cls = nCls == 0 ? 0 : classificationLoss(tags, batch, packed, pass, dNormed, headW, headB,
                java.util.Arrays.copyOf(clsIdx, nCls), gradScale);
        double ce = 0;
        if (nCe > 0) {
            int[] rows = new int[nCe], targets = new int[nCe];
            int i = 0;
            for (int s = 0; s < batch.size(); s++) {
                if (ceTargets[s] == null) continue;
                for (int[] t : ceTargets[s]) {
                    rows[i] = packed.row(s, t[0]);
                    targets[i++] = t[1];
                }
            }
            ce = LmHeadLoss.crossEntropy(model, pass.normed(), rows, targets, (float) (h.ceWeight() * gradScale), dNormed);
        }
        return new LossParts(mse, ce, cls);
    }

    /**
     * Cross-entropy of the classification examples, per task (each task's classes and weights), summed over
     * tasks with each task's mean weighted by its share of the batch's classification examples.
     */
    private double classificationLoss(TagSet tags, List<Example> batch, SequencePacker.Packed packed, ForwardPass pass, float[] dNormed,
                                      Map<String, Param> headW, Map<String, Param> headB, int[] clsIdx, double gradScale) {
        int d = model.config().hiddenSize();
        Map<String, List<Integer>> byTask = new LinkedHashMap<>();
        for (int s : clsIdx) byTask.computeIfAbsent(batch.get(s).task().name(), k -> new ArrayList<>()).add(s);
        double total = 0;
        for (List<Integer> idx : byTask.values()) {
            int n = idx.size();
            double share = (double) n / clsIdx.length;
            var task = batch.get(idx.get(0)).task();
            String f = task.headKey();
            RegressionHead head = tags.head(f);
            if (head == null) throw new IllegalStateException("function tag " + f + " has no head");
            double[][] z = new double[n][], targets = new double[n][], dz = new double[n][head.outputs()];
            double[] label = new double[n];
            int[] rows = new int[n];
            float[][] x = new float[n][];
            for (int i = 0; i < n; i++) {
                Example e = batch.get(idx.get(i));
                rows[i] = packed.row(idx.get(i), e.sequence().readPosition());
                x[i] = pass.normedRow(rows[i]);
                z[i] = head.forward(x[i], 0);
                label[i] = e.label();
                targets[i] = e.targets();
            }
            total += share * ClassificationLoss.compute(task.classes(), z, label, targets, dz);
            Param w = headW.get(Tag.canonicalName(f)), b = headB.get(Tag.canonicalName(f));
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < dz[i].length; k++) dz[i][k] *= share * gradScale;
                head.backward(x[i], 0, dz[i], w != null ? w.grad() : null, b != null ? b.grad() : null, dNormed, rows[i] * d);
            }
        }
        return total;
    }
}
