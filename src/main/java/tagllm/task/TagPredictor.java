package tagllm.task;

import tagllm.config.ConfigException;

import tagllm.head.RegressionHead;
import tagllm.model.ForwardPass;
import tagllm.model.KvCache;
import tagllm.model.PackedBatch;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.tokenizer.Tokenizer;
import tagllm.util.NameLookup;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.IntPredicate;

/**
 * The Java facade for using trained tags: a frozen model plus a tag set (possibly merged from several
 * tag files: domain tags of one run composed with a function tag of another). Regression tasks read
 * the head at the function tag's last slot; text tasks generate greedily through the LM head with a
 * KV cache and stop at EOS or a newline.
 *
 * <p>Safe for concurrent calls from several threads: a call keeps its state to itself (its own buffers and KV cache;
 * the {@link Transformer} is thread-safe and the tokenizer's cache is concurrent), so results are the same as in
 * turn, as long as the {@link TagSet} it was given is not changed meanwhile. Concurrent calls share the engine's one
 * worker pool, so they are not faster than calls in turn; {@code tagllm serve} lets one request at a time use the
 * model for that reason.
 *
 * <p>A call made on a thread that is interrupted (e.g. by {@code Future.cancel(true)} or {@code
 * ExecutorService.shutdownNow()}) stops at its next batch of prompts or its next token and throws a
 * {@link CancellationException}, leaving the thread's interrupt status set; the predictor stays usable. A call that
 * has finished its work before it notices the interrupt returns its results.
 */
public final class TagPredictor {
    private final Transformer model;
    private final Tokenizer tokenizer;
    private final TagSet tags;
    private final IntPredicate isEos;

    /**
     * A predictor over a tag set already in memory ({@link #open} reads tag files). The tag set should have been trained
     * on this model: unlike {@code open}, this does not compare fingerprints.
     *
     * @param tokenizer the model's tokenizer, or null for a predictor given prompts as Sequences only
     *                  ({@link #predictValues}, {@link #classProbabilities}: e.g. random weights in {@code tagllm bench});
     *                  rendering text ({@link #renderer}) and generating then throw IllegalStateException
     * @param isEos which token ids end a generation, e.g. {@code model.generation()::isEos}
     * @throws NullPointerException for a null model, tags or isEos, naming it
     * @throws IllegalArgumentException for a tag or head whose width is not the model's hidden size, naming it and its file
     */
    public TagPredictor(Transformer model, Tokenizer tokenizer, TagSet tags, IntPredicate isEos) {
        this.model = Objects.requireNonNull(model, "model");
        this.tokenizer = tokenizer;
        this.tags = Objects.requireNonNull(tags, "tags");
        this.isEos = Objects.requireNonNull(isEos, "isEos");
        tags.requireHiddenSize(model.config().hiddenSize());
    }

    /**
     * Loads a base model (folder or Hub id) and one or more tag files, merged in order; every tag file
     * must have been trained on this base model (compared by fingerprint).
     *
     * @throws NullPointerException for a null model, tagFiles or element of tagFiles, naming it (before the model is loaded)
     * @throws IllegalArgumentException for no tag file, or one trained on another model, as {@link #open(tagllm.model.Model, List)}
     * @throws java.io.IOException      the model or a tag file cannot be read, naming it (a tag file that is missing
     *                                  or a folder, as {@link #open(tagllm.model.Model, List)})
     * @throws tagllm.model.ModelFormatException naming the file: no such model folder (and not a Hub id) or an
     *                                  unusable model, as {@link tagllm.model.Model#load(String)}; a tag file that is
     *                                  not one, as {@link #open(tagllm.model.Model, List)}
     * @throws IllegalStateException    the JVM was started without {@code --add-modules jdk.incubator.vector}
     *                                  (the message names the flag)
     * @throws CancellationException    when the calling thread is interrupted, naming what it was reading
     */
    public static TagPredictor open(String model, List<java.nio.file.Path> tagFiles) throws java.io.IOException {
        Objects.requireNonNull(model, "model");
        requireTagFiles(tagFiles);
        tagllm.model.Model m;
        try {
            m = tagllm.model.Model.load(model);
        } catch (java.io.IOException e) {
            throw unlessInterrupted(e, "loading the model " + model);
        }
        return open(m, tagFiles);
    }

    /**
     * A file read on an interrupted thread fails with a bare ClosedByInterruptException (no path, no reason): on such a
     * thread the interrupt is the cause, said as the calls say it; any other failure is returned as it is.
     */
    private static java.io.IOException unlessInterrupted(java.io.IOException e, String what) {
        if (!Thread.currentThread().isInterrupted()) return e;
        CancellationException c = new CancellationException("interrupted: " + what + " stopped (" + e + ")");
        c.initCause(e);
        throw c;
    }

    /**
     * The same on a model already loaded (e.g. {@code Model.load(dir).withBf16Compute()}, or one model shared by several
     * predictors: the predictor holds no resource of its own to close, its memory goes with it).
     *
     * @throws IllegalArgumentException when no tag file is given, or one was trained on another model (fingerprints differ)
     * @throws java.io.IOException      naming a tag file that is missing or a folder, or that cannot be read
     * @throws tagllm.model.ModelFormatException naming a tag file that is not one (not a safetensors file, no tagllm
     *                                  metadata, a damaged header)
     * @throws CancellationException    when the calling thread is interrupted (its file reads fail), naming the file
     * @throws NullPointerException     for a null model, tagFiles or element of tagFiles, naming it
     */
    public static TagPredictor open(tagllm.model.Model m, List<java.nio.file.Path> tagFiles) throws java.io.IOException {
        Objects.requireNonNull(m, "model");
        requireTagFiles(tagFiles);
        if (tagFiles.isEmpty()) throw new IllegalArgumentException("no tag file given");
        TagSet merged = null;
        tagllm.tokenizer.TokenizerIdentity tokenizer = tagllm.tokenizer.TokenizerIdentity.of(m.tokenizer());
        for (java.nio.file.Path f : tagFiles) {
            TagSet t;
            try {
                t = tagllm.tag.TagFile.read(f);
            } catch (java.io.IOException e) {
                throw unlessInterrupted(e, "reading the tag file " + f);
            }
            t.requireModel(m.fingerprint(), m.name(), f.toString());
            t.requireTokenizer(tokenizer, m.name(), f.toString());
            if (merged == null) merged = t;
            else merged.merge(t, f.toString());
        }
        return new TagPredictor(new Transformer(m.weights()), m.tokenizer(), merged, m.generation()::isEos);
    }

    private static void requireTagFiles(List<java.nio.file.Path> tagFiles) {
        Objects.requireNonNull(tagFiles, "tagFiles");
        for (int i = 0; i < tagFiles.size(); i++) Objects.requireNonNull(tagFiles.get(i), "tagFiles[" + i + "]");
    }

    /** Each prompt of a batch call, none null (else a bare NullPointerException deep in the engine). */
    private static void requirePrompts(List<Sequence> prompts) {
        Objects.requireNonNull(prompts, "prompts");
        for (int i = 0; i < prompts.size(); i++) Objects.requireNonNull(prompts.get(i), "prompts[" + i + "]");
    }

    /** The merged tag set (tags, heads and stored tasks); changing it while calls run changes their results. */
    public TagSet tags() { return tags; }

    /** The frozen model the tags are read through. */
    public Transformer model() { return model; }

    /** The model's tokenizer. */
    public Tokenizer tokenizer() { return tokenizer; }

    /** The tasks this predictor can run: those stored in its tag files, by name. */
    public Set<String> taskNames() { return new LinkedHashSet<>(tags.tasks().keySet()); }

    /**
     * A task stored in the tag files, else one of the paper's presets.
     *
     * @throws NullPointerException for a null name
     */
    public TaskSpec task(String name) {
        return task(tags, name);
    }

    /**
     * {@link #task(String)} on a tag set alone, no model loaded (Spark's driver checks a task so before any job).
     *
     * @throws NullPointerException for a null tag set or name
     */
    public static TaskSpec task(TagSet tags, String name) {
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(name, "name");
        NameLookup.Match m = NameLookup.find(tags.tasks().keySet(), name);
        if (m.isAmbiguous()) {
            throw new ConfigException("task '" + name + "' matches several tasks of the tag files that differ only in case ("
                    + String.join(", ", m.ambiguous()) + "): give the exact name");
        }
        if (m.found()) {
            String from = m.name().equals(name) ? " (from the tag file)" : "";
            return TaskSpec.fromJson(m.name(), tags.tasks().get(m.name()), "task " + m.name() + from);
        }
        try {
            return Presets.get(name, "task");
        } catch (ConfigException e) {
            throw new ConfigException("task '" + name + "' is neither in the tag files" + filesOf(tags) + " (" + (tags.tasks().isEmpty()
                    ? "they define none" : String.join(", ", tags.tasks().keySet())) + ") nor a preset (" + String.join(", ", Presets.names()) + ")");
        }
    }

    /** " a, b": the files a tag set was read from, for an error about what none of them holds (empty: built in memory). */
    private static String filesOf(TagSet tags) {
        return tags.sources().isEmpty() ? "" : " " + String.join(", ", tags.sources());
    }

    /**
     * Checks that every tag the task needs is present (and the head, for regression).
     *
     * @throws NullPointerException for a null task
     */
    public void requireReady(TaskSpec task) {
        requireReady(tags, task);
    }

    /**
     * Refuses a domain-text task, which trains a tag on text and has no prediction to make; predict and spark score
     * say it in these words.
     */
    public static void requirePredictable(TaskSpec task) {
        if (task.type() == TaskType.LANGUAGE_MODEL) {
            throw new IllegalArgumentException("task " + task.name() + " is domain text: nothing to predict (use eval for its loss)");
        }
    }

    /**
     * {@link #requireReady(TaskSpec)} on a tag set alone, no model loaded.
     *
     * @throws NullPointerException for a null tag set or task
     */
    public static void requireReady(TagSet tags, TaskSpec task) {
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(task, "task");
        for (String t : task.parsedTemplate().tagNames()) {
            if (!tags.has(t)) {
                throw new ConfigException("task " + task.name() + " needs tag " + t + ", which none of the tag files" + filesOf(tags)
                        + " holds (they hold: " + String.join(", ", tags.tags().stream().map(x -> x.name()).toList()) + ")");
            }
            TagKind k = task.kindOf(t);
            if (tags.get(t).kind() != k) throw new ConfigException("task " + task.name() + ": " + t + " is a " + k.label() + " tag in the task but a "
                    + tags.get(t).kind().label() + " tag in the tag files");
        }
        if (task.type() == TaskType.REGRESSION && tags.head(task.headKey()) == null) {
            throw new ConfigException("task " + task.name() + ": the tag files hold no regression head for " + task.headKey());
        }
        if (task.type() == TaskType.CLASSIFICATION) {
            RegressionHead h = tags.head(task.headKey());
            if (h == null) throw new ConfigException("task " + task.name() + ": the tag files hold no classification head for " + task.headKey());
            if (task.classes() == null || !task.classes().resolved()) throw new ConfigException("task " + task.name() + ": its classes are not known (train it first: the tag file stores them)");
            if (h.outputs() != task.classes().outputs()) {
                // the head is what a retraining replaces: its file leads the line, as the tag file's own errors do
                String file = tags.origin("head " + task.headKey());
                throw new ConfigException((file == null ? "" : file + ": ") + "task " + task.name() + ": the head of " + task.headKey() + " has "
                        + h.outputs() + " outputs but the task's "
                        + task.classes().size() + " classes need " + task.classes().outputs());
            }
        }
    }

    /**
     * Renders a task's inputs into prompts for {@link #predictValues}, {@link #classProbabilities} and
     * {@link #generate(Sequence, int)}: {@code renderer(t).prompt(row).sequence()}, or {@code checkedPrompt(row)} for
     * the checks predict makes (an invalid SMILES, a prompt beyond the context), then {@code .sequence()}.
     *
     * @throws NullPointerException for a null task
     * @throws IllegalStateException for a predictor made without a tokenizer
     */
    public ExampleRenderer renderer(TaskSpec task) {
        Objects.requireNonNull(task, "task");
        return new ExampleRenderer(task, tags, new TokenizerEncoder(requireTokenizer()), model.config().maxPositions());
    }

    private Tokenizer requireTokenizer() {
        if (tokenizer == null) {
            throw new IllegalStateException("this TagPredictor was made without a tokenizer: it takes prompts as Sequences"
                    + " (predictValues, classProbabilities) and cannot render or decode text");
        }
        return tokenizer;
    }

    /**
     * One regression prediction from named field values (e.g. {"smiles": "CCO"}), in label units.
     *
     * @throws ConfigException                  for a task neither in the tag files nor a preset, one whose tags or head
     *                                          the tag files lack, or one of another type (naming the call that takes it)
     * @throws IllegalArgumentException         for a null fields map or value, naming it
     * @throws NullPointerException             for a null task name
     * @throws tagllm.data.DatasetException     for a missing column or a value predict refuses (an empty or invalid
     *                                          SMILES, a prompt longer than the model's context), naming it
     * @throws java.util.concurrent.CancellationException when the calling thread is interrupted (see the class comment)
     */
    public double predict(String task, Map<String, String> fields) {
        TaskSpec t = task(Objects.requireNonNull(task, "task"));
        requireReady(t);
        if (t.type() != TaskType.REGRESSION) throw wrongCall(t, "predict");
        return predictValues(t, List.of(prompt(t, fields)))[0];
    }

    /**
     * One text output from named field values: greedy, at most {@code maxNewTokens} tokens (1 or more), up to EOS or
     * a newline.
     *
     * @throws ConfigException                  for a task neither in the tag files nor a preset, one whose tags or head
     *                                          the tag files lack, or one of another type (naming the call that takes it)
     * @throws IllegalArgumentException         for maxNewTokens below 1 (as serve and the CLI refuse it: 0 gave "" without
     *                                          a word; {@link #generate(Sequence, int)} still takes 0), or a null fields
     *                                          map or value, naming it
     * @throws NullPointerException             for a null task name
     * @throws tagllm.data.DatasetException     for a missing column or a value predict refuses (an empty or invalid
     *                                          SMILES, a prompt longer than the model's context), naming it
     * @throws java.util.concurrent.CancellationException when the calling thread is interrupted (see the class comment)
     */
    public String generate(String task, Map<String, String> fields, int maxNewTokens) {
        Objects.requireNonNull(task, "task");
        if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + maxNewTokens);
        TaskSpec t = task(task);
        requireReady(t);
        if (t.type() != TaskType.TEXT) throw wrongCall(t, "generate");
        return generate(prompt(t, fields), maxNewTokens);
    }

    /** A task given to the call of another task type, named with the call that fits it. */
    private static ConfigException wrongCall(TaskSpec t, String called) {
        return wrongCall(t, called, false);
    }

    /** The same for the calls on rendered prompts ({@code batch}), whose fitting call is named among those. */
    private static ConfigException wrongCall(TaskSpec t, String called, boolean batch) {
        String fits = switch (t.type()) {
            case REGRESSION -> batch ? "use predictValues" : "use predict";
            case CLASSIFICATION -> batch ? "use classProbabilities" : "use classify";
            case TEXT -> batch ? "use generate(Sequence, int)" : "use generate";
            case LANGUAGE_MODEL -> "it trains a domain tag on text and has no output to predict; use a regression, classification or text task";
        };
        return new ConfigException("task " + t.name() + " is of type " + t.type().label() + ", which " + called + " does not take: " + fits);
    }

    /**
     * The prompt of one input given by field values, checked as predict checks a row ({@link InputCheck}: an empty or
     * invalid SMILES, a protein of other letters); a null map or value is refused by name rather than as a bare
     * NullPointerException.
     */
    private Sequence prompt(TaskSpec t, Map<String, String> fields) {
        if (fields == null) throw new IllegalArgumentException("task " + t.name() + ": fields is null; give its columns " + t.promptColumns());
        for (var e : fields.entrySet()) {
            if (e.getValue() == null) throw new IllegalArgumentException("task " + t.name() + ": field '" + e.getKey() + "' is null");
        }
        return renderer(t).checkedPrompt(tagllm.data.Row.of("input", 1, fields)).sequence();
    }

    /**
     * What failed when the model call itself threw, in words, the same in predict's stop message and Spark scoring's
     * row error: the exception's message (an engine's says what it refused), its class name only when it has none (a
     * bare NullPointerException, an empty message), where toString() put "java.lang.IllegalArgumentException: " before every message.
     */
    public static String modelFailureReason(Throwable e) {
        String message = e.getMessage();
        return message != null && !message.isBlank() ? message : e.getClass().getName();
    }

    /**
     * The error a prediction that is not a finite number gets, the same in predict, serve and Spark scoring (a head
     * whose output overflows; JSON and CSV readers have no NaN or Infinity to take it as).
     */
    public static String nonFiniteError(double value) {
        return "the model gave a non-finite value (" + value + ")";
    }

    /**
     * The error a classification row gets when its class probabilities are not all finite numbers (a hidden state or
     * head that overflows makes σ or the softmax NaN), the same in predict, serve and Spark scoring: such a row has no
     * predicted class, as argmax over NaN would name the first class.
     *
     * @return null when every probability is finite
     */
    public static String nonFiniteProbabilitiesError(double[] probabilities) {
        for (double p : probabilities) {
            if (!Double.isFinite(p)) return "the model gave non-finite class probabilities " + java.util.Arrays.toString(probabilities);
        }
        return null;
    }

    /** How {@link #contextFullNote}'s note begins: a text row with this note has its output, cut short. */
    public static final String CONTEXT_FULL = "output stopped at the model's context";

    /**
     * The note a text row gets beside its output when the model's context cut it before maxTokens
     * ({@link Generation#contextFull}), the same in predict and Spark scoring: without a word such an output looks like
     * one the model ended itself.
     *
     * @param context      the model's context (positions)
     * @param promptLength the prompt's positions: the output had the rest of the context
     */
    public static String contextFullNote(int context, int promptLength, int maxTokens) {
        return CONTEXT_FULL + " of " + context + " after " + (context - promptLength) + " of --max-tokens " + maxTokens + " tokens";
    }

    /**
     * Head predictions (label units) for regression prompts, several prompts per forward pass.
     *
     * @throws ConfigException for a task that is not a regression task (a classification head's logits are not
     *                         label-unit values), naming the call that takes it
     * @throws CancellationException when the calling thread is interrupted before the last batch (see the class comment)
     * @throws NullPointerException  for a null task, prompts or prompt, naming it
     * @throws IllegalArgumentException for a prompt longer than the model's context, naming it ({@code prompts[i]})
     */
    public double[] predictValues(TaskSpec task, List<Sequence> prompts) {
        return predictValues(task, prompts, done -> { });
    }

    /** As {@link #predictValues(TaskSpec, List)}, telling {@code progress} how many prompts are done after each batch. */
    public double[] predictValues(TaskSpec task, List<Sequence> prompts, java.util.function.IntConsumer progress) {
        Objects.requireNonNull(task, "task");
        requirePrompts(prompts);
        Objects.requireNonNull(progress, "progress");
        if (task.type() != TaskType.REGRESSION) throw wrongCall(task, "predictValues", true);
        double[][] out = headOutputs(task, prompts, true, progress);
        double[] v = new double[out.length];
        for (int i = 0; i < v.length; i++) v[i] = out[i][0];
        return v;
    }

    /**
     * Class probabilities (n × classes; binary [p(first), p(second)]) for classification prompts.
     *
     * @throws ConfigException for a task that is not a classification task, naming the call that takes it
     * @throws CancellationException when the calling thread is interrupted before the last batch (see the class comment)
     * @throws NullPointerException  for a null task, prompts or prompt, naming it
     * @throws IllegalArgumentException for a prompt longer than the model's context, naming it ({@code prompts[i]})
     */
    public double[][] classProbabilities(TaskSpec task, List<Sequence> prompts) {
        Objects.requireNonNull(task, "task");
        requirePrompts(prompts);
        if (task.type() != TaskType.CLASSIFICATION) throw wrongCall(task, "classProbabilities", true);
        if (task.classes() == null || !task.classes().resolved()) throw new ConfigException("task " + task.name() + ": its classes are not known");
        double[][] z = headOutputs(task, prompts, false, done -> { });
        for (int i = 0; i < z.length; i++) z[i] = task.classes().probabilities(z[i]);
        return z;
    }

    /**
     * One classification from named field values: class → probability, in class order.
     *
     * @throws ConfigException                  for a task neither in the tag files nor a preset, one whose tags or head
     *                                          the tag files lack, or one of another type (naming the call that takes it)
     * @throws IllegalArgumentException         for a null fields map or value, naming it
     * @throws NullPointerException             for a null task name
     * @throws tagllm.data.DatasetException     for a missing column or a value predict refuses (an empty or invalid
     *                                          SMILES, a prompt longer than the model's context), naming it
     * @throws java.util.concurrent.CancellationException when the calling thread is interrupted (see the class comment)
     */
    public Map<String, Double> classify(String task, Map<String, String> fields) {
        TaskSpec t = task(Objects.requireNonNull(task, "task"));
        requireReady(t);
        if (t.type() != TaskType.CLASSIFICATION) throw wrongCall(t, "classify");
        double[] p = classProbabilities(t, List.of(prompt(t, fields)))[0];
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (int c = 0; c < p.length; c++) out.put(t.classes().classes().get(c), p[c]);
        return out;
    }

    /** The head at each prompt's read position: label units (regression) or logits. */
    private double[][] headOutputs(TaskSpec task, List<Sequence> prompts, boolean labelUnits, java.util.function.IntConsumer progress) {
        RegressionHead head = tags.head(task.headKey());
        if (head == null) throw new ConfigException("task " + task.name() + ": no " + task.type().label() + " head for " + task.headKey());
        // the engine computes rotary positions past the context without complaint, so a hand-built prompt longer than
        // the model can read gave a number; generate refuses such a prompt, and so does every rendered one
        int context = model.config().maxPositions();
        for (int i = 0; i < prompts.size(); i++) {
            Sequence s = prompts.get(i);
            if (s.length() > context) {
                throw new IllegalArgumentException("task " + task.name() + ": prompts[" + i + "] has " + s.length()
                        + " positions, more than the model's context of " + context);
            }
            if (s.readPosition() < 0) throw new ConfigException("task " + task.name() + ": the prompt has no position for the head to read");
        }
        double[][] out = new double[prompts.size()][];
        Thread caller = Thread.currentThread();
        ReadRowPasses.run(model, tags, prompts, Sequence::readPosition,
                (i, row) -> out[i] = labelUnits ? head.predict(row, 0) : head.forward(row, 0), progress, caller::isInterrupted);
        int done = 0;
        for (double[] o : out) if (o != null) done++;
        if (done < out.length) {
            throw new CancellationException("interrupted: task " + task.name() + " stopped after " + done + " of " + out.length + " prompts");
        }
        return out;
    }

    /**
     * Greedy continuation of a prompt through the LM head: stops at EOS, at a newline, after
     * maxNewTokens, or at the end of the context. Returns the decoded text (without the stop token).
     *
     * @throws CancellationException when the calling thread is interrupted before the last token (see the class comment)
     * @throws NullPointerException  for a null prompt (in the overloads below: prompt, sampler or stop; onText may be null)
     */
    public String generate(Sequence prompt, int maxNewTokens) {
        return generate(prompt, maxNewTokens, tagllm.model.Sampler.greedy(), null);
    }

    /**
     * The same with a sampler (temperature, top-k, top-p, seed; greedy picks as above) and, when onText is not
     * null, each piece of text as soon as it is decoded (the pieces concatenate to the returned text).
     */
    public String generate(Sequence prompt, int maxNewTokens, tagllm.model.Sampler sampler, java.util.function.Consumer<String> onText) {
        return generate(prompt, maxNewTokens, sampler, onText, () -> false);
    }

    /**
     * The same, stopping before the next token once {@code stop} says so (the text so far is returned; a caller
     * that stops, e.g. for a client that went away, should not take it as the whole continuation).
     */
    public String generate(Sequence prompt, int maxNewTokens, tagllm.model.Sampler sampler, java.util.function.Consumer<String> onText,
                           java.util.function.BooleanSupplier stop) {
        return generation(prompt, maxNewTokens, sampler, onText, stop).text();
    }

    /** Why a continuation ended. */
    public enum StopReason {
        /** the model picked an end-of-sequence token (not part of the text) */
        EOS,
        /** the decoded text reached a newline (the paper's templates put the output on one line; the text stops before it) */
        NEWLINE,
        /** maxNewTokens tokens were generated (also when that is exactly what the context had left) */
        MAX_TOKENS,
        /**
         * the prompt left fewer than maxNewTokens positions and every one of them was generated into: the text stops
         * where the context ends, not where the model would have
         */
        CONTEXT,
        /** the caller's {@code stop} said so before the next token: the text is only what came before */
        STOPPED
    }

    /**
     * A continuation and why it ended.
     *
     * @param text       the decoded text, without the stop token (nor the newline and what followed it)
     * @param stopReason never null
     */
    public record Generation(String text, StopReason stopReason) {
        /**
         * A text and its reason, both required.
         *
         * @throws NullPointerException for a null text or reason
         */
        public Generation {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(stopReason, "stopReason");
        }

        /** The model's context cut the text short ({@link StopReason#CONTEXT}). */
        public boolean contextFull() {
            return stopReason == StopReason.CONTEXT;
        }
    }

    /** {@link #generate(Sequence, int)}, saying also why the output ended (EOS, newline, maxNewTokens or the context). */
    public Generation generation(Sequence prompt, int maxNewTokens) {
        return generation(prompt, maxNewTokens, tagllm.model.Sampler.greedy(), null, () -> false);
    }

    /** {@link #generate(Sequence, int, tagllm.model.Sampler, java.util.function.Consumer, java.util.function.BooleanSupplier)}, with the same report. */
    public Generation generation(Sequence prompt, int maxNewTokens, tagllm.model.Sampler sampler, java.util.function.Consumer<String> onText,
                                 java.util.function.BooleanSupplier stop) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampler, "sampler");
        Objects.requireNonNull(stop, "stop");
        requireTokenizer();
        int d = model.config().hiddenSize();
        if (maxNewTokens < 0) throw new IllegalArgumentException("maxNewTokens must be 0 or more, got " + maxNewTokens);
        if (prompt.length() > model.config().maxPositions()) {
            // a prompt the model cannot read at all; one that fills the context exactly ends there, with no text
            throw new IllegalArgumentException("the prompt has " + prompt.length() + " positions, more than the model's context of "
                    + model.config().maxPositions());
        }
        int room = Math.min(maxNewTokens, model.config().maxPositions() - prompt.length());
        if (room <= 0) return new Generation("", maxNewTokens > 0 ? StopReason.CONTEXT : StopReason.MAX_TOKENS);
        PackedBatch b = SequencePacker.pack(List.of(prompt), tags, model::embed, d, name -> false).batch();
        boolean isolated = prompt.spans().length > 0;
        KvCache cache = isolated ? null : model.newCache(prompt.length() + room);
        try {
            return continuation(prompt, room, room < maxNewTokens, b, cache, sampler, onText, stop);
        } finally {
            if (cache != null) cache.close();
        }
    }

    /** roomIsContext: {@code room} is what the context leaves, fewer than were asked for. */
    private Generation continuation(Sequence prompt, int room, boolean roomIsContext, PackedBatch b, KvCache cache, tagllm.model.Sampler sampler,
                                    java.util.function.Consumer<String> onText, java.util.function.BooleanSupplier stop) {
        int d = model.config().hiddenSize();
        List<Integer> ids = new ArrayList<>();
        boolean isolated = cache == null;
        float[] h = isolated ? lastNormed(b) : model.prefill(cache, b.input(), prompt.length());
        String text = "";   // the whole continuation so far (up to a newline)
        String sent = "";   // what onText has been given: always a prefix of every later text
        StopReason reason = null; // set by whichever ends the loop: room > 0, so one does
        for (int step = 0; step < room; step++) {
            if (stop.getAsBoolean()) {
                reason = StopReason.STOPPED;
                break;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("interrupted: generation stopped after " + ids.size() + " tokens");
            }
            int next = sampler.sample(model.logits(h, 0));
            if (isEos.test(next)) {
                reason = StopReason.EOS;
                break;
            }
            ids.add(next);
            String decoded = tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray(), true);
            int nl = decoded.indexOf('\n');
            text = nl >= 0 ? decoded.substring(0, nl) : decoded;
            if (nl >= 0) {
                reason = StopReason.NEWLINE;
                break;
            }
            // every position of room generated into, with no EOS, newline or stop first
            if (step + 1 == room) reason = roomIsContext ? StopReason.CONTEXT : StopReason.MAX_TOKENS;
            if (onText != null) {
                String stable = stablePrefix(ids, text);
                if (stable.length() > sent.length() && stable.startsWith(sent)) {
                    onText.accept(stable.substring(sent.length()));
                    sent = stable;
                }
            }
            if (step + 1 == room) break;
            if (!isolated) {
                h = model.decode(cache, next);
            } else {
                // The domain-isolation mask is not expressible in a KV cache prefill: recompute the whole prefix.
                Sequence.Builder sb = Sequence.builder();
                for (int k = 0; k < prompt.length(); k++) {
                    if (prompt.isTag(k)) {
                        if (prompt.slot(k) == 0) sb.tag(prompt.tagName(k), tags.require(prompt.tagName(k)).length());
                    } else {
                        sb.token(prompt.tokenId(k));
                    }
                }
                for (int[] s : prompt.spans()) sb.span(s[0], s[1]);
                ids.forEach(sb::token);
                b = SequencePacker.pack(List.of(sb.build()), tags, model::embed, d, name -> false).batch();
                h = lastNormed(b);
            }
        }
        if (onText != null && text.length() > sent.length() && text.startsWith(sent)) onText.accept(text.substring(sent.length()));
        return new Generation(text, reason);
    }

    /**
     * The part of a continuation's text that later tokens cannot change. A run of byte-fallback pieces decodes as
     * one: a valid run is its characters, an invalid one a U+FFFD per byte, so text from a run still growing may be
     * replaced (".z" becomes three U+FFFD when a lone lead byte follows); it is held back until the run ends. Other
     * decoders only complete a trailing incomplete character (shown as U+FFFD), so that alone is held back.
     */
    private String stablePrefix(List<Integer> ids, String text) {
        int run = ids.size();
        while (run > 0 && tokenizer.isBytePiece(ids.get(run - 1))) run--;
        if (run < ids.size()) {
            return tokenizer.decode(ids.subList(0, run).stream().mapToInt(Integer::intValue).toArray(), true);
        }
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\uFFFD') end--;
        return text.substring(0, end);
    }

    private float[] lastNormed(PackedBatch b) {
        try (ForwardPass pass = model.forward(b, false, new int[]{b.rows() - 1})) {
            return pass.normedRow(b.rows() - 1);
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
