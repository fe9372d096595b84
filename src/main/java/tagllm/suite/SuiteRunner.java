package tagllm.suite;

import tagllm.util.Plural;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.data.DatasetException;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.eval.ClassificationMetrics;
import tagllm.eval.RegressionMetrics;
import tagllm.head.Logistic;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.task.DataSpec;
import tagllm.task.DatasetRows;
import tagllm.task.Evaluator;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.NonFiniteOutputs;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;
import tagllm.train.Experiment;
import tagllm.train.ExperimentRunner;
import tagllm.train.LinearProbe;
import tagllm.train.Progress;
import tagllm.train.StageSpec;
import tagllm.util.AtomicFiles;
import tagllm.util.FileTrees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A benchmark suite: one experiment run once per seed, each task of its stages 2 and 3 scored on its test split
 * beside two baselines on exactly the same rows: the majority class (its training frequencies as probabilities)
 * or the training mean, and a probe on the frozen model's final hidden state at the last position of the same
 * prompt without tags (L2 logistic regression for classification, ridge for regression; λ chosen on the valid
 * split). The seed is the experiment's seed and the seed of every seeded (random or scaffold) split, so each seed
 * is another split and another training order. The main metric: AUROC for classification, RMSE for regression
 * (MoleculeNet's choices); every metric goes to results.json.
 */
public final class SuiteRunner {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The probe has hidden+1 parameters (per class): this many training rows pin it down. */
    private static final int PROBE_ROWS = 2000;

    /** One task's main metric for the three methods on one seed. */
    public record Score(String task, long seed, String metric, int testRows, double tagLlm, double probe, double baseline, String classCounts) {}

    private final Model model;
    private final Progress progress;
    /** Told the number of test rows each time the trained tags score a task's test rows (a model pass over them; tests count them). */
    private java.util.function.IntConsumer onTagPass = n -> { };

    public SuiteRunner(Model model, Progress progress) {
        this.model = model;
        this.progress = progress;
    }

    /** Calls {@code listener} with the rows of each model pass that scores a task's test rows with the trained tags. */
    SuiteRunner onTagPass(java.util.function.IntConsumer listener) {
        this.onTagPass = listener;
        return this;
    }

    private Evaluator.ClassificationResult tagClassification(TagPredictor p, TaskSpec task, List<Example> test) {
        onTagPass.accept(test.size());
        return Evaluator.classification(p, task, test);
    }

    private Evaluator.RegressionResult tagRegression(TagPredictor p, TaskSpec task, List<Example> test) {
        onTagPass.accept(test.size());
        return Evaluator.regression(p, task, test);
    }

    /** Runs every seed into output/seed-N and writes output/results.json and output/results.md. */
    public List<Score> run(Experiment base, List<Long> seeds, Path output, boolean force) throws IOException {
        requireRunnable(base, seeds, output, force);
        for (long seed : seeds) requireScorableTestRows(reseeded(base, seed, output.resolve("seed-" + seed)), seed);
        // --force starts over: an earlier suite's tables must not stand beside this run's if it stops part-way
        Files.deleteIfExists(output.resolve("results.md"));
        Files.deleteIfExists(output.resolve("results.json"));
        // ... and so must an earlier run's seeds that this one does not train again (its own are replaced as they run)
        for (Path dir : earlierSeedFolders(output)) {
            if (!seeds.contains(Long.parseLong(dir.getFileName().toString().substring("seed-".length())))) FileTrees.delete(dir);
        }
        long t0 = System.nanoTime();
        List<Score> scores = new ArrayList<>();
        ArrayNode all = JSON.createArrayNode();
        Transformer t = new Transformer(model.weights());
        for (long seed : seeds) {
            Experiment exp = reseeded(base, seed, output.resolve("seed-" + seed));
            DatasetRows rows = new DatasetRows(false);
            ExperimentRunner runner = new ExperimentRunner(t, model.tokenizer(), model.name(), model.fingerprint(), rows::load, progress, false);
            // the stages' own lines do not name the seed: without this a failing seed's error could be any seed's
            progress.message("seed " + seed + " (" + (seeds.indexOf(seed) + 1) + " of " + seeds.size() + "): training into " + exp.output());
            long s0 = System.nanoTime();
            ExperimentRunner.Outcome o = runner.run(exp, false, force);
            double trainSeconds = (System.nanoTime() - s0) / 1e9;
            TagPredictor predictor = new TagPredictor(t, model.tokenizer(), o.tags(), model.generation()::isEos);
            for (String task : scoredTasks(exp)) {
                progress.message("seed " + seed + ": scoring " + task + " on its test split");
                ObjectNode detail = JSON.createObjectNode();
                Score s = score(task, seed, exp, rows, predictor, t, detail);
                detail.put("train_seconds_of_seed", trainSeconds);
                scores.add(s);
                all.add(detail);
            }
            AtomicFiles.writeString(output.resolve("results.json"), JSON.writeValueAsString(all));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        AtomicFiles.writeString(output.resolve("results.md"), markdown(scores, seconds));
        return scores;
    }

    /**
     * What would otherwise fail only after a seed has trained, refused first: a seed given twice (its second run found the
     * first's folder), an experiment with nothing to score, a multi-label task, a scored task whose (column-split) test
     * split is empty, and an earlier suite's seed folders without --force; each seed's test rows that fit the prompt are
     * checked by {@link #requireScorableTestRows}.
     */
    private static void requireRunnable(Experiment base, List<Long> seeds, Path output, boolean force) {
        Set<Long> seen = new LinkedHashSet<>();
        for (long seed : seeds) if (!seen.add(seed)) throw new IllegalArgumentException("--seeds: " + seed + " is given twice");
        List<String> tasks = scoredTasks(base);
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException((base.file() == null ? "the experiment" : base.file().toString())
                    + " trains no regression or classification task: the suite scores those (stage-1 domain text has no test score)");
        }
        for (String task : tasks) {
            TaskSpec spec = base.tasks().get(task);
            if (spec.classes() != null && spec.classes().multiLabel()) {
                throw new IllegalArgumentException("task " + task + " is multi-label (labels: " + spec.labelColumns()
                        + "): the suite scores binary and multi-class tasks only (AUROC per task, the majority class as baseline);"
                        + " tagllm eval scores a multi-label task");
            }
            DataSpec ds = base.data().get(task);
            if (ds == null) throw new IllegalArgumentException("task " + task + " has no data: to score it the suite needs its test split");
            // a random or scaffold split is made per seed, so only a column split can be checked before training
            if (ds.randomFractions() == null && new DatasetRows(false).load(ds, "test").isEmpty()) {
                throw new IllegalArgumentException("task " + task + ": " + ds.path() + " has no test rows (column '" + ds.splitColumn()
                        + "'): nothing to score it on");
            }
        }
        if (!force) {
            List<Path> earlier = earlierSeedFolders(output);
            if (!earlier.isEmpty()) {
                throw new IllegalArgumentException("output folder " + output + " holds an earlier suite's run " + earlier.getFirst().getFileName()
                        + "; use --force to start over, or another -o");
            }
        }
    }

    /**
     * Every seed-N folder in the output, whichever seeds this run has: an earlier suite run with other seeds left them,
     * and beside this run's results.json they would read as this run's.
     */
    private static List<Path> earlierSeedFolders(Path output) {
        if (!Files.isDirectory(output)) return List.of();
        try (var list = Files.list(output)) {
            return list.filter(p -> p.getFileName().toString().matches("seed-\\d+") && Files.isDirectory(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + output + ": " + e.getMessage(), e);
        }
    }

    /**
     * A scored task needs test rows that fit the prompt, and AUROC both classes among a classification task's; each seed
     * makes its own split, so each seed's are checked here rather than after that seed (and every seed before it) has trained. The rows checked are
     * the ones {@link #score} reads: the first max_eval that render both with tags of the lengths training gives them
     * and without (not the first max_eval raw rows, which a row too long for the prompt shifts).
     */
    private void requireScorableTestRows(Experiment e, long seed) throws IOException {
        DatasetRows rows = new DatasetRows(false);
        Experiment resolved = tagllm.train.ClassificationHeads.resolveClasses(e, rows::load);
        TokenizerEncoder enc = new TokenizerEncoder(model.tokenizer());
        int positions = model.config().maxPositions();
        for (String name : scoredTasks(e)) {
            TaskSpec task = resolved.tasks().get(name);
            DataSpec ds = resolved.data().get(name);
            ExampleRenderer tagged = new ExampleRenderer(task, tagLengths(resolved, task), enc, positions);
            Rendered test = render(tagged, ExampleRenderer.tagFree(task, enc, positions), rows.load(ds, "test"), ds.maxEval());
            // found only after the seed had trained ("none of its test rows fit"): each seed's split is known now
            if (test.tagged().isEmpty() && test.skipped().count() > 0) {
                throw new IllegalArgumentException("task " + name + ", seed " + seed + ": no test row of " + ds.path() + " fits the prompt ("
                        + Plural.count(test.skipped().count(), "row") + " skipped; " + test.skipped().messages().getFirst() + (test.skipped().count() > 1 ? "; …" : "")
                        + "): nothing to score it on");
            }
            if (task.type() != TaskType.CLASSIFICATION || task.classes().multiLabel()) continue;
            Set<Integer> classes = new LinkedHashSet<>();
            for (Example x : test.tagged()) classes.add((int) x.label());
            if (classes.size() == 1) {
                int n = test.tagged().size();
                throw new IllegalArgumentException("task " + name + ", seed " + seed + ": the " + Plural.count(n, "test row") + " of " + ds.path()
                        + " that " + (n == 1 ? "is" : "are") + " scored"
                        + (ds.maxEval() > 0 ? " (the first " + ds.maxEval() + " of the seed's test split that fit the prompt, max_eval"
                                + (test.skipped().count() > 0 ? "; " + Plural.count(test.skipped().count(), "row") + " before them "
                                        + (test.skipped().count() == 1 ? "does" : "do") + " not fit" : "") + ")" : "")
                        + " hold only class '" + task.classes().classes().get(classes.iterator().next()) + "'; AUROC needs both: raise max_eval,"
                        + " or choose other seeds or another split");
            }
        }
    }

    /**
     * Tags of the lengths a seed's run gives the task's prompt (the experiment's init files, then new tags of the
     * experiment's lengths), their values zero: which rows fit depends on the lengths only, as compare's renderer knows.
     */
    private TagSet tagLengths(Experiment e, TaskSpec task) throws IOException {
        TagSet tags = ExperimentRunner.initialTags(e, model.name(), model.fingerprint());
        int d = model.config().hiddenSize();
        for (String tag : task.parsedTemplate().tagNames()) {
            if (tags.has(tag)) continue;
            int p = e.tagLength(task.kindOf(tag));
            tags.put(new tagllm.tag.Tag(tag, task.kindOf(tag), p, d, new float[p * d]));
        }
        return tags;
    }

    /** The experiment with this seed for training and for every seeded split, writing into out. */
    static Experiment reseeded(Experiment e, long seed, Path out) {
        Map<String, DataSpec> data = new LinkedHashMap<>();
        e.data().forEach((k, ds) -> data.put(k, ds.randomFractions() != null ? ds.withSplit(ds.scaffoldColumn(), ds.randomFractions(), seed) : ds));
        return e.toBuilder().output(out).seed(seed).data(data).build();
    }

    private static List<String> scoredTasks(Experiment exp) {
        Set<String> out = new LinkedHashSet<>();
        for (StageSpec s : exp.stages()) {
            for (String tn : s.tasks()) if (exp.tasks().get(tn).type().readsHead()) out.add(tn);
        }
        return new ArrayList<>(out);
    }

    record Rendered(List<Example> tagged, List<Sequence> plain, RowIssues skipped) {}

    /**
     * Rows that render both with tags (Tag-LLM) and without (the probe), so every method sees the same rows; a row that
     * does not fit is skipped with its file, line and reason in {@code skipped} (the test rows are read by nothing
     * before the suite, so this is where their skips are told).
     */
    static Rendered render(ExampleRenderer r, ExampleRenderer free, List<Row> rows, int cap) {
        RowIssues skipped = RowIssues.skipping(5);
        List<Example> tagged = new ArrayList<>();
        List<Sequence> prompts = new ArrayList<>();
        for (Row row : rows) {
            if (cap > 0 && tagged.size() >= cap) break;
            try {
                Example e = r.example(row);
                Sequence s;
                try {
                    s = free.example(row).sequence();
                } catch (DatasetException x) {
                    throw new DatasetException(row.origin(), "the probe's prompt without tags: " + x.reason());
                }
                tagged.add(e);
                prompts.add(s);
            } catch (DatasetException ex) {
                skipped.record(ex);
            } catch (RuntimeException ex) {
                skipped.reject(row, String.valueOf(ex.getMessage()));
            }
        }
        return new Rendered(tagged, prompts, skipped);
    }

    /**
     * The probe's features of a split's first {@code rows} rows. Hidden states beyond float's range are refused naming
     * the first such row's file and line, as compare's probe refuses them: ridge fitted on them said only "the system is
     * not positive definite", and the logistic probe's probabilities were NaN.
     */
    static double[][] probeFeatures(Transformer t, String task, Rendered r, int rows) {
        double[][] x = LinearProbe.features(t, r.plain().subList(0, rows));
        NonFiniteOutputs.check(task, NonFiniteOutputs.HIDDEN_STATES, x, r.tagged().subList(0, rows));
        return x;
    }

    /** Tells the rows a split left out, on the progress stream and in results.json, as training tells its own. */
    private void reportSkipped(String task, long seed, String split, Rendered r, ObjectNode skipped) {
        if (r.skipped().count() == 0) return;
        progress.message("seed " + seed + ": task " + task + " (" + split + "): " + r.skipped().summary());
        ObjectNode o = skipped.putObject(split).put("rows", r.skipped().count());
        ArrayNode first = o.putArray("first");
        r.skipped().messages().forEach(first::add);
    }

    private Score score(String name, long seed, Experiment exp, DatasetRows rows, TagPredictor predictor, Transformer t, ObjectNode detail)
            throws IOException {
        TaskSpec task = predictor.task(name); // as the tag file stores it: classes resolved
        DataSpec ds = exp.data().get(name);
        ExampleRenderer r = predictor.renderer(task);
        // the probe's prompt: the tag-free renderer compare's baselines use, its inputs normalised as Tag-LLM's are
        ExampleRenderer free = ExampleRenderer.tagFree(task, new TokenizerEncoder(predictor.tokenizer()), t.config().maxPositions());
        Rendered train = render(r, free, rows.load(ds, "train"), ds.maxTrain());
        Rendered valid = render(r, free, rows.load(ds, "valid"), ds.maxEval());
        Rendered test = render(r, free, rows.load(ds, "test"), ds.maxEval());
        ObjectNode skipped = JSON.createObjectNode();
        reportSkipped(name, seed, "train", train, skipped);
        reportSkipped(name, seed, "valid", valid, skipped);
        reportSkipped(name, seed, "test", test, skipped);
        if (test.tagged().isEmpty()) throw new IllegalStateException("task " + name + ": none of its test rows fit (the rows skipped are listed above with their reasons)");
        int cut = Math.min(PROBE_ROWS, train.plain().size());
        double[][] xTrain = probeFeatures(t, name, train, cut);
        double[][] xValid = probeFeatures(t, name, valid, valid.plain().size());
        double[][] xTest = probeFeatures(t, name, test, test.plain().size());
        List<Example> probeTrain = train.tagged().subList(0, cut);
        detail.put("task", name).put("seed", seed).put("test_rows", test.tagged().size()).put("valid_rows", valid.tagged().size())
                .put("train_rows", train.tagged().size()).put("probe_train_rows", cut);
        detail.set("skipped_rows", skipped);
        if (task.type() == TaskType.CLASSIFICATION) {
            var cs = task.classes();
            if (cs.multiLabel()) throw new IllegalArgumentException("task " + name + ": the suite scores binary and multi-class tasks");
            // one pass over the test rows gives the metrics and the predictions written beside them (it ran twice)
            Evaluator.ClassificationResult tagged = tagClassification(predictor, task, test.tagged());
            ClassificationMetrics tag = tagged.metrics();
            int k = cs.size();
            double[] prior = new double[k];
            for (Example e : train.tagged()) prior[(int) e.label()] += 1.0 / train.tagged().size();
            double[][] majority = new double[test.tagged().size()][];
            Arrays.fill(majority, prior);
            ClassificationMetrics maj = Evaluator.classificationMetrics(task, majority, test.tagged());
            // rows weighted by the class weights, as the task's loss, its head's logistic start and compare's probe weight them
            Logistic probe = tagllm.compare.LogisticProbe.fit(xTrain, labels(probeTrain), classWeights(cs, probeTrain), xValid,
                    labels(valid.tagged()), classWeights(cs, valid.tagged()), k);
            double[][] pp = new double[xTest.length][];
            for (int i = 0; i < pp.length; i++) pp[i] = probe.probabilities(xTest[i]);
            ClassificationMetrics pm = Evaluator.classificationMetrics(task, pp, test.tagged());
            detail.set("tag_llm", classification(tag));
            detail.set("probe", classification(pm).put("lambda", probe.lambda()));
            detail.set("majority", classification(maj));
            // the test predictions themselves, so any metric can be recomputed from results.json
            ObjectNode preds = detail.putObject("test_predictions");
            ArrayNode g = preds.putArray("gold_class"), pt = preds.putArray("tag_llm"), pr = preds.putArray("probe");
            double[][] tp = tagged.probabilities();
            for (int i = 0; i < pp.length; i++) {
                g.add((int) test.tagged().get(i).label());
                pt.add(JSON.valueToTree(tp[i]));
                pr.add(JSON.valueToTree(pp[i]));
            }
            StringBuilder counts = new StringBuilder();
            for (int c = 0; c < k; c++) counts.append(c == 0 ? "" : " / ").append(cs.classes().get(c)).append(": ").append(tag.counts()[c]);
            return new Score(name, seed, "AUROC", test.tagged().size(), tag.auroc(), pm.auroc(), maj.auroc(), counts.toString());
        }
        Evaluator.RegressionResult tagged = tagRegression(predictor, task, test.tagged());
        RegressionMetrics tag = tagged.metrics();
        double[] gold = test.tagged().stream().mapToDouble(Example::label).toArray();
        double mean = train.tagged().stream().mapToDouble(Example::label).average().orElse(0);
        double[] meanPred = new double[gold.length];
        Arrays.fill(meanPred, mean);
        RegressionMetrics mm = RegressionMetrics.compute(meanPred, gold);
        LinearProbe probe = LinearProbe.fit(xTrain, probeTrain.stream().mapToDouble(Example::label).toArray(), xValid,
                valid.tagged().stream().mapToDouble(Example::label).toArray());
        double[] pp = new double[xTest.length];
        for (int i = 0; i < pp.length; i++) pp[i] = probe.predict(xTest[i]);
        RegressionMetrics pm = RegressionMetrics.compute(pp, gold);
        detail.set("tag_llm", regression(tag));
        detail.set("probe", regression(pm).put("lambda", probe.lambda()));
        detail.set("mean", regression(mm));
        ObjectNode preds = detail.putObject("test_predictions");
        preds.set("gold", JSON.valueToTree(gold));
        preds.set("tag_llm", JSON.valueToTree(tagged.predictions()));
        preds.set("probe", JSON.valueToTree(pp));
        return new Score(name, seed, "RMSE", gold.length, tag.rmse(), pm.rmse(), mm.rmse(), "");
    }

    private static int[] labels(List<Example> ex) { return ex.stream().mapToInt(e -> (int) e.label()).toArray(); }

    private static double[] classWeights(tagllm.task.ClassSpec cs, List<Example> ex) { return ex.stream().mapToDouble(e -> cs.weight((int) e.label())).toArray(); }

    /** A metric with no value is null and "undefined" says why, as in compare's report.json (Report.putMetrics). */
    static ObjectNode classification(ClassificationMetrics m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("n", m.n());
        tagllm.compare.Report.putMetrics(o, m);
        ObjectNode c = o.putObject("class_counts");
        for (int i = 0; i < m.classes().size(); i++) c.put(m.classes().get(i), m.counts()[i]);
        return o;
    }

    /** The same for regression: the training mean's Pearson r, its predictions all alike, is null with its reason. */
    static ObjectNode regression(RegressionMetrics m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("n", m.n());
        tagllm.compare.Report.putMetrics(o, m);
        return o;
    }

    /** Per task: the metric per seed and the mean ± sample standard deviation over seeds, for each method. */
    static String markdown(List<Score> scores, double seconds) {
        Map<String, List<Score>> byTask = new LinkedHashMap<>();
        for (Score s : scores) byTask.computeIfAbsent(s.task(), k -> new ArrayList<>()).add(s);
        StringBuilder b = new StringBuilder("| task | metric | test rows | Tag-LLM | probe | majority / mean | per seed (Tag-LLM / probe / baseline) |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (var e : byTask.entrySet()) {
            List<Score> l = e.getValue();
            StringBuilder per = new StringBuilder();
            for (Score s : l) {
                per.append(per.isEmpty() ? "" : "; ").append("seed ").append(s.seed()).append(": ")
                        .append(f(s.tagLlm())).append(" / ").append(f(s.probe())).append(" / ").append(f(s.baseline()));
            }
            b.append("| ").append(e.getKey()).append(" | ").append(l.get(0).metric()).append(" | ")
                    .append(String.join(", ", l.stream().map(s -> Integer.toString(s.testRows())).toList())).append(" | ")
                    .append(meanSd(l.stream().mapToDouble(Score::tagLlm).toArray())).append(" | ")
                    .append(meanSd(l.stream().mapToDouble(Score::probe).toArray())).append(" | ")
                    .append(meanSd(l.stream().mapToDouble(Score::baseline).toArray())).append(" | ").append(per).append(" |\n");
        }
        b.append(String.format(Locale.ROOT, "%n%.0f s in all.%n", seconds));
        return b.toString();
    }

    static String meanSd(double[] v) {
        double m = Arrays.stream(v).average().orElse(Double.NaN);
        if (v.length < 2) return f(m);
        double ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return f(m) + " ± " + f(Math.sqrt(ss / (v.length - 1)));
    }

    private static String f(double v) { return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v); }
}
