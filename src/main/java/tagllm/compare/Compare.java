package tagllm.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.model.Model;
import tagllm.train.Experiment;
import tagllm.train.Progress;
import tagllm.util.AtomicFiles;
import tagllm.util.FileErrors;
import tagllm.util.Sha256;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** compare end to end: the runs, then DIR/report.json and DIR/report.html (each written atomically). */
public final class Compare {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Compare() {}

    /** What a compare folder holds; an existing one is reused only with resume, replaced only with force. */
    public static final List<String> OUTPUTS = List.of("report.json", "report.html", "runs", "inputs.json");

    public static ObjectNode run(Model model, Experiment exp, CompareRunner.Options o, String command, Progress progress) throws IOException {
        return run(model, exp, o, command, progress, false);
    }

    /**
     * replaceEarlier (--force): an earlier compare's outputs in the folder go, but only once the experiment is known to
     * be one compare can run (every refusal of prepare comes first), so a failing command loses nothing.
     */
    public static ObjectNode run(Model model, Experiment exp, CompareRunner.Options o, String command, Progress progress, boolean replaceEarlier)
            throws IOException {
        // a missing data file named by its experiment field ("exp.yaml:7: tasks.qed.data.path"), as train names it,
        // before the folder is made; the readers, later, could name only the file
        if (!o.reportOnly()) tagllm.train.ExperimentRunner.requireInputFiles(exp);
        boolean made = !java.nio.file.Files.exists(o.dir());
        FileErrors.createFolder(o.dir());
        // two compares training into one folder (a second --resume while the first runs) would train the same unfinished
        // runs at once, each truncating the other's metrics logs; --report-only trains nothing and may read a running one
        try (tagllm.train.RunFolderLock lock = o.reportOnly() ? null : tagllm.train.RunFolderLock.take(o.dir())) {
            return locked(model, exp, o, command, progress, replaceEarlier);
        } catch (IOException | RuntimeException | Error e) {
            if (made) removeIfOnlyTheLock(o.dir()); // a compare refused before any run leaves no folder holding only its lock
            throw e;
        }
    }

    /** Removes a folder this call made when nothing but the run lock's file is in it (the lock is released by then). */
    private static void removeIfOnlyTheLock(java.nio.file.Path dir) {
        try (var entries = java.nio.file.Files.list(dir)) {
            if (entries.allMatch(p -> p.getFileName().toString().equals(".tagllm.lock"))) {
                java.nio.file.Files.deleteIfExists(dir.resolve(".tagllm.lock"));
                java.nio.file.Files.delete(dir);
            }
        } catch (IOException ignored) {
            // left as it is: the error being reported is the one that matters, and a rerun takes the folder as it is
        }
    }

    private static ObjectNode locked(Model model, Experiment exp, CompareRunner.Options o, String command, Progress progress, boolean replaceEarlier)
            throws IOException {
        CompareRunner runner = new CompareRunner(model, progress);
        exp = runner.prepare(exp); // refuses a task it cannot score before anything runs; classes from the training rows
        if (replaceEarlier) {
            for (String name : OUTPUTS) tagllm.util.FileTrees.delete(o.dir().resolve(name));
        }
        requireSameInputs(model, exp, o);
        long t0 = System.nanoTime();
        List<RunResult> runs = runner.run(exp, o);
        double runSeconds = runs.stream().mapToDouble(RunResult::wallSeconds).sum();
        ObjectNode about = JSON.createObjectNode();
        about.put("experiment", exp.file() == null ? "" : exp.file().toString());
        about.put("model", model.name());
        about.set("seeds", JSON.valueToTree(o.seeds()));
        about.set("methods", JSON.valueToTree(o.methods().stream().map(Method::label).toList()));
        about.set("ablations", JSON.valueToTree(o.ablations().stream().map(Ablation::name).toList()));
        about.put("prompt_init", o.promptInit());
        about.put("lora", String.format(Locale.ROOT, "r %d, alpha %s, dropout %s, q and v projections", o.loraRank(), o.loraAlpha(), o.loraDropout()));
        about.put("command", command);
        about.put("written", Instant.now().toString());
        // seconds spelt out, as result.json's wall_seconds and bench's; the _s names of builds up to 82e45ea kept for now
        double thisCall = (System.nanoTime() - t0) / 1e9;
        about.put("wall_seconds", runSeconds);
        about.put("this_call_seconds", thisCall);
        about.put("wall_s", runSeconds);
        about.put("this_call_s", thisCall);
        about.put("threads", tagllm.tensor.Parallel.threads());
        // --report-only: the runs neither finished nor derivable from a finished one (the probe's other seeds are)
        about.set("missing_runs", JSON.valueToTree(runner.missing()));
        about.put("note", "The probe and the baseline have no randomness: their seeds repeat one fit (made once, its time counted for each seed). Full fine-tuning is not compared: updating every weight "
                + "needs weight gradients and AdamW state for the whole model, out of reach on a CPU.");
        ObjectNode report = Report.build(exp, runs, about);
        // the trained baselines' steps per task: the sum of the task's shares of every stage that trains it
        Map<String, tagllm.train.StageSpec> last = CompareRunner.scoredTasks(exp);
        for (var b : runner.budgets(exp).entrySet()) {
            ObjectNode t = (ObjectNode) report.path("tasks").path(b.getKey());
            ObjectNode budget = t.putObject("budget");
            budget.put("steps", b.getValue().steps());
            budget.set("stages", JSON.valueToTree(b.getValue().perStage()));
            budget.put("hyper_from", last.get(b.getKey()).name());
        }
        try {
            AtomicFiles.writeString(o.dir().resolve("report.json"), JSON.writeValueAsString(report));
            AtomicFiles.writeString(o.dir().resolve("report.html"), HtmlReport.render(report));
        } catch (IOException e) {
            // (a full disk after hours of runs): the runs are on disk, and only the report needs writing again
            throw new IOException(e.getMessage() + "; the finished runs are kept in " + o.dir().resolve("runs")
                    + ": the same command with --report-only writes the report again, running nothing", e);
        }
        return report;
    }

    /**
     * A resumed compare reuses finished runs only if they were made from the same experiment file, data files, model
     * and method settings: DIR/inputs.json records them, and a difference is refused by name.
     */
    private static void requireSameInputs(Model model, Experiment exp, CompareRunner.Options o) throws IOException {
        ObjectNode in = JSON.createObjectNode();
        in.put("experiment_sha256", exp.file() == null ? "" : Sha256.hex(Files.readAllBytes(exp.file())));
        in.put("model_fingerprint", model.fingerprint());
        in.put("prompt_init", o.promptInit());
        in.put("lora", o.loraRank() + "/" + o.loraAlpha() + "/" + o.loraDropout());
        in.put("compute", model.weights().bf16Compute() ? "bf16" : "f32"); // finished runs in the other precision would be mixed in
        // the rows by content: an edited data file behind an unchanged experiment file is other data
        for (var d : exp.data().entrySet()) {
            if (Files.isRegularFile(d.getValue().path())) in.put("data_sha256 of task " + d.getKey(), Sha256.hex(d.getValue().path()));
        }
        Path f = o.dir().resolve("inputs.json");
        if (o.resume() && Files.isRegularFile(f)) {
            ObjectNode before = (ObjectNode) JSON.readTree(f.toFile());
            for (var e : in.properties()) {
                // a key the earlier compare did not record (an older version) is not a difference
                if (before.has(e.getKey()) && !e.getValue().equals(before.get(e.getKey()))) {
                    throw new IllegalArgumentException(f + ": the finished runs were made with another " + e.getKey() + " (" + before.get(e.getKey())
                            + ", now " + e.getValue() + "); resume only the same compare, or start over with --force");
                }
            }
        }
        // --report-only writes nothing but the report: recording today's inputs where the runs' own were not recorded
        // (a compare of an older version) would let a later --resume take those runs for runs of today's inputs
        if (!o.reportOnly()) AtomicFiles.writeString(f, JSON.writeValueAsString(in));
    }

    /** "; prompt tuning and LoRA: N steps (s2 a + s3 b)" when the report has those methods and the task its budget. */
    static String budget(ObjectNode report, com.fasterxml.jackson.databind.JsonNode task) {
        List<String> trained = new java.util.ArrayList<>();
        for (var m : report.path("about").path("methods")) {
            if (m.asText().equals(Method.PROMPT_TUNING.label())) trained.add("prompt tuning");
            if (m.asText().equals(Method.LORA.label())) trained.add("LoRA");
        }
        var b = task.path("budget");
        if (trained.isEmpty() || !b.has("steps")) return "";
        List<String> parts = new java.util.ArrayList<>();
        b.path("stages").properties().forEach(s -> parts.add(s.getKey() + " " + s.getValue().asInt()));
        return "; " + String.join(" and ", trained) + ": " + b.path("steps").asInt() + " steps (" + String.join(" + ", parts) + ")";
    }

    /**
     * " (1783 of 2000 resamples defined)" where an interval rests on fewer resamples than {@link Report#RESAMPLES} (those
     * where the metric has no value are left out), as report.html says it beside the interval; else "".
     */
    static String fewerResamples(com.fasterxml.jackson.databind.JsonNode diff) {
        int used = diff.path("resamples").asInt(Report.RESAMPLES);
        return used > 0 && used < Report.RESAMPLES ? " (" + used + " of " + Report.RESAMPLES + " resamples defined)" : "";
    }

    /**
     * " (no interval: one test row: ...)" where a difference has a value but no interval (one test row; every resample
     * undefined), with report.json's reason as report.html gives it; else "". A bare "[n/a, n/a]" left the reader to
     * guess whether the interval was missing or the run broken.
     */
    static String noInterval(com.fasterxml.jackson.databind.JsonNode diff) {
        boolean none = Double.isNaN(diff.path("lo").asDouble(Double.NaN)) || Double.isNaN(diff.path("hi").asDouble(Double.NaN));
        return none ? " (no interval" + (diff.has("undefined") ? ": " + diff.path("undefined").asText() : "") + ")" : "";
    }

    /**
     * " (over the 1 seed both have)" where the difference pairs fewer seeds than the variant's mean or Tag-LLM's covers
     * (a failed or unfinished seed on one side): the difference is then not the difference of the two means shown,
     * and says so; else "".
     */
    static String pairedOnFewer(com.fasterxml.jackson.databind.JsonNode task, com.fasterxml.jackson.databind.JsonNode variant) {
        var vs = variant.path("vs_tagllm");
        if (!vs.has("paired_seeds")) return "";
        int k = vs.path("paired_seeds").asInt();
        int most = Math.max(variant.path("seeds").size(), task.path("variants").path("tagllm").path("seeds").size());
        return k > 0 && k < most ? " (over the " + tagllm.util.Plural.count(k, "seed") + " both have)" : "";
    }

    /** The results as a Markdown table per task (what the command prints). */
    public static String markdown(ObjectNode report) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> t : report.path("tasks").properties()) {
            String metric = t.getValue().path("metric").asText();
            StringBuilder counts = new StringBuilder();
            t.getValue().path("class_counts").properties().forEach(c -> counts.append(counts.isEmpty() ? "; classes " : ", ").append(c.getKey())
                    .append(": ").append(c.getValue().asLong()));
            b.append("\n").append(t.getKey()).append(" (").append(metric).append(t.getValue().path("higher_is_better").asBoolean() ? ", higher is better" : ", lower is better")
                    .append("; ").append(t.getValue().path("test_rows").asInt()).append(" test rows").append(counts).append(budget(report, t.getValue()))
                    .append(")\n\n")
                    .append("| variant | params | ").append(metric).append(" mean ± std | Δ vs tagllm [95% CI] | kept steps |\n|---|---|---|---|---|\n");
            boolean undefinedRows = false;
            List<String> neverMoved = new java.util.ArrayList<>();
            for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> v : t.getValue().path("variants").properties()) {
                var n = v.getValue();
                var d = n.path("vs_tagllm").path(metric);
                boolean allAtStart = n.path("seeds").size() > 0;
                for (var s : n.path("seeds")) allAtStart &= s.path("kept_step").asInt(-1) == 0;
                if (allAtStart) neverMoved.add(v.getKey());
                StringBuilder kept = new StringBuilder();
                // a method that does not train (probe, baseline) has no kept step: its -1 is shown as "–"
                for (var s : n.path("seeds")) kept.append(kept.isEmpty() ? "" : ", ").append(s.path("kept_step").asInt() < 0 ? "–" : String.valueOf(s.path("kept_step").asInt()));
                // one seed has no spread: say so instead of printing a standard deviation of 0; failed seeds: "k of n seeds"
                String spread = HtmlReport.spread(n, metric);
                boolean noSeed = n.path("seeds").isEmpty(); // every seed failed: no metric at all
                // a metric with no value (a correlation of constant predictions: the mean predictor's Pearson) says so
                double mean = n.path("mean").path(metric).asDouble(Double.NaN);
                boolean undefined = Double.isNaN(mean) && !noSeed;
                undefinedRows |= undefined;
                b.append("| ").append(v.getKey()).append(n.has("baseline") ? " (" + n.path("baseline").asText() + ")" : "").append(" | ")
                        .append(n.path("params").isNumber() ? String.valueOf(n.path("params").asLong()) : "–").append(" | ")
                        .append(noSeed ? "–" + spread : undefined ? "undefined" : HtmlReport.fmt(mean) + spread).append(" | ")
                        .append(noSeed ? (v.getKey().equals("tagllm") ? "reference (no finished seed)" : "–")
                                : d.isMissingNode() ? (v.getKey().equals("tagllm") ? "reference" : "– (no Tag-LLM run)") : undefined ? "–"
                                : Double.isNaN(d.path("diff").asDouble(Double.NaN)) ? "– (" + d.path("undefined").asText("no value") + ")"
                                : HtmlReport.fmt(d.path("diff").asDouble(Double.NaN)) + " ["
                                + HtmlReport.fmt(d.path("lo").asDouble(Double.NaN)) + ", " + HtmlReport.fmt(d.path("hi").asDouble(Double.NaN)) + "]"
                                + noInterval(d) + fewerResamples(d) + pairedOnFewer(t.getValue(), n))
                        .append(" | ").append(kept).append(" |\n");
            }
            if (!neverMoved.isEmpty()) {
                // said plainly: a kept step of 0 means the score is the starting point's, not training's
                b.append("(kept step 0 for ").append(String.join(", ", neverMoved))
                        .append(": validation never beat where training started, so these scores are the starting point's)\n");
            }
            List<String> failed = HtmlReport.failedSeeds(t.getValue());
            if (!failed.isEmpty()) {
                b.append("(failed, no metrics, left out of the means: ").append(String.join("; ", failed)).append(")\n");
            }
            if (undefinedRows) {
                b.append("(undefined: ").append(metric).append(" has no value for these predictions")
                        .append(metric.equals("pearson") || metric.equals("spearman") ? ", a correlation of predictions that are all the same" : "").append(")\n");
            }
        }
        var missing = report.path("about").path("missing_runs");
        if (!missing.isEmpty()) {
            List<String> ids = new java.util.ArrayList<>();
            missing.forEach(m -> ids.add(m.asText()));
            b.append("\n(not finished, left out of these tables: ").append(String.join(", ", ids)).append(")\n");
        }
        var failedRuns = report.path("about").path("failed_runs");
        if (!failedRuns.isEmpty()) {
            b.append("\n").append(HtmlReport.failedHeading(report)).append(" (no metrics; report.json: about.failed_runs):\n");
            failedRuns.forEach(f -> b.append("  ").append(HtmlReport.failedRun(f)).append(": ").append(f.path("failure").asText()).append("\n"));
        }
        return b.toString();
    }
}
