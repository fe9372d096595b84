package tagllm.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.eval.ClassificationMetrics;
import tagllm.eval.RegressionMetrics;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;
import tagllm.train.Experiment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * report.json of a compare: per task, per variant (a method, or Tag-LLM with an ablation), each seed's metrics on
 * the test rows every variant predicted (rows are paired by their line in the data file), the seeds' mean and
 * standard deviation, the paired difference against Tag-LLM with a 95 % bootstrap interval over those rows,
 * trainable parameters, wall time, and the step validation kept; plus every run's curves and predictions.
 * Regression tasks get the regression metrics (primary: the paper's per task); classification tasks the metrics
 * eval gives (primary: AUROC, macro one-vs-rest for multi-class, as eval, the suite and validation use), the
 * test rows' class counts, and each run's class probabilities. A metric with no value (Pearson of constant
 * predictions) is null, its spread too, and the seed's "undefined" lines say why; a difference against it has no
 * interval, and its "undefined" names the seed and the reason.
 */
public final class Report {
    public static final String[] METRICS = {"mse", "mae", "rmse", "pearson", "spearman", "r2"};
    /** Classification metrics as eval gives them; AUROC (macro one-vs-rest for multi-class) is the primary one. */
    public static final String[] CLASS_METRICS = {"auroc", "auprc", "accuracy", "balanced_accuracy", "f1", "log_loss", "ece"};
    /** The metrics with a paired bootstrap interval against Tag-LLM. */
    static final List<String> DIFFS = List.of("mse", "mae", "pearson"), CLASS_DIFFS = List.of("auroc", "accuracy", "log_loss");
    public static final int RESAMPLES = 2000;
    private static final long BOOTSTRAP_SEED = 20240211L;
    /** A run's predictions and probabilities copied into report.json: a NaN in them as null, as result.json has it. */
    private static final ObjectMapper JSON = tagllm.util.NonFiniteAsNull.register(new ObjectMapper());

    private Report() {}

    /** The paper's metric per task (Table 2): MAE for DC, Pearson r for BA, MSE otherwise. */
    public static String primaryMetric(TaskSpec spec) {
        String f = spec.functionTag() == null ? "" : spec.functionTag();
        return switch (f) {
            case "<DC>" -> "mae";
            case "<BA>" -> "pearson";
            default -> "mse";
        };
    }

    public static boolean higherIsBetter(String metric) {
        return switch (metric) {
            case "pearson", "spearman", "r2", "auroc", "auprc", "accuracy", "balanced_accuracy", "f1" -> true;
            default -> false;
        };
    }

    /**
     * A curve's [step, value] pairs, a value with none (a validation that gave no score) as null: a gap in
     * report.html's chart, where Jackson's default "NaN" string is no number for a reader of report.json.
     */
    private static ArrayNode points(List<double[]> curve) {
        ArrayNode out = JSON.createArrayNode();
        for (double[] p : curve) {
            ArrayNode a = out.addArray();
            for (double v : p) {
                if (Double.isFinite(v)) a.add(v);
                else a.addNull();
            }
        }
        return out;
    }

    static String variant(RunResult r) { return r.ablation().isEmpty() ? r.method() : r.method() + " " + r.ablation(); }

    public static ObjectNode build(Experiment exp, List<RunResult> runs, ObjectNode about) {
        ObjectNode root = JSON.createObjectNode();
        root.set("about", about);
        // the runs that stopped (a diverging loss): no metrics, left out of every mean, and named here and per variant;
        // a baseline's task that stopped alone (each trains on its own) is named with its task, one entry per task
        ArrayNode failed = about.putArray("failed_runs");
        for (RunResult r : runs) {
            if (r.failure() != null) failedEntry(failed, r, null, r.failure());
            else r.taskFailures().forEach((task, why) -> failedEntry(failed, r, task, why));
        }
        ObjectNode tasks = root.putObject("tasks");
        for (String task : CompareRunner.scoredTasks(exp).keySet()) {
            try {
                tasks.set(task, task(exp, task, runs));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("task " + task + ": " + e.getMessage() + " (the runs are kept: fix and rerun with --report-only)", e);
            }
        }
        ArrayNode rs = root.putArray("runs");
        for (RunResult r : runs) {
            ObjectNode o = rs.addObject();
            o.put("id", r.id());
            o.put("variant", variant(r));
            o.put("method", r.method());
            o.put("ablation", r.ablation());
            o.put("seed", r.seed());
            // wall_seconds as result.json names it; wall_s, its name in builds up to 82e45ea, kept beside it for now
            put(o, "wall_seconds", r.wallSeconds()); // none measured: null, not Jackson's "NaN"
            put(o, "wall_s", r.wallSeconds());
            if (r.failure() != null) o.put("failure", r.failure());
            if (!r.taskFailures().isEmpty()) o.set("task_failures", JSON.valueToTree(r.taskFailures()));
            ArrayNode cs = o.putArray("curves");
            for (RunResult.Curve c : r.curves()) {
                ObjectNode co = cs.addObject();
                co.put("name", c.name());
                co.set("loss", points(c.loss()));
                co.set("valid", points(c.valid()));
            }
            ObjectNode preds = o.putObject("predictions");
            r.tasks().forEach((t, out) -> {
                ObjectNode p = preds.putObject(t);
                p.set("lines", JSON.valueToTree(out.lines())); // the rows' lines in the data file: the tables pair runs on the lines all share
                p.set("gold", JSON.valueToTree(out.gold()));
                p.set("pred", JSON.valueToTree(out.pred()));
                if (out.classification()) {
                    p.set("classes", JSON.valueToTree(out.classes()));
                    p.set("prob", JSON.valueToTree(out.prob()));
                }
            });
        }
        return root;
    }

    private static ObjectNode task(Experiment exp, String task, List<RunResult> runs) {
        TaskSpec spec = exp.tasks().get(task);
        boolean cls = spec.type() == TaskType.CLASSIFICATION;
        String primary = cls ? "auroc" : primaryMetric(spec);
        ObjectNode t = JSON.createObjectNode();
        t.put("type", spec.type().label());
        t.put("metric", primary);
        t.put("higher_is_better", higherIsBetter(primary));
        // the rows every run predicted: methods whose prompts differ in length may skip different rows
        Set<Long> common = null;
        for (RunResult r : runs) {
            RunResult.TaskOutcome o = r.tasks().get(task);
            if (o == null) continue;
            Set<Long> s = new LinkedHashSet<>();
            for (long l : o.lines()) s.add(l);
            if (common == null) common = s;
            else common.retainAll(s);
        }
        if (common == null || common.isEmpty()) {
            t.put("test_rows", 0);
            return t;
        }
        List<Long> rowsInOrder = new ArrayList<>(common);
        t.put("test_rows", rowsInOrder.size());
        int n = rowsInOrder.size();
        double[] gold = null;
        List<String> classes = null;
        Map<String, List<RunResult>> byVariant = new LinkedHashMap<>();
        Map<String, List<double[]>> predsByVariant = new LinkedHashMap<>();
        Map<String, List<double[][]>> probsByVariant = new LinkedHashMap<>();
        for (RunResult r : runs) {
            RunResult.TaskOutcome o = r.tasks().get(task);
            if (o == null) continue;
            if (cls != o.classification()) {
                throw new IllegalStateException("run " + r.id() + ": task " + task + " is scored as " + (o.classification() ? "classification" : "regression")
                        + " but the experiment makes it " + spec.type().label() + "; start the compare over with --force");
            }
            if (cls) {
                if (classes == null) classes = o.classes();
                else if (!classes.equals(o.classes())) {
                    throw new IllegalStateException("task " + task + ": run " + r.id() + " has classes " + o.classes() + ", another run " + classes);
                }
            }
            Map<Long, Integer> at = new HashMap<>();
            for (int i = 0; i < o.lines().length; i++) at.put(o.lines()[i], i);
            double[] p = new double[n], g = new double[n];
            double[][] prob = cls ? new double[n][] : null;
            for (int i = 0; i < n; i++) {
                int k = at.get(rowsInOrder.get(i));
                p[i] = o.pred()[k];
                g[i] = o.gold()[k];
                if (cls) prob[i] = o.prob()[k];
            }
            if (gold == null) gold = g;
            byVariant.computeIfAbsent(variant(r), k -> new ArrayList<>()).add(r);
            predsByVariant.computeIfAbsent(variant(r), k -> new ArrayList<>()).add(p);
            if (cls) probsByVariant.computeIfAbsent(variant(r), k -> new ArrayList<>()).add(prob);
        }
        // the variants in run order, those whose every seed failed too (each with its failed seeds, so none is silently dropped)
        Map<String, List<RunResult>> failedByVariant = new LinkedHashMap<>();
        ObjectNode variants = JSON.createObjectNode();
        for (RunResult r : runs) {
            boolean failedHere = r.failure(task) != null;
            if (!failedHere && r.tasks().get(task) == null) continue;
            if (!variants.has(variant(r))) variants.putObject(variant(r));
            if (failedHere) failedByVariant.computeIfAbsent(variant(r), k -> new ArrayList<>()).add(r);
        }
        int[] goldClass = null;
        if (cls) {
            t.set("classes", JSON.valueToTree(classes));
            goldClass = new int[n];
            long[] counts = new long[classes.size()];
            for (int i = 0; i < n; i++) counts[goldClass[i] = (int) gold[i]]++;
            ObjectNode c = t.putObject("class_counts");
            for (int k = 0; k < counts.length; k++) c.put(classes.get(k), counts[k]);
        }
        String[] names = cls ? CLASS_METRICS : METRICS;
        t.set("variants", variants);
        // per variant and seed, why a metric has no value: a difference against it has none either, and says why
        Map<String, List<List<String>>> undefined = new HashMap<>();
        for (Map.Entry<String, List<RunResult>> v : byVariant.entrySet()) {
            ObjectNode vo = (ObjectNode) variants.get(v.getKey());
            List<RunResult> rs = v.getValue();
            vo.put("method", rs.getFirst().method());
            vo.put("ablation", rs.getFirst().ablation());
            if (rs.getFirst().method().equals(Method.BASELINE.label())) vo.put("baseline", cls ? "majority class" : "training mean"); // class frequencies as probabilities, or the mean label
            vo.put("params", rs.getFirst().tasks().get(task).params());
            ArrayNode seeds = vo.putArray("seeds");
            Map<String, double[]> perMetric = new LinkedHashMap<>();
            for (String m : names) perMetric.put(m, new double[rs.size()]);
            double[] wall = new double[rs.size()];
            boolean wholeRun = false; // Tag-LLM trains its tasks together: a task's time is the run's
            for (int s = 0; s < rs.size(); s++) {
                RunResult r = rs.get(s);
                RunResult.TaskOutcome o = r.tasks().get(task);
                ObjectNode so = seeds.addObject();
                so.put("seed", r.seed());
                so.put("run", r.id());
                ObjectNode mo = so.putObject("metrics");
                List<String> why;
                if (cls) {
                    ClassificationMetrics m = ClassificationMetrics.compute(probsByVariant.get(v.getKey()).get(s), goldClass, classes);
                    for (String name : names) {
                        double x = Stats.pickClass(name).applyAsDouble(m);
                        perMetric.get(name)[s] = x;
                        put(mo, name, x);
                    }
                    put(so, "valid_log_loss", o.validLogLoss());
                    why = m.undefined();
                } else {
                    RegressionMetrics m = RegressionMetrics.compute(predsByVariant.get(v.getKey()).get(s), gold);
                    for (String name : names) {
                        double x = Stats.pick(name).applyAsDouble(m);
                        perMetric.get(name)[s] = x;
                        put(mo, name, x);
                    }
                    put(so, "valid_mse", o.validMse());
                    why = m.undefined();
                }
                putUndefined(so, why);
                undefined.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(why);
                so.put("kept_step", o.keptStep());
                if (o.lambdaRows() != null) so.put("lambda_chosen_on", o.lambdaRows()); // the probe: valid, or the training rows' last fifth
                wholeRun |= Double.isNaN(o.wallSeconds());
                wall[s] = Double.isNaN(o.wallSeconds()) ? r.wallSeconds() : o.wallSeconds();
                put(so, "wall_seconds", wall[s]);
                put(so, "wall_s", wall[s]);
            }
            ObjectNode mean = vo.putObject("mean"), std = vo.putObject("std");
            for (String name : names) {
                put(mean, name, Stats.mean(perMetric.get(name)));
                put(std, name, Stats.std(perMetric.get(name)));
            }
            put(vo, "wall_seconds_mean", Stats.mean(wall));
            put(vo, "wall_s_mean", Stats.mean(wall));
            // what the time covers: the task alone, or (Tag-LLM) the whole run, every stage and task together
            vo.put("wall_seconds_of", wholeRun ? "run" : "task");
            vo.put("wall_s_of", wholeRun ? "run" : "task");
            putFailedSeeds(vo, task, failedByVariant.getOrDefault(v.getKey(), List.of()));
        }
        // a variant every seed of which failed: no metrics, but there, with its seeds and why
        for (Map.Entry<String, List<RunResult>> v : failedByVariant.entrySet()) {
            if (byVariant.containsKey(v.getKey())) continue;
            ObjectNode vo = (ObjectNode) variants.get(v.getKey());
            RunResult first = v.getValue().getFirst();
            vo.put("method", first.method());
            vo.put("ablation", first.ablation());
            vo.putNull("params");
            vo.putArray("seeds");
            ObjectNode mean = vo.putObject("mean"), std = vo.putObject("std");
            for (String name : names) {
                mean.putNull(name);
                std.putNull(name);
            }
            vo.putNull("wall_seconds_mean");
            vo.putNull("wall_s_mean");
            putFailedSeeds(vo, task, v.getValue());
        }
        // after every variant's seeds, so Tag-LLM's notes are there whatever order the runs came in
        for (Map.Entry<String, List<RunResult>> v : byVariant.entrySet()) {
            List<RunResult> rs = v.getValue();
            // a Tag-LLM whose every seed failed is still the reference: the difference then says it has none
            if (variants.has("tagllm") && !v.getKey().equals("tagllm")) {
                ObjectNode d = ((ObjectNode) variants.get(v.getKey())).putObject("vs_tagllm");
                // each of the variant's seeds with Tag-LLM's run of the same seed (not the same place in the lists: a
                // report of finished runs can lack a seed of one method and not of the other)
                List<int[]> pairs = pairedSeeds(rs, byVariant.getOrDefault("tagllm", List.of()));
                d.put("paired_seeds", pairs.size());
                for (String name : cls ? CLASS_DIFFS : DIFFS) {
                    ObjectNode io = d.putObject(name);
                    if (pairs.isEmpty()) {
                        io.putNull("diff");
                        io.putNull("lo");
                        io.putNull("hi");
                        io.put("resamples", 0);
                        io.put("undefined", "no seed of " + v.getKey() + " has a finished Tag-LLM run of the same seed");
                        continue;
                    }
                    List<Stats.RowMetric> me = new ArrayList<>(), ref = new ArrayList<>();
                    for (int[] pair : pairs) {
                        if (cls) {
                            int[] gc = goldClass;
                            List<String> cl = classes;
                            double[][] pm = probsByVariant.get(v.getKey()).get(pair[0]), pr = probsByVariant.get("tagllm").get(pair[1]);
                            me.add(idx -> Stats.classMetric(name, pm, gc, cl, idx));
                            ref.add(idx -> Stats.classMetric(name, pr, gc, cl, idx));
                        } else {
                            double[] g = gold, pm = predsByVariant.get(v.getKey()).get(pair[0]), pr = predsByVariant.get("tagllm").get(pair[1]);
                            me.add(idx -> Stats.metric(name, pm, g, idx));
                            ref.add(idx -> Stats.metric(name, pr, g, idx));
                        }
                    }
                    Stats.Interval in = Stats.pairedBootstrap(me, ref, n, RESAMPLES, BOOTSTRAP_SEED);
                    put(io, "diff", in.diff());
                    put(io, "lo", in.lo());
                    put(io, "hi", in.hi());
                    io.put("resamples", in.resamples());
                    if (!Double.isFinite(in.lo()) || !Double.isFinite(in.hi())) {
                        io.put("undefined", whyNoInterval(name, in, v.getKey(), byVariant, undefined, pairs));
                    }
                }
            }
        }
        return t;
    }

    /**
     * Why a difference has no interval: the seed whose metric has no value (the variant's first, then Tag-LLM's),
     * with the metric's own reason; or, where the difference has a value, that there was one test row only or that no
     * resample gave one.
     */
    private static String whyNoInterval(String metric, Stats.Interval in, String variant, Map<String, List<RunResult>> byVariant,
                                        Map<String, List<List<String>>> undefined, List<int[]> pairs) {
        if (Double.isFinite(in.diff()) && in.rows() < 2) return "one test row: resampling it gives that row again, so there is no interval over rows";
        if (Double.isFinite(in.diff())) return metric + " is undefined on every one of " + RESAMPLES + " resamples of the test rows";
        for (int side = 0; side < 2; side++) {
            String v = side == 0 ? variant : "tagllm";
            for (int[] pair : pairs) {
                for (String line : undefined.get(v).get(pair[side])) {
                    if (line.startsWith(metric + ":")) return v + " seed " + byVariant.get(v).get(pair[side]).seed() + ": " + line;
                }
            }
        }
        return metric + " has no value on the test rows";
    }

    /** The variant's failed seeds (seed, run, why), an empty list when none failed; "seeds" holds the finished ones. */
    private static void putFailedSeeds(ObjectNode vo, String task, List<RunResult> failed) {
        ArrayNode a = vo.putArray("failed_seeds");
        for (RunResult r : failed) {
            ObjectNode f = a.addObject();
            f.put("seed", r.seed());
            f.put("run", r.id());
            f.put("failure", r.failure(task));
        }
    }

    /** One entry of about.failed_runs: the run, and the task when that task alone failed. */
    private static void failedEntry(ArrayNode failed, RunResult r, String task, String why) {
        ObjectNode f = failed.addObject();
        f.put("run", r.id());
        f.put("variant", variant(r));
        f.put("seed", r.seed());
        if (task != null) f.put("task", task);
        f.put("failure", why);
    }

    /** [index in runs, index in Tag-LLM's runs] of each of runs' seeds that Tag-LLM has a run of, in runs' order. */
    static List<int[]> pairedSeeds(List<RunResult> runs, List<RunResult> tagLlm) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            for (int j = 0; j < tagLlm.size(); j++) {
                if (runs.get(i).seed() == tagLlm.get(j).seed()) {
                    out.add(new int[]{i, j});
                    break;
                }
            }
        }
        return out;
    }

    private static void put(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) o.put(k, v);
        else o.putNull(k);
    }

    /**
     * The regression metrics ({@link #METRICS}) as a seed's metrics in report.json: a finite value as a number, NaN or
     * infinite as null (Jackson would otherwise write the string "NaN"), and the reasons under "undefined".
     * eval --json and score regression --json write theirs with it.
     */
    public static void putMetrics(ObjectNode o, RegressionMetrics m) {
        for (String name : METRICS) put(o, name, Stats.pick(name).applyAsDouble(m));
        putUndefined(o, m.undefined());
    }

    /** The classification metrics ({@link #CLASS_METRICS}) so, for eval --json and score classification --json. */
    public static void putMetrics(ObjectNode o, ClassificationMetrics m) {
        for (String name : CLASS_METRICS) put(o, name, Stats.pickClass(name).applyAsDouble(m));
        putUndefined(o, m.undefined());
    }

    /**
     * Metrics of no fixed set (eval's next-token loss and perplexity of a language-model task) by the same rule: each
     * finite value as a number, NaN or infinite as null, and the reasons (one line per such metric) under "undefined".
     */
    public static void putMetrics(ObjectNode o, java.util.Map<String, Double> metrics, List<String> undefined) {
        metrics.forEach((k, v) -> put(o, k, v));
        putUndefined(o, undefined);
    }

    /** The reasons a metric has no value, one line each, under "undefined"; none: no field. */
    private static void putUndefined(ObjectNode o, List<String> why) {
        if (!why.isEmpty()) o.set("undefined", JSON.valueToTree(why));
    }
}
