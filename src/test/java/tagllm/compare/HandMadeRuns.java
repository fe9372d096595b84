package tagllm.compare;

import tagllm.train.Experiment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Compare runs written by hand, for the report's tests: an experiment file naming the tasks (nothing is read from
 * its data or model), and each run's predictions on a few test rows, so every number the report prints is known.
 */
final class HandMadeRuns {
    private HandMadeRuns() {}

    /** An experiment with the given tasks ("name: {preset: ...}" lines) trained by one stage 2 after stage 1. */
    static Experiment experiment(Path dir, String... tasks) throws Exception {
        StringBuilder y = new StringBuilder("model: models/none\nseed: 1\ntasks:\n  smiles_text: {preset: SMILES, data: s.csv}\n");
        StringBuilder names = new StringBuilder();
        for (String t : tasks) {
            y.append("  ").append(t).append("\n");
            names.append(names.isEmpty() ? "" : ", ").append(t, 0, t.indexOf(':'));
        }
        y.append("stages:\n  - {name: s1, stage: 1, tasks: [smiles_text], max_steps: 1}\n")
                .append("  - {name: s2, stage: 2, tasks: [").append(names).append("], max_steps: 1}\n");
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, y.toString());
        return Experiment.load(f);
    }

    /** One regression task's predictions on rows 0, 1, 2, …; kept step -1 (no validation) for the untrained methods. */
    static RunResult regression(String method, String ablation, long seed, String task, double[] gold, double[] pred, List<RunResult.Curve> curves) {
        long[] lines = new long[gold.length];
        for (int i = 0; i < lines.length; i++) lines[i] = i;
        int kept = method.equals("tagllm") ? 0 : -1;
        String id = method + (ablation.isEmpty() ? "" : "-" + ablation) + "-seed" + seed;
        return new RunResult(id, method, ablation, seed, 1.0, Map.of(task, new RunResult.TaskOutcome(10, lines, gold, pred, 0.5, kept, 1.0)), curves);
    }

    /** One binary task's class probabilities (p(second class) per row) on rows 0, 1, 2, …; no training curves. */
    static RunResult binary(String method, long seed, String task, int[] gold, double[] p1) {
        long[] lines = new long[gold.length];
        double[] g = new double[gold.length], pred = new double[gold.length];
        double[][] prob = new double[gold.length][];
        for (int i = 0; i < gold.length; i++) {
            lines[i] = i;
            g[i] = gold[i];
            pred[i] = p1[i] >= 0.5 ? 1 : 0;
            prob[i] = new double[]{1 - p1[i], p1[i]};
        }
        return new RunResult(method + "-seed" + seed, method, "", seed, 1.0, Map.of(task, new RunResult.TaskOutcome(10, lines, g, pred, Double.NaN,
                method.equals("tagllm") ? 0 : -1, 1.0, List.of("0", "1"), prob, 0.5)), List.of());
    }
}
