package tagllm.spark;

import tagllm.cli.ComputeOption;
import tagllm.model.ComputePrecision;
import tagllm.task.TagPredictor;
import tagllm.util.Plural;
import tagllm.util.FileTrees;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * tagllm spark score: reads CSV or Parquet, scores every row with {@link TagLlmScorer}, writes Parquet (the input
 * columns, a classification task's probability per class, the prediction, and the error column), into a temporary
 * folder beside the output that is renamed into place when the job has succeeded.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score a CSV or Parquet file on Spark: --master local[2] --model M --tags F --task QED --input in.csv --output out.parquet")
public final class SparkScoreCommand implements Callable<Integer> {
    @Option(names = "--master", description = "Spark master: local[N], local-cluster[N,cores,MB], spark://host:7077, ... (default: --conf "
            + "spark.master, else the spark.master spark-submit sets, else local[*])")
    String master;

    @Option(names = "--model", required = true, description = "base model folder or Hub id, present on every executor")
    String model;

    @Option(names = "--tags", required = true, description = "tag file(s), merged in order")
    List<String> tags = new ArrayList<>();

    @Option(names = "--task", required = true, description = "a task stored in the tag files, or a preset")
    String task;

    @Option(names = "--input", required = true, description = "input .csv (with a header) or .parquet (file or folder)")
    String input;

    @Option(names = "--format", description = "csv or parquet when the extension does not say")
    String format;

    @Option(names = "--input-cols", description = "the columns that fill the task's placeholders (default: the task's own, e.g. smiles): one per placeholder "
            + "in the template's order (--input-cols mol), or PLACEHOLDER=COLUMN as predict's --column (--input-cols smiles=mol); a comma-separated "
            + "list, repeatable, a name holding a comma in double quotes as in CSV (--input-cols '\"mol, salt\"')")
    List<String> inputCols = new ArrayList<>();

    @Option(names = {"-o", "--output"}, required = true, description = "Parquet folder to write")
    Path output;

    @Option(names = "--output-col", defaultValue = "prediction", description = "prediction column (default ${DEFAULT-VALUE})")
    String outputCol;

    @Option(names = "--prob-prefix", defaultValue = "prob_", description = "classification tasks: the probability columns are this prefix and each class "
            + "(default ${DEFAULT-VALUE}, as predict names them)")
    String probPrefix;

    @Option(names = "--partitions", description = "repartition the input into this many partitions first")
    Integer partitions;

    @Option(names = "--batch-rows", description = "positions packed into one forward pass (default: predict's)")
    Integer batchRows;

    @Option(names = "--max-tokens", description = "text tasks: most tokens generated per row (at least 1; default: predict's 128)")
    Integer maxTokens;

    @Option(names = "--compute", defaultValue = "f32", description = "f32 or bf16 (default ${DEFAULT-VALUE})")
    String compute;

    @Option(names = "--conf", description = "a Spark setting KEY=VALUE (repeatable)")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--source-cols", description = "add _file (the input file's URI) and _row (the row's place in its file, 1 for the first) "
            + "to the output, to join it back to the input: Spark writes rows in its own order")
    boolean sourceCols;

    @Option(names = "--max-model-failures", defaultValue = "0", paramLabel = "N", description = "rows the model itself may fail on "
            + "('batch failed: ...', 'generation failed: ...' in the error column) before the run exits 1 (the output is written either way; "
            + "rows whose input is refused do not count; default ${DEFAULT-VALUE})")
    long maxModelFailures;

    @Option(names = "--force", description = "replace the output if it exists")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        output = localOutput(output);
        if (Files.exists(output) && !force) throw new IllegalArgumentException(output + " already exists; use --force to replace it");
        if (maxTokens != null && maxTokens < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-tokens must be at least 1, got " + maxTokens);
        }
        // usage errors as predict answers them (exit 2, before Spark starts): they failed later, exit 1, in the
        // scorer's words or Spark's ("requirement failed: Number of partitions (0) must be positive.")
        if (partitions != null && partitions < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--partitions must be at least 1, got " + partitions);
        }
        if (maxModelFailures < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-model-failures must be at least 0, got " + maxModelFailures);
        }
        if (batchRows != null && batchRows < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch-rows must be at least 1 position per forward pass, got " + batchRows);
        }
        try {
            InputColumns.parse(inputCols);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        master = master(master, conf, System.getProperty("spark.master"), spec.commandLine());
        if (executorsRunHere(master)) {
            // predict's check, in its words and with its exit code: bf16 without the native kernels failed inside the
            // job (exit 1, a task's trace) on a machine whose JVM cannot load them
            ComputeOption.precision(compute, spec.commandLine());
        } else {
            // the executors run elsewhere: whether their CPUs have the kernels is theirs to say, not this driver's
            try {
                ComputePrecision.parse(compute);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--compute " + e.getMessage());
            }
        }
        String fmt = format != null ? format.toLowerCase(Locale.ROOT) : inputFormat(input);
        if (fmt == null || !(fmt.equals("csv") || fmt.equals("parquet"))) {
            throw new IllegalArgumentException(input + ": give a .csv (also compressed: .csv.gz, .csv.bz2, ...) or .parquet input, "
                    + "or --format csv|parquet");
        }
        if (plainLocalPath(input) && !Files.exists(Path.of(input))) throw new IllegalArgumentException(input + ": input not found");
        if (plainLocalPath(input) && Files.isRegularFile(Path.of(input)) && InputPaths.skipped(Path.of(input).getFileName().toString())) {
            // Spark's file readers leave out such files as they leave out _SUCCESS: without this, "Unable to infer schema"
            throw new IllegalArgumentException(input + ": Spark's readers skip a file whose name starts with '_' or '.' (as they skip "
                    + "_SUCCESS and .crc files); rename it");
        }
        if (fmt.equals("csv") && plainLocalPath(input) && Files.isRegularFile(Path.of(input)) && gzipNamedOtherwise(Path.of(input))) {
            // Spark's readers pick a codec by the file's name only: such a file came out as rows of undecodable bytes
            throw new IllegalArgumentException(input + ": the file is gzip-compressed but its name does not end in .gz; Spark's CSV "
                    + "reader decompresses by the name, so rename it (e.g. " + Path.of(input).getFileName() + ".gz)");
        }
        Path abs = output.toAbsolutePath().normalize();
        try (ScoreOutputLock lock = ScoreOutputLock.acquire(abs)) {
            // both runs passed the "already exists" check, and the slower one failed only at its rename, after the job
            if (lock.heldBy() != null) {
                throw new IllegalStateException(output + ": another spark score run is writing this output (" + lock.heldBy() + ", holding "
                        + ScoreOutputLock.lockFile(abs).getFileName() + "); wait for it to end, or give another --output");
            }
            if (lock.noLocks() != null) {
                spec.commandLine().getErr().println("note: " + abs.getParent() + " gives no file lock (" + lock.noLocks() + "): another run "
                        + "writing " + output.getFileName() + " is not detected, and what a killed run left beside it (temporary folders, an old output a "
                        + "--force run moved aside) is listed below but neither removed nor put back");
            }
            // a driver killed outright (kill -9, a lost node) left its temporary folder, which no later run reused
            ScoreOutputLock.Leftovers leftovers = lock.removeLeftovers(abs);
            List<String> removed = leftovers.removed();
            for (String left : leftovers.left()) {
                spec.commandLine().getErr().println("left " + left + " in " + abs.getParent());
            }
            for (String aside : leftovers.restored()) {
                spec.commandLine().getErr().println("restored " + output.getFileName() + " from " + aside + " in " + abs.getParent() + ": a spark score "
                        + "--force run moved it aside and ended before renaming its new output in (no such process is running)");
            }
            for (String aside : leftovers.discarded()) {
                spec.commandLine().getErr().println("removed " + aside + " from " + abs.getParent() + ": the old " + output.getFileName()
                        + " a spark score --force run replaced and ended before removing (no such process is running)");
            }
            // named before the refusal below: a run refused there has removed them all the same
            if (!removed.isEmpty()) {
                spec.commandLine().getErr().println("removed " + String.join(", ", removed) + " from " + abs.getParent() + ": the partial output of "
                        + (removed.size() == 1 ? "a spark score run" : "spark score runs") + " on " + output.getFileName()
                        + " whose driver ended without finishing (no such process is running)");
                spec.commandLine().getErr().flush();
            }
            // a restored old output, or one another run wrote since the check at the start (it ended before this one took the lock)
            if (!force && Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalArgumentException(output + " already exists; use --force to replace it");
            }
            return score(fmt, abs);
        }
    }

    /** Scores the input into abs (--output, absolute), while this run holds its lock. */
    private int score(String fmt, Path abs) throws Exception {
        long t0 = System.nanoTime();
        boolean embedded = SparkSession.getDefaultSession().isDefined(); // called from a program that has its session: leave it running
        SparkSession spark = Sessions.start(master, "tagllm spark score", conf);
        try {
            refuseSkippedFiles(spark);
            // CSV as predict reads it (CsvInput), with a column saying why a record could not be read, dropped once scored
            String[] paths = InputPaths.of(spark, input);
            CsvInput csv = fmt.equals("csv") ? CsvInput.read(spark, input, paths) : null;
            Dataset<Row> df = csv != null ? csv.rows() : spark.read().parquet(paths);
            if (sourceCols) df = SourceColumns.add(spark, df, csv == null, csv != null ? csv.readErrorCol() : null);
            if (partitions != null) df = df.repartition(partitions);
            TagLlmScorer scorer = new TagLlmScorer().setModel(model).setTags(tags.toArray(String[]::new)).setTask(task)
                    .setOutputCol(outputCol).setCompute(compute);
            // given, not defaulted: a regression or text task refuses it (it has no probability columns to name)
            if (spec.commandLine().getParseResult().hasMatchedOption("--prob-prefix")) scorer.setProbabilityPrefix(probPrefix);
            if (csv != null) scorer.setReadErrorCol(csv.readErrorCol());
            if (!inputCols.isEmpty()) scorer.setInputCols(InputColumns.parse(inputCols).toArray(String[]::new));
            if (batchRows != null) scorer.setBatchRows(batchRows);
            if (maxTokens != null) scorer.setMaxTokens(maxTokens);
            Path tmp = ScoreOutputLock.temporaryFolder(abs, ProcessHandle.current().pid());
            FileTrees.delete(tmp);
            Dataset<Row> scored;
            try {
                scored = scorer.transform(df);
            } catch (TagLlmScorer.GeneratesNothing e) { // in predict's words and with its exit code: the command line asks for what cannot be
                throw new CommandLine.ParameterException(spec.commandLine(), "--max-tokens: " + e.reason() + " (leave out --max-tokens)");
            } catch (TagLlmScorer.NoProbabilities e) { // as --max-tokens: an option that would change nothing is a usage error
                throw new CommandLine.ParameterException(spec.commandLine(), "--prob-prefix: " + e.reason() + " (leave out --prob-prefix)");
            } catch (TagLlmScorer.InputColsRefused e) { // as predict answers a --column its task cannot take: the option, exit 2
                throw new CommandLine.ParameterException(spec.commandLine(), "--input-cols " + e.inputCols() + ": " + e.reason());
            }
            try {
                (csv != null ? scored.drop(csv.readErrorCol()) : scored).write().parquet(tmp.toString());
                // where no lock is given, another run may have written it during this one's job
                if (!force && Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalArgumentException(output + " already exists; use --force to replace it");
                }
                ScoreOutputLock.moveIntoPlace(tmp, abs, ProcessHandle.current().pid(), step -> {});
            } catch (Throwable t) {
                // a failed job's tasks may have written part of it: nothing half-written stays beside the output
                try {
                    FileTrees.delete(tmp);
                } catch (IOException e) {
                    t.addSuppressed(e);
                }
                throw t;
            }
            // counted from the output in place: Spark's readers ignore a folder whose name starts with '.', and read
            // from the temporary one every run logged a false "WARN DataSource: All paths were ignored"; count(column)
            // counts its non-null values (quoted: "qed.pred_error" is a column, not a struct field). As predict counts
            // them, a row with an error is one without a prediction: a text row whose output the context cut has both
            // its output and a note in the error column, and is counted apart
            var prediction = functions.col(quoted(scorer.getOrDefault(scorer.outputCol())));
            var error = functions.col(quoted(scorer.errorColumn()));
            Row counts = spark.read().parquet(abs.toString())
                    .agg(functions.count(functions.lit(1)), functions.count(functions.when(prediction.isNull(), 1)),
                            functions.count(functions.when(prediction.isNotNull().and(error.startsWith(TagPredictor.CONTEXT_FULL)), 1)),
                            functions.count(functions.when(error.startsWith(PartitionScorer.BATCH_FAILED)
                                    .or(error.startsWith(PartitionScorer.GENERATION_FAILED)), 1)))
                    .first();
            long rows = counts.getLong(0), errors = counts.getLong(1), contextFull = counts.getLong(2), modelFailed = counts.getLong(3);
            double s = (System.nanoTime() - t0) / 1e9;
            spec.commandLine().getErr().printf(Locale.ROOT, "wrote %d %s (%d with an error in %s) to %s in %.1f s (%.1f rows/s, master %s)%n",
                    rows, rows == 1 ? "row" : "rows", errors, scorer.errorColumn(), output, s, rows / s, spark.sparkContext().master());
            if (contextFull > 0) {
                // predict's note, with its column's name
                spec.commandLine().getErr().println("note: the output of " + Plural.count(contextFull, "row") + " stopped at the end of the model's "
                        + "context before --max-tokens " + scorer.getOrDefault(scorer.maxTokens()) + " (said in the '" + scorer.errorColumn()
                        + "' column; a shorter input leaves more room)");
            }
            if (modelFailed > maxModelFailures) {
                // the job kept these rows so that the others were not lost with a failed task, but a scheduler sees
                // only the exit code: a run whose engine failed on its rows is no success (a refused input is the
                // data's, as in predict, and does not count)
                spec.commandLine().getErr().println("error: " + output + ": the model failed on " + Plural.count(modelFailed, "row")
                        + " ('" + PartitionScorer.BATCH_FAILED + "...' or '" + PartitionScorer.GENERATION_FAILED + "...' in the '"
                        + scorer.errorColumn() + "' column), more than --max-model-failures " + maxModelFailures
                        + "; the output is kept, its other rows scored");
                return 1;
            }
        } finally {
            if (!embedded) spark.stop();
        }
        return 0;
    }

    /**
     * The master this run uses: --master, else --conf spark.master, else the spark.master system property that
     * spark-submit sets, else local[*]. The old option defaulted to local[*] and was set over spark-submit's master
     * (the docs said it could be left out there); and a --conf spark.master other than --master silently won over it.
     * Two different masters are a usage error naming both.
     */
    static String master(String option, Map<String, String> conf, String submitted, CommandLine cl) {
        String inConf = conf.get("spark.master");
        if (option != null && inConf != null && !option.equals(inConf)) {
            throw new CommandLine.ParameterException(cl, "--master " + option + " and --conf spark.master=" + inConf
                    + " name two different masters; give one");
        }
        if (option != null) return option;
        if (inConf != null) return inConf;
        return submitted != null ? submitted : "local[*]";
    }

    /** Spark settings under which its readers skip files they cannot read or find, and with them their rows. */
    static final List<String> SKIPPING_FILES = List.of("spark.sql.files.ignoreCorruptFiles", "spark.sql.files.ignoreMissingFiles",
            "spark.files.ignoreCorruptFiles", "spark.files.ignoreMissingFiles");

    /**
     * Refuses a session (from --conf, spark-submit or spark-defaults.conf, or the embedding program's) that lets Spark's
     * readers skip an unreadable or vanished input file: its rows left the output without a row or a status saying
     * why, where every input row comes out once (a CSV record Spark cannot parse keeps its row with the reason).
     */
    private void refuseSkippedFiles(SparkSession spark) {
        for (String key : SKIPPING_FILES) {
            String v = spark.conf().get(key, "false");
            if (v.strip().equalsIgnoreCase("true")) {
                throw new CommandLine.ParameterException(spec.commandLine(), key + "=" + v + ": Spark's readers would skip an input file they "
                        + "cannot read (or that is gone) and lose its rows without a status; spark score keeps every input row, so leave it out "
                        + "(a file that cannot be read then fails the run, naming it)");
            }
        }
    }

    /** Whether a master runs its executors on this machine (local, local[N], local-cluster[...]), with its native kernels. */
    static boolean executorsRunHere(String master) {
        return master.startsWith("local");
    }

    /** A column name as Spark's col() takes it whole: a dot in it is no struct field. */
    private static String quoted(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    /** Compression suffixes Spark's CSV reader decompresses by (Hadoop's codecs), of which predict reads .gz. */
    private static final List<String> COMPRESSED = List.of(".gz", ".bz2", ".zst", ".deflate", ".lz4", ".snappy");

    /**
     * csv or parquet from the input's name (null when it does not say), as predict tells a format: of a compressed
     * CSV, by the extension before the compression's (mols.csv.gz is CSV). A Parquet file compresses its own pages,
     * so a compressed name is CSV or nothing.
     */
    static String inputFormat(String input) {
        String name = input.toLowerCase(Locale.ROOT);
        if (name.endsWith(".parquet")) return "parquet";
        for (String c : COMPRESSED) if (name.endsWith(c)) name = name.substring(0, name.length() - c.length());
        return name.endsWith(".csv") ? "csv" : null;
    }

    /** A URI's scheme and colon at the start (hdfs:, s3a:, file:), which a path of this machine does not begin with. */
    private static final java.util.regex.Pattern URI_SCHEME = java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*");

    /**
     * --output as a path of this machine, where the finished output is renamed into place: a file: URI as its path;
     * another URI (hdfs://, s3a://) refused, which as a path named a folder "hdfs:" in the working directory, written
     * there on the driver and on each executor's own disk.
     */
    static Path localOutput(Path output) {
        String s = output.toString();
        if (!URI_SCHEME.matcher(s).matches()) return output;
        if (s.startsWith("file:/")) {
            try {
                return Path.of(java.net.URI.create(s));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--output " + s + ": not a file: URI of a path (" + e.getMessage() + ")", e);
            }
        }
        throw new IllegalArgumentException("--output " + s + ": give a path of this machine's file system (the finished output is renamed "
                + "into place there); to write to another file system, use the TagLlmScorer API and Spark's writers (docs/spark.md)");
    }

    /** A file starting with gzip's magic bytes (1f 8b) under a name Spark would not decompress. */
    static boolean gzipNamedOtherwise(Path file) throws IOException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz")) return false;
        try (var in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(2);
            return head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        }
    }

    /**
     * A path of this machine's file system as written, which can be checked before Spark starts; not a URI (hdfs://,
     * s3a://, file:/...) or a glob (data/part-*.csv), which Spark's readers resolve and refuse themselves. A name with
     * glob characters that exists as written (results[v2].csv) is a path.
     */
    static boolean plainLocalPath(String input) {
        return !URI_SCHEME.matcher(input).matches() && (!InputPaths.isGlob(input) || existsAsWritten(input));
    }

    /** input names a local file or folder as written (no URI scheme). */
    static boolean existsAsWritten(String input) {
        if (URI_SCHEME.matcher(input).matches()) return false;
        try {
            return Files.exists(Path.of(input));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }
}
