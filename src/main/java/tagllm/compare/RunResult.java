package tagllm.compare;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Map;

/**
 * One run of compare: a method (with an ablation for Tag-LLM) at one seed, and what it gave on each task's test
 * rows. Written as RUN/result.json when the run ends, so {@code --resume} reuses finished runs.
 *
 * @param ablation the ablation's name, "" for none
 * @param tasks    per task: predictions on the test rows and what the run kept
 * @param curves   training curves: per stage (Tag-LLM) or per task (baselines)
 * @param failure  why the run has no outcome ("diverged at step 6 of stage s2: loss NaN"; its tasks are then empty and
 *                 its curves those logged before it stopped), null for a finished run (and in a result.json written
 *                 before failures were recorded). Tag-LLM trains its tasks together, so one diverging stage fails it whole.
 * @param taskFailures per task, why that task alone has no outcome: prompt tuning and LoRA train each task on its own,
 *                 so one task's diverging loss leaves the run's other tasks their outcomes; empty when none failed (and
 *                 in a result.json written before it was recorded)
 * result.json names the fields in snake_case (wall_seconds, task_failures) as every other file of the project; those
 * compare wrote in builds before 22bc155 had the Java names (wallSeconds), which are still read.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunResult(String id, String method, String ablation, long seed, @JsonAlias("wallSeconds") double wallSeconds,
                        Map<String, TaskOutcome> tasks, List<Curve> curves, String failure,
                        @JsonAlias("taskFailures") Map<String, String> taskFailures) {

    public RunResult {
        taskFailures = taskFailures == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(taskFailures));
    }

    public RunResult(String id, String method, String ablation, long seed, double wallSeconds, Map<String, TaskOutcome> tasks,
                     List<Curve> curves, String failure) {
        this(id, method, ablation, seed, wallSeconds, tasks, curves, failure, Map.of());
    }

    public RunResult(String id, String method, String ablation, long seed, double wallSeconds, Map<String, TaskOutcome> tasks,
                     List<Curve> curves) {
        this(id, method, ablation, seed, wallSeconds, tasks, curves, null);
    }

    /** A run that stopped: no outcome on any task, the reason, and the curves logged until then. */
    public static RunResult failed(String id, String method, String ablation, long seed, double wallSeconds, List<Curve> curves, String failure) {
        return new RunResult(id, method, ablation, seed, wallSeconds, Map.of(), curves, failure);
    }

    /** Whether the run, or one of its tasks, stopped without an outcome (no metrics there, and the report says why). */
    public boolean failed() { return failure != null || !taskFailures.isEmpty(); }

    /** Why the task has no outcome in this run (the whole run's failure, or the task's own), null when it has one. */
    public String failure(String task) { return failure != null ? failure : taskFailures.get(task); }

    /** The failure as one line: the run's, or each failed task's ("task qed: diverged ..."). */
    public String failureSummary() {
        if (failure != null) return failure;
        List<String> parts = new java.util.ArrayList<>();
        taskFailures.forEach((t, why) -> parts.add("task " + t + ": " + why));
        return String.join("; ", parts);
    }

    /**
     * One task's outcome. lines: the test rows' line numbers in their file (to pair rows across methods).
     * keptStep: the step whose tags/heads were kept by validation (0 = training never beat the start), -1 when
     * there was no validation during training. Regression: gold and pred in label units, validMse on the valid
     * rows. Classification: gold the class index, pred the most probable class, prob the class probabilities
     * (rows × classes, binary [p(first), p(second)]), classes their names, validLogLoss on the valid rows
     * (classes, prob null and validLogLoss NaN for regression; validMse NaN for classification). lambdaRows: the
     * probe's, the rows its λ was chosen on ({@link #LAMBDA_ON_VALID} or {@link #LAMBDA_ON_TRAIN_FIFTH}); null for
     * the other methods and in a result.json written before it was recorded.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TaskOutcome(long params, long[] lines, double[] gold, double[] pred, @JsonAlias("validMse") double validMse,
                              @JsonAlias("keptStep") int keptStep, @JsonAlias("wallSeconds") double wallSeconds,
                              List<String> classes, double[][] prob, @JsonAlias("validLogLoss") double validLogLoss,
                              @JsonAlias("lambdaRows") String lambdaRows) {
        public static final String LAMBDA_ON_VALID = "valid";
        public static final String LAMBDA_ON_TRAIN_FIFTH = "last fifth of train (no valid rows)";

        public TaskOutcome(long params, long[] lines, double[] gold, double[] pred, double validMse, int keptStep, double wallSeconds,
                           List<String> classes, double[][] prob, double validLogLoss) {
            this(params, lines, gold, pred, validMse, keptStep, wallSeconds, classes, prob, validLogLoss, null);
        }

        public TaskOutcome(long params, long[] lines, double[] gold, double[] pred, double validMse, int keptStep, double wallSeconds) {
            this(params, lines, gold, pred, validMse, keptStep, wallSeconds, null, null, Double.NaN);
        }

        /** This outcome with the rows the probe's λ was chosen on. */
        public TaskOutcome withLambdaRows(String rows) {
            return new TaskOutcome(params, lines, gold, pred, validMse, keptStep, wallSeconds, classes, prob, validLogLoss, rows);
        }

        public boolean classification() { return prob != null; }
    }

    /** loss and valid: [step, value] pairs. */
    public record Curve(String name, List<double[]> loss, List<double[]> valid) {}
}
