package tagllm.spark;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import tagllm.model.ComputePrecision;
import tagllm.tag.SequencePacker;
import tagllm.tag.TagSet;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Scores a DataFrame with trained tags, as a Spark ML pipeline stage:
 * <pre>
 * new TagLlmScorer().setModel("HuggingFaceTB/SmolLM2-135M").setTags("runs/qed/final.tags.safetensors")
 *     .setTask("QED").setInputCols("smiles").setOutputCol("qed_pred").transform(df)
 * </pre>
 * Adds the output column (a double for regression tasks, the predicted class for classification tasks, a string for
 * text tasks) and an error column (null when the row has its prediction, else why not), so every input row comes out;
 * a classification task adds before them a probability column per class, named as predict names them
 * ({@code prob_CLASS}: probabilityPrefix + the class, or for a multi-label task + the label column). Each executor
 * JVM loads the model and tags once (keyed by model and tag bytes); partitions are streamed through it in batches as
 * {@code predict} packs them, and the results are the same bits as {@code tagllm predict}'s.
 */
public class TagLlmScorer extends Transformer {
    private final String uid;
    private final Param<String> model;
    private final StringArrayParam tags;
    private final Param<String> task;
    private final StringArrayParam inputCols;
    private final Param<String> outputCol;
    private final Param<String> probabilityPrefix;
    private final Param<String> errorCol;
    private final Param<String> readErrorCol;
    private final Param<String> compute;
    private final IntParam batchRows;
    private final IntParam maxTokens;

    public TagLlmScorer() {
        this(Identifiable$.MODULE$.randomUID("tagLlmScorer"));
    }

    public TagLlmScorer(String uid) {
        this.uid = uid;
        model = new Param<>(this, "model", "base model folder or Hugging Face Hub id (present on every executor)");
        tags = new StringArrayParam(this, "tags", "tag file(s), merged in order; read on the driver and shipped to the executors");
        task = new Param<>(this, "task", "a task stored in the tag files, or a preset (QED, Descriptor, ...)");
        inputCols = new StringArrayParam(this, "inputCols", "the columns that fill the task's placeholders: one COLUMN per placeholder in "
                + "the template's order, or PLACEHOLDER=COLUMN for the ones to read from another column, as predict's --column "
                + "(default: the columns the task names)");
        outputCol = new Param<>(this, "outputCol", "the prediction column (double for regression, the predicted class for classification "
                + "(multi-label: the label columns with p >= 0.5, ';'-joined), string for text tasks)");
        probabilityPrefix = new Param<>(this, "probabilityPrefix", "classification tasks: the probability columns are this prefix + each "
                + "class (multi-label: + each label column), doubles, before outputCol; predict's prob_ by default");
        errorCol = new Param<>(this, "errorCol", "the column saying why a row has no prediction (null when it has one, "
                + "except a text output the model's context cut, which has predict's note)");
        readErrorCol = new Param<>(this, "readErrorCol", "a column saying why the row could not be read (null when it was): such a "
                + "row gets that reason as its error and no prediction (spark score's CSV reader fills it for a wrong number of fields)");
        compute = new Param<>(this, "compute", "f32 or bf16 (the native BF16 kernels, where the executors' CPUs have them)");
        // at least one position: with none, a partition's first batch took no row and the task failed on an empty one
        batchRows = new IntParam(this, "batchRows", "positions packed into one forward pass (predict's batch size; at least 1)",
                ParamValidators.gtEq(1));
        // at least one token: with none, a text row got an empty output, counted as its prediction
        maxTokens = new IntParam(this, "maxTokens", "text tasks: most tokens generated per row (at least 1)", ParamValidators.gtEq(1));
        setDefault(outputCol, "prediction");
        setDefault(probabilityPrefix, "prob_");
        setDefault(compute, "f32");
        setDefault(batchRows, SequencePacker.MAX_BATCH_ROWS);
        setDefault(maxTokens, 128);
    }

    @Override
    public String uid() { return uid; }

    public TagLlmScorer setModel(String v) { set(model, v); return this; }

    public TagLlmScorer setTags(String... files) { set(tags, files); return this; }

    public TagLlmScorer setTask(String v) { set(task, v); return this; }

    public TagLlmScorer setInputCols(String... cols) { set(inputCols, cols); return this; }

    public TagLlmScorer setOutputCol(String v) { set(outputCol, v); return this; }

    public TagLlmScorer setProbabilityPrefix(String v) { set(probabilityPrefix, v); return this; }

    public TagLlmScorer setErrorCol(String v) { set(errorCol, v); return this; }

    public TagLlmScorer setReadErrorCol(String v) { set(readErrorCol, v); return this; }

    public TagLlmScorer setCompute(String v) { set(compute, v); return this; }

    public TagLlmScorer setBatchRows(int v) {
        if (v < 1) throw new IllegalArgumentException("batchRows (--batch-rows) must be at least 1 position per forward pass, got " + v);
        set(batchRows, v);
        return this;
    }

    public TagLlmScorer setMaxTokens(int v) {
        if (v < 1) throw new IllegalArgumentException("maxTokens (--max-tokens) must be at least 1, got " + v);
        set(maxTokens, v);
        return this;
    }

    public Param<String> model() { return model; }

    public StringArrayParam tags() { return tags; }

    public Param<String> task() { return task; }

    public StringArrayParam inputCols() { return inputCols; }

    public Param<String> outputCol() { return outputCol; }

    public Param<String> probabilityPrefix() { return probabilityPrefix; }

    public Param<String> errorCol() { return errorCol; }

    public Param<String> readErrorCol() { return readErrorCol; }

    public Param<String> compute() { return compute; }

    public IntParam batchRows() { return batchRows; }

    public IntParam maxTokens() { return maxTokens; }

    /**
     * inputCols that cannot fill the task's placeholders (a placeholder the template lacks, a count other than the
     * placeholders', the two forms mixed, a task's own column at another placeholder's place): the caller's options
     * are at fault, not the data, so spark score answers it as predict answers a wrong --column (exit 2).
     * {@code inputCols()} is the list as given, {@code reason()} why it was refused.
     */
    public static final class InputColsRefused extends IllegalArgumentException {
        private final String inputCols, reason;

        InputColsRefused(String inputCols, String reason) {
            super("inputCols " + inputCols + ": " + reason);
            this.inputCols = inputCols;
            this.reason = reason;
        }

        public String inputCols() { return inputCols; }

        public String reason() { return reason; }
    }

    /** probabilityPrefix set for a task that has no class probabilities (regression, text): {@code reason()} says which. */
    public static final class NoProbabilities extends IllegalArgumentException {
        private final String reason;

        NoProbabilities(String reason) {
            super("probabilityPrefix (--prob-prefix): " + reason + " (leave probabilityPrefix unset)");
            this.reason = reason;
        }

        /** Why, without the parameter's name. */
        public String reason() { return reason; }
    }

    /** maxTokens set for a task that generates no tokens (regression, classification): {@code reason()} says which and why. */
    public static final class GeneratesNothing extends IllegalArgumentException {
        private final String reason;

        GeneratesNothing(String reason) {
            super("maxTokens (--max-tokens): " + reason + " (leave maxTokens unset)");
            this.reason = reason;
        }

        public String reason() { return reason; }
    }

    /** The error column's name: errorCol, or outputCol + "_error". */
    public String errorColumn() { return isDefined(errorCol) ? $(errorCol) : $(outputCol) + "_error"; }

    @Override
    public StructType transformSchema(StructType schema) {
        require(model, "setModel");
        require(tags, "setTags");
        require(task, "setTask");
        List<String> names = Arrays.asList(schema.fieldNames());
        TaskSpec stored = resolvedTask(readTagFiles());
        TaskSpec t = stored.withColumns(placeholderColumns(stored));
        // a limit on generated tokens for a task that generates none would be read and change nothing: predict refuses it too
        if (isSet(maxTokens) && t.type().generatesNothing(t.name()) != null) throw new GeneratesNothing(t.type().generatesNothing(t.name()));
        // a prefix for probability columns a task does not have would be read and change nothing, as maxTokens above
        if (isSet(probabilityPrefix) && t.type() != TaskType.CLASSIFICATION) {
            throw new NoProbabilities("task " + t.name() + " is of type " + t.type().label() + ", which has no class probabilities");
        }
        for (String c : t.promptColumns()) {
            if (!names.contains(c)) {
                // the read error column is no input to choose: spark score's CSV reader adds it (_corrupt_record), which
                // the user's file does not have
                List<String> inputs = names.stream().filter(n -> !isDefined(readErrorCol) || !n.equals($(readErrorCol))).map(InputColumns::shown).toList();
                throw new IllegalArgumentException("input column '" + c + "' is not in the data (it has: " + String.join(", ", inputs) + ")");
            }
            // a row's value is read as its text (toString): bytes gave "[B@1f2e3d", an array or a struct Spark's rendering
            // of it, in place of the SMILES or sequence the column was meant to hold
            org.apache.spark.sql.types.DataType type = schema.fields()[names.indexOf(c)].dataType();
            if (!(type instanceof org.apache.spark.sql.types.AtomicType) || type == DataTypes.BinaryType) {
                throw new IllegalArgumentException("input column '" + c + "' is " + type.simpleString() + ", not text: give a string column "
                        + "(cast it; a Parquet file that stores strings as plain binary reads as strings with "
                        + "spark.sql.parquet.binaryAsString=true, --conf in spark score)");
            }
        }
        if (isDefined(readErrorCol)) {
            int i = names.indexOf($(readErrorCol));
            if (i < 0 || schema.fields()[i].dataType() != DataTypes.StringType) {
                throw new IllegalArgumentException("read error column '" + $(readErrorCol) + "' is not a string column of the data");
            }
        }
        // in PartitionScorer's order: a classification task's probabilities (predict's prob_CLASS columns), the prediction, the error
        List<StructField> added = new ArrayList<>();
        if (t.type() == TaskType.CLASSIFICATION) {
            for (String c : t.classes().classes()) added.add(field($(probabilityPrefix) + c, DataTypes.DoubleType));
        }
        added.add(field($(outputCol), t.type() == TaskType.REGRESSION ? DataTypes.DoubleType : DataTypes.StringType));
        added.add(field(errorColumn(), DataTypes.StringType));
        // by Spark's rule for names: without case unless spark.sql.caseSensitive, so that "prediction" beside a
        // "Prediction" is refused too (it made the output's two columns one name, whose rows Spark read wrongly)
        boolean caseSensitive = SQLConf.get().caseSensitiveAnalysis();
        Map<String, String> existing = new java.util.HashMap<>();
        for (String n : names) existing.putIfAbsent(caseSensitive ? n : n.toLowerCase(Locale.ROOT), n);
        Map<String, String> seen = new java.util.HashMap<>();
        for (StructField f : added) {
            String k = caseSensitive ? f.name() : f.name().toLowerCase(Locale.ROOT);
            String had = existing.get(k);
            if (had != null) {
                throw new IllegalArgumentException("output column '" + f.name() + "' is already in the data" + (had.equals(f.name()) ? ""
                        : " (as '" + had + "': Spark's column names ignore case unless spark.sql.caseSensitive is true)"));
            }
            String twice = seen.put(k, f.name());
            if (twice != null) {
                throw new IllegalArgumentException("output column '" + f.name() + "' would be added twice"
                        + (twice.equals(f.name()) ? "" : " (beside '" + twice + "': Spark's column names ignore case)"));
            }
        }
        for (StructField f : added) schema = schema.add(f);
        return schema;
    }

    private static StructField field(String name, org.apache.spark.sql.types.DataType type) {
        return new StructField(name, type, true, org.apache.spark.sql.types.Metadata.empty());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        List<byte[]> bytes = readTagFiles();
        TaskSpec stored = resolvedTask(bytes);
        Map<String, String> columns = placeholderColumns(stored);
        ScoreSpec spec = new ScoreSpec(ExecutorModels.shippable($(model)), precision(), bytes, List.of($(tags)), $(task), columns,
                stored.withColumns(columns).promptColumns(), (Integer) $(batchRows), (Integer) $(maxTokens), isDefined(readErrorCol) ? $(readErrorCol) : null);
        MapPartitionsFunction<Row, Row> score = rows -> new PartitionScorer(spec, rows, TaskContext.getPartitionId());
        return dataset.toDF().mapPartitions(score, Encoders.row(out));
    }

    @Override
    public TagLlmScorer copy(ParamMap extra) { return defaultCopy(extra); }

    /**
     * The data column of each placeholder inputCols sets (placeholder → column; empty when it is not set): COLUMN
     * entries fill the prompt's placeholders (the label's excepted) in the template's order, one each;
     * PLACEHOLDER=COLUMN entries map the placeholders they name, as predict's --column does, the others keeping the
     * task's own columns.
     */
    private Map<String, String> placeholderColumns(TaskSpec task) {
        if (!isDefined(inputCols)) return Map.of();
        List<String> entries = List.of($(inputCols));
        List<String> placeholders = task.promptPlaceholders();
        String given = String.join(",", entries.stream().map(InputColumns::shown).toList());
        String they = "task " + task.name() + "'s placeholders are " + String.join(", ", placeholders);
        long mapped = entries.stream().filter(e -> e.contains("=")).count();
        Map<String, String> out = new LinkedHashMap<>();
        if (mapped == entries.size()) {
            for (String e : entries) {
                int eq = e.indexOf('=');
                String placeholder = e.substring(0, eq).strip(), column = e.substring(eq + 1).strip();
                if (!placeholders.contains(placeholder)) {
                    throw new InputColsRefused(given, "task " + task.name() + "'s template has no placeholder '" + placeholder
                            + "' to read from another column (it has: " + String.join(", ", placeholders) + ")");
                }
                if (column.isEmpty()) throw new InputColsRefused(given, "no column given for placeholder '" + placeholder + "'");
                if (out.put(placeholder, column) != null) throw new InputColsRefused(given, "placeholder '" + placeholder + "' is mapped twice");
            }
            return withoutLabel(task, given, out);
        }
        if (mapped > 0) {
            throw new InputColsRefused(given, "give either one column per placeholder in the template's order, or "
                    + "PLACEHOLDER=COLUMN entries, not both (" + they + ")");
        }
        if (entries.size() != placeholders.size()) {
            throw new InputColsRefused(given, entries.size() + " column(s) for " + placeholders.size() + " placeholder(s): " + they
                    + "; give one column each, in that order, or PLACEHOLDER=COLUMN for those read from another column");
        }
        for (int i = 0; i < entries.size(); i++) {
            // a column the task reads for another placeholder: most likely the columns by name in another order, which
            // would feed each placeholder its neighbour's values
            for (int j = 0; j < placeholders.size(); j++) {
                if (j != i && task.column(placeholders.get(j)).equals(entries.get(i)) && !task.column(placeholders.get(i)).equals(entries.get(i))) {
                    throw new InputColsRefused(given, "'" + entries.get(i) + "' is the column of placeholder '" + placeholders.get(j)
                            + "' but comes at the place of '" + placeholders.get(i) + "' (" + they + ", in that order); give the columns in "
                            + "that order, or PLACEHOLDER=COLUMN");
                }
            }
            out.put(placeholders.get(i), entries.get(i));
        }
        return withoutLabel(task, given, out);
    }

    /**
     * The columns, unless one would feed a placeholder the task's label (a test set scored with its label column
     * beside the input): the prompt would hold the answer. predict refuses such a --column in the same words.
     */
    private static Map<String, String> withoutLabel(TaskSpec task, String given, Map<String, String> columns) {
        if (!task.type().readsHead()) return columns;
        for (var e : columns.entrySet()) {
            if (task.labelColumns().contains(e.getValue())) {
                throw new InputColsRefused(given, "task " + task.name() + "'s placeholder '" + e.getKey() + "' would read the label column '"
                        + e.getValue() + "' as an input, so the prompt would hold the answer; map it to the input's column");
            }
        }
        return columns;
    }

    private ComputePrecision precision() {
        try {
            return ComputePrecision.parse($(compute));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("compute " + e.getMessage(), e);
        }
    }

    private void require(Param<?> p, String setter) {
        if (!isDefined(p)) throw new IllegalArgumentException("TagLlmScorer: " + p.name() + " is not set (" + setter + ")");
    }

    private List<byte[]> readTagFiles() {
        List<byte[]> out = new ArrayList<>();
        for (String f : $(tags)) {
            try {
                Path p = Path.of(f);
                if (!Files.isRegularFile(p)) throw new NoSuchFileException(f + " (tag file not found)");
                out.add(Files.readAllBytes(p));
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * The base model's fingerprint where the driver sees its folder (null for a Hub id or a path only the executors
     * have: they check it as they load it). Without this, tags of another model failed on every executor, and the
     * reason reached the user inside Spark's "Job aborted" and its stack traces.
     */
    private String driverFingerprint() {
        Path folder = driverFolder();
        if (folder == null) return null;
        try {
            return tagllm.model.Model.fingerprintOf(folder);
        } catch (IOException | RuntimeException e) {
            return null; // not loadable here: the executors' load says why, as before
        }
    }

    /**
     * The identity of the tokenizer.json in the model folder the driver sees (null where it sees none: the executors
     * check it as they load the model). The fingerprint does not cover the tokenizer, so without this, tags trained
     * with another tokenizer.json were refused only by the executors, inside Spark's "Job aborted". Reads only the
     * tokenizer's files, not the weights.
     */
    private tagllm.tokenizer.TokenizerIdentity driverTokenizer() {
        Path folder = driverFolder();
        if (folder == null || !Files.isRegularFile(folder.resolve("tokenizer.json"))) return null;
        try {
            return tagllm.tokenizer.TokenizerIdentity.of(folder);
        } catch (IOException | RuntimeException e) {
            return null; // not readable here: the executors' load says why, as before
        }
    }

    /** The model's folder where the driver sees one (a config.json in it); null for a Hub id or a path only executors have. */
    private Path driverFolder() {
        Path folder;
        try {
            folder = Path.of($(model));
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
        return Files.isRegularFile(folder.resolve("config.json")) ? folder : null;
    }

    /** The task as the executors will run it, checked on the driver: a wrong name or missing tag fails before any job. */
    private TaskSpec resolvedTask(List<byte[]> bytes) {
        String fingerprint = driverFingerprint();
        tagllm.tokenizer.TokenizerIdentity tokenizer = driverTokenizer();
        // the model's name as Model.load gives it, so both refusals read as predict's and the executors'
        String modelName = fingerprint == null && tokenizer == null ? null : tagllm.model.Model.folderName(Path.of($(model)));
        TagSet merged = null;
        for (int i = 0; i < bytes.size(); i++) {
            TagSet t = ExecutorModels.readTags(bytes.get(i), $(tags)[i]);
            if (fingerprint != null) t.requireModel(fingerprint, modelName, $(tags)[i]);
            if (tokenizer != null) t.requireTokenizer(tokenizer, modelName, $(tags)[i]);
            if (merged == null) merged = t;
            else merged.merge(t, $(tags)[i]);
        }
        // resolving a task and checking its tags reads only the tag set: no model is loaded on the driver
        TaskSpec t = TagPredictor.task(merged, $(task));
        TagPredictor.requireReady(merged, t);
        TagPredictor.requirePredictable(t); // in predict's words
        return t;
    }
}
