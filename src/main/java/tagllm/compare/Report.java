package tagllm.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.eval.RegressionMetrics;
import tagllm.task.TaskSpec;
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
 */
public final class Report {
    public static final String[] METRICS = {"mse", "mae", "rmse", "pearson", "spearman", "r2"};
    public static final int RESAMPLES = 2000;
    private static final long BOOTSTRAP_SEED = 20240211L;
    private static final ObjectMapper JSON = new ObjectMapper();

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
        return metric.equals("pearson") || metric.equals("spearman") || metric.equals("r2");
    }

    static String variant(RunResult r) { return r.ablation().isEmpty() ? r.method() : r.method() + " " + r.ablation(); }

    public static ObjectNode build(Experiment exp, List<RunResult> runs, ObjectNode about) {
        ObjectNode root = JSON.createObjectNode();
        root.set("about", about);
        ObjectNode tasks = root.putObject("tasks");
        for (String task : CompareRunner.scoredTasks(exp).keySet()) {
            tasks.set(task, task(exp, task, runs));
        }
        ArrayNode rs = root.putArray("runs");
        for (RunResult r : runs) {
            ObjectNode o = rs.addObject();
            o.put("id", r.id());
            o.put("variant", variant(r));
            o.put("method", r.method());
            o.put("ablation", r.ablation());
            o.put("seed", r.seed());
            o.put("wall_s", r.wallSeconds());
            ArrayNode cs = o.putArray("curves");
            for (RunResult.Curve c : r.curves()) {
                ObjectNode co = cs.addObject();
                co.put("name", c.name());
                co.set("loss", JSON.valueToTree(c.loss()));
                co.set("valid", JSON.valueToTree(c.valid()));
            }
            ObjectNode preds = o.putObject("predictions");
            r.tasks().forEach((t, out) -> {
                ObjectNode p = preds.putObject(t);
                p.set("gold", JSON.valueToTree(out.gold()));
                p.set("pred", JSON.valueToTree(out.pred()));
            });
        }
        return root;
    }

    private static ObjectNode task(Experiment exp, String task, List<RunResult> runs) {
        TaskSpec spec = exp.tasks().get(task);
        String primary = primaryMetric(spec);
        ObjectNode t = JSON.createObjectNode();
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
        double[] gold = null;
        Map<String, List<RunResult>> byVariant = new LinkedHashMap<>();
        Map<String, List<double[]>> predsByVariant = new LinkedHashMap<>();
        for (RunResult r : runs) {
            RunResult.TaskOutcome o = r.tasks().get(task);
            if (o == null) continue;
            Map<Long, Integer> at = new HashMap<>();
            for (int i = 0; i < o.lines().length; i++) at.put(o.lines()[i], i);
            double[] p = new double[rowsInOrder.size()], g = new double[rowsInOrder.size()];
            for (int i = 0; i < p.length; i++) {
                int k = at.get(rowsInOrder.get(i));
                p[i] = o.pred()[k];
                g[i] = o.gold()[k];
            }
            if (gold == null) gold = g;
            byVariant.computeIfAbsent(variant(r), k -> new ArrayList<>()).add(r);
            predsByVariant.computeIfAbsent(variant(r), k -> new ArrayList<>()).add(p);
        }
        ObjectNode variants = t.putObject("variants");
        List<double[]> reference = predsByVariant.get("tagllm");
        for (Map.Entry<String, List<RunResult>> v : byVariant.entrySet()) {
            ObjectNode vo = variants.putObject(v.getKey());
            List<RunResult> rs = v.getValue();
            List<double[]> preds = predsByVariant.get(v.getKey());
            vo.put("method", rs.getFirst().method());
            vo.put("ablation", rs.getFirst().ablation());
            vo.put("params", rs.getFirst().tasks().get(task).params());
            ArrayNode seeds = vo.putArray("seeds");
            Map<String, double[]> perMetric = new LinkedHashMap<>();
            for (String m : METRICS) perMetric.put(m, new double[rs.size()]);
            double[] wall = new double[rs.size()];
            for (int s = 0; s < rs.size(); s++) {
                RunResult r = rs.get(s);
                RunResult.TaskOutcome o = r.tasks().get(task);
                RegressionMetrics m = RegressionMetrics.compute(preds.get(s), gold);
                ObjectNode so = seeds.addObject();
                so.put("seed", r.seed());
                so.put("run", r.id());
                ObjectNode mo = so.putObject("metrics");
                for (String name : METRICS) {
                    double x = Stats.pick(name).applyAsDouble(m);
                    perMetric.get(name)[s] = x;
                    put(mo, name, x);
                }
                put(so, "valid_mse", o.validMse());
                so.put("kept_step", o.keptStep());
                wall[s] = Double.isNaN(o.wallSeconds()) ? r.wallSeconds() : o.wallSeconds();
                so.put("wall_s", wall[s]);
            }
            ObjectNode mean = vo.putObject("mean"), std = vo.putObject("std");
            for (String name : METRICS) {
                put(mean, name, Stats.mean(perMetric.get(name)));
                put(std, name, Stats.std(perMetric.get(name)));
            }
            vo.put("wall_s_mean", Stats.mean(wall));
            if (reference != null && !v.getKey().equals("tagllm")) {
                ObjectNode d = vo.putObject("vs_tagllm");
                int pairs = Math.min(preds.size(), reference.size());
                d.put("paired_seeds", pairs);
                for (String name : List.of("mse", "mae", "pearson")) {
                    Stats.Interval in = Stats.pairedBootstrap(name, preds.subList(0, pairs), reference.subList(0, pairs), gold, RESAMPLES, BOOTSTRAP_SEED);
                    ObjectNode io = d.putObject(name);
                    put(io, "diff", in.diff());
                    put(io, "lo", in.lo());
                    put(io, "hi", in.hi());
                    io.put("resamples", in.resamples());
                }
            }
        }
        return t;
    }

    private static void put(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) o.put(k, v);
        else o.putNull(k);
    }
}
