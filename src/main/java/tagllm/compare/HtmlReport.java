package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.List;
import java.util.Map;

/**
 * report.html: one self-contained page (no network) built from report.json. The tables are written here; the plots
 * (loss and validation curves per run, predicted-vs-true per regression task and variant, ROC curves and
 * calibration points per classification task and variant) are drawn by Chart.js, whose UMD
 * build (MIT licence, from the org.webjars.npm:chart.js jar) is inlined. A section appears only when it has content.
 * The page writes what it drew into #render-status (charts made, canvases left blank, axes drawn and those no series
 * uses, script errors) so a headless browser can check it.
 */
public final class HtmlReport {
    public static final String CHART_JS = "META-INF/resources/webjars/chart.js/4.4.1/dist/chart.umd.js";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HtmlReport() {}

    static String chartJs() throws IOException {
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(CHART_JS)) {
            if (in == null) throw new IOException("the Chart.js resource " + CHART_JS + " is not on the class path (dependency org.webjars.npm:chart.js)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public static String render(ObjectNode report) throws IOException {
        StringBuilder b = new StringBuilder(400_000);
        JsonNode about = report.path("about");
        b.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tagllm compare: ")
                .append(esc(about.path("experiment").asText())).append("</title>\n<style>")
                .append("body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;max-width:1400px}table{border-collapse:collapse;margin:.5em 0 1.5em}")
                .append("td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}")
                .append(".grid{display:flex;flex-wrap:wrap;gap:12px}.cell{width:420px}.cell canvas{width:420px;height:300px}")
                .append(".win{color:#06633a;font-weight:600}.loss{color:#a01010;font-weight:600}.tie{color:#555}code{background:#f5f5f5}")
                .append("</style>\n")
                // errors are collected before anything else runs, so the page can report them
                .append("<script>window.__errors=[];window.addEventListener('error',function(e){window.__errors.push(String(e.message))});")
                .append("(function(){var ce=console.error;console.error=function(){window.__errors.push(Array.prototype.join.call(arguments,' '));ce.apply(console,arguments)}})();</script>\n")
                .append("<script>/* Chart.js 4.4.1, https://www.chartjs.org, (c) 2023 Chart.js Contributors, MIT License */\n")
                .append(chartJs().replace("</script", "<\\/script")).append("\n</script>\n</head><body>\n");
        b.append("<h1>Tag-LLM against its baselines</h1>\n<p>Experiment <code>").append(esc(about.path("experiment").asText()))
                .append("</code> on <code>").append(esc(about.path("model").asText())).append("</code>; seeds ")
                .append(esc(list(about.path("seeds")))).append("; methods ").append(esc(list(about.path("methods"))))
                .append("; ablations ").append(esc(list(about.path("ablations")))).append(".<br>Command: <code>")
                .append(esc(about.path("command").asText())).append("</code><br>Written ").append(esc(about.path("written").asText()))
                .append(", ").append(fmt(about.path("wall_seconds").asDouble())).append(" s of runs. ")
                .append("Each metric is on the test rows every run predicted; ± is the standard deviation over seeds; Δ is the variant minus ")
                .append("Tag-LLM, averaged over the seeds both have (each paired with Tag-LLM's run of the same seed), with a 95 % bootstrap interval over test rows (")
                .append(Report.RESAMPLES).append(" resamples; a resample on which the metric has no value, such as a Pearson r of rows whose labels ")
                .append("or predictions are all alike or an AUROC of rows lacking a class the test rows hold, is left out, and an interval resting on fewer says how many it used). ")
                .append("Reading: which side is better where the interval excludes 0; where it spans 0, neither is clearly better. The interval ")
                .append("covers how the test rows vary, not how seeds do (± shows that), so a one-seed reading says so. Kept step: the step whose weights validation kept (0 = never beat the start; ")
                .append("– = no validation during training, -1 in report.json). Wall s: the task's own fit and scoring; Tag-LLM's stages train its tasks ")
                .append("together, so its time is the whole run's (every stage and task), marked so. ").append(esc(about.path("note").asText())).append("</p>\n");
        // runs that had not finished (--report-only) are left out of every table: the page says which, as the
        // printed tables do, so that a reader does not take a partial comparison for the whole
        JsonNode missing = about.path("missing_runs");
        if (!missing.isEmpty()) {
            List<String> ids = new java.util.ArrayList<>();
            missing.forEach(m -> ids.add(m.asText()));
            b.append("<p><b>Not finished, left out of these tables:</b> ").append(esc(String.join(", ", ids))).append("</p>\n");
        }

        // runs that stopped (a diverging loss) have no metrics: named here, and per table where they would be
        JsonNode failedRuns = about.path("failed_runs");
        if (!failedRuns.isEmpty()) {
            b.append("<p><b>").append(esc(failedHeading(report))).append(" (no metrics, left out of every mean):</b> ");
            List<String> items = new java.util.ArrayList<>();
            failedRuns.forEach(f -> items.add(failedRun(f) + " (" + f.path("failure").asText() + ")"));
            b.append(esc(String.join("; ", items))).append("</p>\n");
        }

        // a section only where it has something under it: a compare without ablations, classification or training
        // curves would otherwise print headings with nothing below them
        StringBuilder results = new StringBuilder(), ablations = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it = report.path("tasks").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> t = it.next();
            table(results, t.getKey(), t.getValue(), false, Compare.budget(report, t.getValue()));
            table(ablations, t.getKey(), t.getValue(), true, "");
        }
        if (!results.isEmpty()) b.append("<h2>Results</h2>\n").append(results);
        if (!ablations.isEmpty()) b.append("<h2>Ablations (Tag-LLM)</h2>\n").append(ablations);
        if (predicts(report, false)) b.append("<h2>Predicted vs true (regression; test rows, every seed)</h2>\n<div class=\"grid\" id=\"scatter\"></div>\n");
        if (predicts(report, true)) {
            b.append("<h2>ROC curves and calibration (classification; test rows, every seed)</h2>\n<p>ROC: true-positive against ")
                    .append("false-positive rate over the thresholds of p(positive class) (multi-class: one curve per class, one vs rest, first seed). ")
                    .append("Calibration: per bin of the top class's probability (10 equal bins, as ECE), the share predicted right against the ")
                    .append("mean probability; on the diagonal a model is calibrated. The baseline's probabilities are constant: one point.</p>\n")
                    .append("<div class=\"grid\" id=\"roc\"></div>\n");
        }
        if (hasCurves(report)) {
            b.append("<h2>Training curves (loss per step; validation score on the right axis: head-space MSE, 1 − AUROC for classes)</h2>\n")
                    .append("<div class=\"grid\" id=\"curves\"></div>\n");
        }
        b.append("<pre id=\"render-status\">not drawn</pre>\n");
        b.append("<script id=\"report-data\" type=\"application/json\">")
                .append(JSON.writeValueAsString(report).replace("</", "<\\/").replace("<!--", "<\\!--")).append("</script>\n");
        b.append(DRAW);
        b.append("</body></html>\n");
        return b.toString();
    }

    /** Whether some run predicted a classification (or a regression) task: the plots the page draws for it. */
    private static boolean predicts(JsonNode report, boolean classification) {
        for (JsonNode r : report.path("runs")) {
            for (Iterator<String> it = r.path("predictions").fieldNames(); it.hasNext(); ) {
                JsonNode t = report.path("tasks").path(it.next());
                if (!t.isMissingNode() && t.path("type").asText().equals("classification") == classification) return true;
            }
        }
        return false;
    }

    /** Whether some run has a loss or validation point (the probe and the baseline train nothing). */
    private static boolean hasCurves(JsonNode report) {
        for (JsonNode r : report.path("runs")) {
            for (JsonNode c : r.path("curves")) if (!c.path("loss").isEmpty() || !c.path("valid").isEmpty()) return true;
        }
        return false;
    }

    /** budget: "; prompt tuning and LoRA: N steps (…)" for the results table (the budget the baselines trained with), or "". */
    private static void table(StringBuilder b, String task, JsonNode t, boolean ablations, String budget) {
        String metric = t.path("metric").asText();
        boolean cls = t.path("type").asText().equals("classification");
        String[] extra = cls ? new String[]{"auprc", "accuracy", "balanced_accuracy", "f1", "log_loss", "ece"} : new String[]{"mse", "pearson"};
        String[] extraNames = cls ? new String[]{"AUPRC", "accuracy", "balanced acc.", "F1", "log loss", "ECE"} : new String[]{"MSE", "Pearson"};
        boolean up = t.path("higher_is_better").asBoolean();
        StringBuilder rows = new StringBuilder();
        List<String> failed = new java.util.ArrayList<>(); // the shown variants' failed seeds, "variant seed S: why"
        int count = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = t.path("variants").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            boolean isTagLlm = v.path("method").asText().equals("tagllm");
            if (ablations && !isTagLlm) continue;
            if (!ablations && isTagLlm && !v.path("ablation").asText().isEmpty()) continue;
            count++;
            String label = e.getKey() + (v.has("baseline") ? " (" + v.path("baseline").asText() + ")" : "");
            boolean noSeed = v.path("seeds").isEmpty(); // every seed failed
            rows.append("<tr><td class=\"l\">").append(esc(label)).append("</td><td>")
                    .append(v.path("params").isNumber() ? String.valueOf(v.path("params").asLong()) : "–").append("</td><td>")
                    .append(noSeed ? "–" : fmt(v.path("mean").path(metric).asDouble(Double.NaN)))
                    // one seed has no spread: said, as the printed table says it, rather than a standard deviation of 0
                    .append(spread(v, metric))
                    .append("</td><td class=\"l\">");
            StringBuilder seeds = new StringBuilder(), kept = new StringBuilder();
            for (JsonNode s : v.path("seeds")) {
                if (!seeds.isEmpty()) {
                    seeds.append(", ");
                    kept.append(", ");
                }
                seeds.append(fmt(s.path("metrics").path(metric).asDouble(Double.NaN)));
                // a method that does not train (probe, baseline) has no kept step: its -1 is shown as "–", as the printed table does
                kept.append(s.path("kept_step").asInt() < 0 ? "–" : String.valueOf(s.path("kept_step").asInt()));
            }
            // a failed seed has no metric: named in its place, not left out unseen
            for (JsonNode f : v.path("failed_seeds")) {
                if (!seeds.isEmpty()) seeds.append(", ");
                seeds.append("<span class=\"loss\">seed ").append(f.path("seed").asLong()).append(" failed</span>");
                failed.add(e.getKey() + " seed " + f.path("seed").asLong() + ": " + f.path("failure").asText());
            }
            rows.append(seeds).append("</td><td>");
            for (String m : extra) rows.append(fmt(v.path("mean").path(m).asDouble(Double.NaN))).append("</td><td>");
            JsonNode d = v.path("vs_tagllm").path(metric);
            if (noSeed) {
                rows.append("</td><td class=\"l\">").append(e.getKey().equals("tagllm") ? "reference (no finished seed)" : "no finished seed");
            } else if (d.isMissingNode()) {
                // Tag-LLM itself is the reference; without a Tag-LLM run (--methods without tagllm) nothing is
                rows.append("</td><td class=\"l\">").append(e.getKey().equals("tagllm") ? "reference" : "no Tag-LLM run to compare with");
            } else {
                double diff = d.path("diff").asDouble(Double.NaN), lo = d.path("lo").asDouble(Double.NaN), hi = d.path("hi").asDouble(Double.NaN);
                rows.append(fmt(diff)).append(" [").append(fmt(lo)).append(", ").append(fmt(hi)).append("]");
                // resamples where the metric has no value are left out: an interval resting on fewer says on how many
                String fewer = Compare.fewerResamples(d);
                if (!fewer.isEmpty()) rows.append(" <small>").append(fewer.strip()).append("</small>");
                // fewer seeds paired than the means cover: the difference is not the means' difference, and says so
                String paired = Compare.pairedOnFewer(t, v);
                if (!paired.isEmpty()) rows.append(" <small>").append(paired.strip()).append("</small>");
                rows.append("</td><td class=\"l\">");
                // a difference or interval with no value cannot span 0: it says why it has none (report.json's note)
                if (Double.isNaN(lo) || Double.isNaN(hi)) {
                    rows.append("<span class=\"tie\">").append(Double.isNaN(diff) ? "no difference" : "no interval")
                            .append(d.has("undefined") ? ": " + esc(d.path("undefined").asText()) : "").append("</span>");
                } else {
                    rows.append(reading(lo, hi, up, v.path("vs_tagllm").path("paired_seeds").asInt(0)));
                }
            }
            rows.append("</td><td class=\"l\">").append(kept).append("</td><td>").append(seconds(v.path("wall_seconds_mean").asDouble(Double.NaN)))
                    // Tag-LLM's stages train its tasks together: its time is the whole run's, not this task's
                    .append(v.path("wall_seconds_of").asText().equals("run") ? " <small>(whole run)</small>" : "").append("</td></tr>\n");
        }
        if (count == 0 || (ablations && count == 1)) return;
        StringBuilder counts = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it = t.path("class_counts").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            counts.append(counts.isEmpty() ? "; classes " : ", ").append(esc(c.getKey())).append(": ").append(c.getValue().asLong());
        }
        StringBuilder heads = new StringBuilder();
        // every one is the seeds' mean, regression's MSE and Pearson as much as the classification metrics
        for (String h : extraNames) heads.append("<th>").append(h).append(" (mean)</th>");
        b.append("<h3>").append(esc(task)).append(" — ").append(esc(metric)).append(up ? " (higher is better)" : " (lower is better)")
                .append(", ").append(t.path("test_rows").asInt()).append(" test rows").append(counts).append(esc(budget))
                .append("</h3>\n<table><tr><th class=\"l\">variant</th><th>trainable params</th><th>")
                .append(esc(metric)).append(" mean ± std</th><th class=\"l\">per seed</th>").append(heads).append("<th>Δ ")
                .append(esc(metric)).append(" vs Tag-LLM [95 % CI]</th><th class=\"l\">reading</th><th class=\"l\">kept step</th><th>wall s</th></tr>\n")
                .append(rows).append("</table>\n");
        // the probe's λ: chosen on the valid rows, or (a task without them) on the last fifth of the training rows
        java.util.Set<String> lambdaOn = new java.util.LinkedHashSet<>();
        for (JsonNode v : t.path("variants")) for (JsonNode s : v.path("seeds")) if (s.has("lambda_chosen_on")) lambdaOn.add(s.path("lambda_chosen_on").asText());
        if (!lambdaOn.isEmpty()) b.append("<p>probe's λ chosen on: ").append(esc(String.join("; ", lambdaOn))).append("</p>\n");
        if (!failed.isEmpty()) b.append("<p><b>Failed, no metrics, left out of the means:</b> ").append(esc(String.join("; ", failed))).append("</p>\n");
    }

    /**
     * What follows a variant's mean: " ± std" over its seeds, or " (1 seed)" (one seed has no spread), and
     * " (k of n seeds)" where some of its seeds failed (their runs have no metrics and are left out of the mean).
     */
    static String spread(JsonNode variant, String metric) {
        int k = variant.path("seeds").size(), n = k + variant.path("failed_seeds").size();
        String of = n > k ? " (" + k + " of " + n + (n == 1 ? " seed)" : " seeds)") : "";
        if (k < 2) return n > k ? of : " (1 seed)";
        return " ± " + fmt(variant.path("std").path(metric).asDouble(Double.NaN)) + of;
    }

    /**
     * What about.failed_runs says failed, counted as it failed: whole runs ("1 of 4 runs failed"), and tasks that
     * failed alone in a run that has metrics for its other tasks ("1 task failed in 1 of 2 runs"), or both ("1 of 3
     * runs failed and 2 tasks failed in 1 other run"). Counting a run one of whose tasks failed as a failed run said
     * it had no metrics at all. Empty when nothing failed.
     */
    public static String failedHeading(JsonNode report) {
        java.util.Set<String> whole = new java.util.LinkedHashSet<>(), partly = new java.util.LinkedHashSet<>();
        int tasks = 0;
        for (JsonNode f : report.path("about").path("failed_runs")) {
            if (f.hasNonNull("task")) {
                tasks++;
                partly.add(f.path("run").asText());
            } else {
                whole.add(f.path("run").asText());
            }
        }
        int runs = report.path("runs").size();
        List<String> parts = new java.util.ArrayList<>();
        if (!whole.isEmpty()) parts.add(whole.size() + " of " + runs + " runs failed");
        if (tasks > 0) {
            parts.add(tagllm.util.Plural.count(tasks, "task") + " failed in " + (whole.isEmpty() ? partly.size() + " of " + runs + " runs"
                    : tagllm.util.Plural.count(partly.size(), "other run")));
        }
        return String.join(" and ", parts);
    }

    /** An entry of about.failed_runs as "lora-seed5", or "lora-seed5 on task qed" where that task alone failed. */
    public static String failedRun(JsonNode f) {
        return f.path("run").asText() + (f.hasNonNull("task") ? " on task " + f.path("task").asText() : "");
    }

    /** The failed seeds of the task's variants, "variant seed S: why" each, for the note under a table; empty when none failed. */
    static List<String> failedSeeds(JsonNode task) {
        List<String> out = new java.util.ArrayList<>();
        task.path("variants").properties().forEach(v -> {
            for (JsonNode f : v.getValue().path("failed_seeds")) out.add(v.getKey() + " seed " + f.path("seed").asLong() + ": " + f.path("failure").asText());
        });
        return out;
    }

    /**
     * The reading of a difference with its interval. The interval resamples test rows only: an interval spanning 0 is
     * no clear difference (not a tie), and with one paired seed it leaves out how much another seed would move the
     * result, which the reading says.
     */
    static String reading(double lo, double hi, boolean higherIsBetter, int pairedSeeds) {
        String word;
        if (lo > 0 || hi < 0) {
            // the variant is worse than Tag-LLM when the whole interval lies on its bad side
            boolean variantBetter = (lo > 0) == higherIsBetter;
            word = variantBetter ? "<span class=\"loss\">Tag-LLM worse</span>" : "<span class=\"win\">Tag-LLM better</span>";
        } else {
            word = "<span class=\"tie\">no clear difference (interval spans 0)</span>";
        }
        return pairedSeeds == 1 ? word + " <small>(one seed: the interval is over test rows, not seeds)</small>" : word;
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) return "n/a";
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) return String.format(Locale.ROOT, "%.3g", v);
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : "%.4f", v);
    }

    /** A run's wall time: tenths of a second are all a reader compares (a baseline's microseconds read as under 0.1). */
    static String seconds(double v) {
        if (Double.isNaN(v)) return "n/a";
        return v < 0.05 ? "&lt; 0.1" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** A JSON array of the report's header (seeds, methods, ablations) as a reader writes a list: "0, 1, 2"; "none". */
    static String list(JsonNode array) {
        if (array.isEmpty()) return "none";
        List<String> items = new java.util.ArrayList<>();
        array.forEach(x -> items.add(x.asText()));
        return String.join(", ", items);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Draws the plots from the embedded report (no animation, so a headless browser sees them drawn at load). */
    private static final String DRAW = """
            <script>
            (function () {
              var status = {charts: 0, blank: 0, errors: window.__errors};
              try {
                var report = JSON.parse(document.getElementById('report-data').textContent);
                var colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
                function cell(parent, title) {
                  var div = document.createElement('div');
                  div.className = 'cell';
                  var h = document.createElement('h4');
                  h.textContent = title;
                  var c = document.createElement('canvas');
                  c.width = 420; c.height = 300;
                  div.appendChild(h); div.appendChild(c);
                  document.getElementById(parent).appendChild(div);
                  return c;
                }
                var charts = [];
                var byVariant = {};
                report.runs.forEach(function (r) { (byVariant[r.variant] = byVariant[r.variant] || []).push(r); });
                function roc(score, pos) {
                  var idx = score.map(function (s, i) { return i; }).sort(function (a, b) { return score[b] - score[a]; });
                  var P = pos.filter(function (x) { return x; }).length, N = pos.length - P, tp = 0, fp = 0, pts = [{x: 0, y: 0}];
                  if (!P || !N) return [];
                  for (var k = 0; k < idx.length; ) {
                    var j = k;
                    while (j < idx.length && score[idx[j]] === score[idx[k]]) { if (pos[idx[j]]) tp++; else fp++; j++; }
                    pts.push({x: fp / N, y: tp / P});
                    k = j;
                  }
                  return pts;
                }
                function calibration(p) {
                  var conf = [], right = [], count = [];
                  for (var b = 0; b < 10; b++) { conf.push(0); right.push(0); count.push(0); }
                  p.prob.forEach(function (row, i) {
                    var c = 0;
                    for (var k = 1; k < row.length; k++) if (row[k] > row[c]) c = k;
                    var bin = Math.min(9, Math.max(0, Math.ceil(row[c] * 10) - 1));
                    conf[bin] += row[c]; count[bin]++; if (c === p.gold[i]) right[bin]++;
                  });
                  var pts = [];
                  for (var b2 = 0; b2 < 10; b2++) if (count[b2]) pts.push({x: conf[b2] / count[b2], y: right[b2] / count[b2]});
                  return pts;
                }
                var diagonal = {type: 'line', label: 'diagonal', data: [{x: 0, y: 0}, {x: 1, y: 1}], borderColor: '#888', borderDash: [4, 4],
                                pointRadius: 0, fill: false};
                Object.keys(report.tasks).forEach(function (task) {
                  if (report.tasks[task].type !== 'classification') return;
                  Object.keys(byVariant).forEach(function (variant) {
                    var runs = byVariant[variant].filter(function (r) { return r.predictions[task]; });
                    if (!runs.length) return;
                    var classes = runs[0].predictions[task].classes, ds = [];
                    if (classes.length === 2) {
                      runs.forEach(function (r, i) {
                        var p = r.predictions[task];
                        ds.push({type: 'line', label: 'seed ' + r.seed, data: roc(p.prob.map(function (q) { return q[1]; }),
                                 p.gold.map(function (g) { return g === 1; })), borderColor: colors[i % colors.length], pointRadius: 0, fill: false});
                      });
                    } else {
                      var p0 = runs[0].predictions[task];
                      classes.forEach(function (c, k) {
                        var pos = p0.gold.map(function (g) { return g === k; });
                        // a class without test rows has no curve: its legend entry says why rather than promise one
                        ds.push({type: 'line', label: c + ' vs rest' + (pos.indexOf(true) < 0 ? ' (no test rows)' : ''),
                                 data: roc(p0.prob.map(function (q) { return q[k]; }), pos), borderColor: colors[k % colors.length],
                                 pointRadius: 0, fill: false});
                      });
                    }
                    ds.push(diagonal);
                    charts.push(new Chart(cell('roc', task + ': ' + variant + ' — ROC'), {type: 'scatter', data: {datasets: ds},
                      options: {animation: false, responsive: false, scales: {x: {min: 0, max: 1, title: {display: true, text: 'false-positive rate'}},
                                y: {min: 0, max: 1, title: {display: true, text: 'true-positive rate'}}}}}));
                    var cal = runs.map(function (r, i) {
                      return {label: 'seed ' + r.seed, data: calibration(r.predictions[task]), backgroundColor: colors[i % colors.length], pointRadius: 4};
                    });
                    cal.push(diagonal);
                    charts.push(new Chart(cell('roc', task + ': ' + variant + ' — calibration'), {type: 'scatter', data: {datasets: cal},
                      options: {animation: false, responsive: false, scales: {x: {min: 0, max: 1, title: {display: true, text: 'mean probability of the top class'}},
                                y: {min: 0, max: 1, title: {display: true, text: 'share right'}}}}}));
                  });
                });
                Object.keys(report.tasks).forEach(function (task) {
                  if (report.tasks[task].type === 'classification') return;
                  Object.keys(byVariant).forEach(function (variant) {
                    var runs = byVariant[variant].filter(function (r) { return r.predictions[task]; });
                    if (!runs.length) return;
                    var datasets = runs.map(function (r, i) {
                      var p = r.predictions[task];
                      return {label: 'seed ' + r.seed, data: p.gold.map(function (g, k) { return {x: g, y: p.pred[k]}; }),
                              backgroundColor: colors[i % colors.length], pointRadius: 2};
                    });
                    var all = [].concat.apply([], runs.map(function (r) { return r.predictions[task].gold; }));
                    var lo = Math.min.apply(null, all), hi = Math.max.apply(null, all);
                    datasets.push({type: 'line', label: 'y = x', data: [{x: lo, y: lo}, {x: hi, y: hi}], borderColor: '#888',
                                   borderDash: [4, 4], pointRadius: 0, fill: false});
                    charts.push(new Chart(cell('scatter', task + ': ' + variant), {type: 'scatter', data: {datasets: datasets},
                      options: {animation: false, responsive: false, scales: {x: {title: {display: true, text: 'true'}},
                                y: {title: {display: true, text: 'predicted'}}}}}));
                  });
                });
                report.runs.forEach(function (r) {
                  r.curves.forEach(function (c, i) {
                    if (!c.loss.length && !c.valid.length) return;
                    // an axis only for a series with points: stage 1 has no validation score, so no right-hand axis
                    var ds = [], scales = {x: {type: 'linear', title: {display: true, text: 'step'}}};
                    if (c.loss.length) {
                      ds.push({label: 'loss', data: c.loss.map(function (p) { return {x: p[0], y: p[1]}; }), borderColor: colors[0],
                               pointRadius: 0, yAxisID: 'y'});
                      scales.y = {position: 'left', title: {display: true, text: 'loss'}};
                    }
                    if (c.valid.length) {
                      ds.push({label: 'valid', data: c.valid.map(function (p) { return {x: p[0], y: p[1]}; }),
                               borderColor: colors[1], pointRadius: 3, yAxisID: 'y1'});
                      scales.y1 = {position: 'right', grid: {drawOnChartArea: !c.loss.length}, title: {display: true, text: 'valid'}};
                    }
                    charts.push(new Chart(cell('curves', r.id + ' / ' + c.name), {type: 'line', data: {datasets: ds},
                      options: {animation: false, responsive: false, parsing: false, scales: scales}}));
                  });
                });
                status.charts = charts.length;
                // every axis drawn, and those no series with points uses (an axis with nothing on it misleads)
                status.axes = 0;
                status.unused_axes = [];
                // legend entries without a single point (each should say why it has none)
                status.empty_series = [];
                charts.forEach(function (ch) {
                  var used = {};
                  ch.data.datasets.forEach(function (d, k) {
                    if (!d.data.length) { status.empty_series.push(ch.canvas.previousSibling.textContent + ': ' + d.label); return; }
                    var m = ch.getDatasetMeta(k);
                    used[m.xAxisID] = used[m.yAxisID] = true;
                  });
                  Object.keys(ch.scales).forEach(function (id) {
                    status.axes++;
                    if (!used[id]) status.unused_axes.push(ch.canvas.previousSibling.textContent + ': ' + id);
                  });
                });
                charts.forEach(function (ch) {
                  var ctx = ch.canvas.getContext('2d');
                  var px = ctx.getImageData(0, 0, ch.canvas.width, ch.canvas.height).data, drawn = false;
                  for (var k = 3; k < px.length; k += 4) if (px[k] !== 0) { drawn = true; break; }
                  if (!drawn) status.blank++;
                });
              } catch (e) {
                window.__errors.push(String(e && e.stack || e));
              }
              document.getElementById('render-status').textContent = JSON.stringify(status);
            })();
            </script>
            """;
}
