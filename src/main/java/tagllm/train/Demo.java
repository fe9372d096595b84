package tagllm.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.eval.RegressionMetrics;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.TagInit;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.task.DataSpec;
import tagllm.task.DatasetRows;
import tagllm.task.Evaluator;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The three stages end to end on the shared datasets, at sizes a small model trains in minutes:
 * stage 1 ⟨SMILES⟩ and ⟨Protein⟩ on domain text; stage 2 ⟨QED⟩ (zinc20k) and ⟨Descriptor⟩ (deepsol
 * BLOSUM1) with the domain tags enriched (trained too, the stage-1 loss kept on); stage 3 ⟨BA⟩ on Davis (⟨Protein⟩ + ⟨SMILES⟩ frozen). Each regression
 * task is scored on its test split beside two baselines: the training mean, and a linear probe (ridge on
 * the frozen model's last hidden state of the same prompt without tags). The experiment it runs is written
 * to OUTPUT/demo.yaml, so it can be rerun or edited with {@code tagllm train}.
 */
public final class Demo {
    /** Steps per stage, rows, batch, learning rates (domain tags, stage-2 and stage-3 function tags) and tag init. */
    public record Sizes(int stage1Steps, int stage2Steps, int stage3Steps, int trainRows, int evalRows, int batch, double lrDomain,
                        double lrFunction, double lrCross, int tagLength, String functionInit, int proteinChars, String headInit, double headLrScale, int evalEvery,
                        boolean enrich) {
        public static Sizes standard() { return new Sizes(200, 600, 600, 3000, 300, 8, 0.01, 0.005, 0.001, 4, "prompt", 80, "ridge", 0.1, 100, true); }

        /** A smoke-test size: seconds, not minutes; the numbers mean little. */
        public static Sizes quick() { return new Sizes(4, 6, 6, 48, 24, 4, 0.01, 0.05, 0.05, 2, "prompt", 40, "ridge", 0.1, 3, true); }
    }

    /**
     * One task's test scores, and the valid-split scores of Tag-LLM and the probe (null without valid rows):
     * the split that picked Tag-LLM's checkpoint and the probe's λ, so it shows how much of a test gap is
     * the split's noise.
     */
    public record TaskResult(String task, int testRows, RegressionMetrics tagLlm, RegressionMetrics mean, RegressionMetrics probe,
                             RegressionMetrics validTagLlm, RegressionMetrics validProbe) {}

    public record Results(List<TaskResult> tasks, List<String[]> stageOne, Path tagFile, double seconds) {}

    private static final int PROBE_ROWS = 1000;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Model model;
    private final Path data;
    private final Path output;
    private final Sizes sizes;
    private final long seed;
    private final Progress progress;

    public Demo(Model model, Path data, Path output, Sizes sizes, long seed, Progress progress) {
        this.model = model;
        this.data = data.toAbsolutePath().normalize();
        this.output = output.toAbsolutePath().normalize();
        this.sizes = sizes;
        this.seed = seed;
        this.progress = progress;
    }

    /** The experiment file the demo runs. */
    public String experimentYaml() {
        Sizes s = sizes;
        String common = "batch_size: %d, grad_accum: 1, warmup_ratio: 0.03, schedule: cosine".formatted(s.batch());
        String domain = "lr: " + s.lrDomain() + ", " + common;
        String tail = ", head_lr_scale: " + s.headLrScale() + ", eval_every: " + s.evalEvery() + ", " + common;
        String function = "lr: " + s.lrFunction() + tail;
        // stage 3 steps more gently: at the stage-2 rate ⟨BA⟩'s loss spikes early and no checkpoint beats its start
        String cross = "lr: " + s.lrCross() + tail;
        return """
                # Written by `tagllm demo`: the paper's three stages at demo sizes.
                # Heads have a bias, standardised labels and start from the ridge fit on the hidden states under the
                # initial tags (options; the paper's heads have none of these); heads step at head_lr_scale × lr;
                # every eval_every steps the valid split is scored and the best tags and heads are kept. New function
                # tags start as the embeddings of the prompt words right before them (function_init: prompt; the paper
                # starts them at the mean embedding): on a small frozen model that reads a far better feature. Stage 2
                # enriches the domain tags (the paper's §3.2 option: they train too, with the stage-1 loss kept on). The learning
                # rates are higher than the paper's 1e-4: a small model must fit in a few hundred steps. Protein sequences are not spaced: the 512-piece
                # tokenizer of the small models already gives one token per residue, and spacing would double it.
                model: %s
                output: .
                seed: %d
                tag_length: %d
                function_init: %s
                tasks:
                  smiles_text: {preset: SMILES, max_length: 96, data: {path: %s, max_train: %d, max_eval: %d}}
                  protein_text: {preset: Protein, template: "<Protein> {sequence}", max_length: 160, data: {path: %s, max_train: %d, max_eval: %d}}
                  qed:
                    preset: QED
                    max_length: 160
                    head: {bias: true, standardize: true, init: %s}
                    data: {path: %s, max_train: %d, max_eval: %d}
                  descriptor:
                    preset: Descriptor
                    template: "# # Input: The protein sequence is <Protein> {sequence}. \\n# # Output: The descriptor value is <Descriptor> {label}."
                    max_length: 200
                    head: {bias: true, standardize: true, init: %s}
                    data: {path: %s, max_train: %d, max_eval: %d}
                  ba:
                    preset: BA
                    template: "# # Input: The protein sequence is <Protein> {protein:max=%d}. \\nThe SMILES of the drug is <SMILES> {smiles}. \\n# # Output: The binding affinity is <BA> {label}."
                    max_length: 256
                    head: {bias: true, standardize: true, init: %s}
                    data: {path: %s, max_train: %d, max_eval: %d}
                stages:
                  - {name: stage1-domains, stage: 1, tasks: [smiles_text, protein_text], max_steps: %d, %s}
                  - {name: stage2-functions, stage: 2, tasks: [qed, descriptor], enrich: %s, max_steps: %d, %s}
                  - {name: stage3-ba, stage: 3, tasks: [ba], max_steps: %d, %s}
                """.formatted(
                model.dir().toAbsolutePath().normalize().toString().replace("\\", "/"), seed, s.tagLength(), s.functionInit(),
                file("smiles/zinc20k.csv"), s.trainRows(), s.evalRows(),
                file("protein/deepsol.csv"), s.trainRows(), s.evalRows(),
                s.headInit(), file("smiles/zinc20k.csv"), s.trainRows(), s.evalRows(),
                s.headInit(), file("protein/deepsol.csv"), s.trainRows(), s.evalRows(),
                s.proteinChars(), s.headInit(), file("binding_affinity/davis_sample.csv"), s.trainRows(), s.evalRows(),
                s.stage1Steps(), domain, s.enrich(), 2 * s.stage2Steps(), function, s.stage3Steps(), cross);
    }

    private String file(String relative) {
        Path p = data.resolve(relative);
        if (!Files.isRegularFile(p)) throw new IllegalArgumentException("demo data file missing: " + p + " (--data should be the shared data folder)");
        return p.toString().replace("\\", "/");
    }

    public Results run() throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(output);
        Path yaml = output.resolve("demo.yaml");
        AtomicFiles.writeString(yaml, experimentYaml());
        Experiment exp = Experiment.load(yaml);
        Transformer t = new Transformer(model.weights());
        DatasetRows rows = new DatasetRows(false);
        ExperimentRunner runner = new ExperimentRunner(t, model.tokenizer(), model.name(), model.fingerprint(), rows::load, progress, false);
        ExperimentRunner.Outcome o = runner.run(exp, false, true);
        TagSet tags = o.tags();
        TokenizerEncoder enc = new TokenizerEncoder(model.tokenizer());

        List<String[]> stageOne = new ArrayList<>();
        for (String task : List.of("smiles_text", "protein_text")) {
            TaskSpec spec = exp.tasks().get(task);
            TagSet untrained = new TagSet(model.name(), model.fingerprint());
            for (String n : spec.parsedTemplate().tagNames()) untrained.put(TagInit.newTag(n, spec.kindOf(n), sizes.tagLength(), t.weights().embedTokens()));
            List<Example> held = runner.examples(spec, exp.data().get(task), "valid", sizes.evalRows(), untrained, enc);
            if (held.isEmpty()) continue;
            double before = Evaluator.languageModelLoss(t, untrained, held), after = Evaluator.languageModelLoss(t, tags, held);
            stageOne.add(new String[]{String.join(" ", spec.parsedTemplate().tagNames()), Integer.toString(held.size()), fmt(before), fmt(after)});
        }

        TagPredictor predictor = new TagPredictor(t, model.tokenizer(), tags, model.generation()::isEos);
        List<TaskResult> results = new ArrayList<>();
        for (String task : List.of("qed", "descriptor", "ba")) {
            progress.message("scoring " + task + " on its test split");
            results.add(score(task, exp, rows, predictor, t));
        }
        Results r = new Results(results, stageOne, o.finalFile(), (System.nanoTime() - t0) / 1e9);
        AtomicFiles.writeString(output.resolve("results.json"), JSON.writeValueAsString(json(r)));
        AtomicFiles.writeString(output.resolve("results.md"), markdown(r));
        return r;
    }

    private record Rendered(List<Row> rows, List<Example> examples) {}

    private static Rendered render(ExampleRenderer r, List<Row> rows, int cap) {
        List<Row> kept = new ArrayList<>();
        List<Example> ex = new ArrayList<>();
        RowIssues issues = RowIssues.skipping(0);
        for (Row row : rows) {
            if (cap > 0 && ex.size() >= cap) break;
            issues.convert(row, r::example).ifPresent(e -> {
                kept.add(row);
                ex.add(e);
            });
        }
        return new Rendered(kept, ex);
    }

    private TaskResult score(String task, Experiment exp, DatasetRows rows, TagPredictor predictor, Transformer t) throws IOException {
        TaskSpec spec = exp.tasks().get(task);
        DataSpec ds = exp.data().get(task);
        ExampleRenderer r = predictor.renderer(spec);
        Rendered train = render(r, rows.load(ds, "train"), ds.maxTrain());
        Rendered valid = render(r, rows.load(ds, "valid"), ds.maxEval());
        Rendered test = render(r, rows.load(ds, "test"), ds.maxEval());
        if (test.examples().isEmpty()) throw new IllegalStateException("task " + task + ": no test rows fit");
        RegressionMetrics tagLlm = Evaluator.regression(predictor, spec, test.examples()).metrics();
        double[] gold = test.examples().stream().mapToDouble(Example::label).toArray();
        double mean = train.examples().stream().mapToDouble(Example::label).average().orElse(0);
        double[] meanPred = new double[gold.length];
        Arrays.fill(meanPred, mean);
        RegressionMetrics meanM = RegressionMetrics.compute(meanPred, gold);
        // the linear probe sees exactly the same rows, through the tag-free prompt
        int limit = Math.min(spec.maxLength(), t.config().maxPositions());
        TokenizerEncoder enc = new TokenizerEncoder(predictor.tokenizer());
        List<Double> yTrain = new ArrayList<>(), yValid = new ArrayList<>(), yTest = new ArrayList<>();
        // the ridge probe has hidden+1 parameters: a thousand rows pin it down
        List<Row> probeRows = train.rows().subList(0, Math.min(PROBE_ROWS, train.rows().size()));
        List<Sequence> pTrain = LinearProbe.prompts(spec, probeRows, enc, limit, yTrain);
        List<Sequence> pValid = LinearProbe.prompts(spec, valid.rows(), enc, limit, yValid);
        List<Sequence> pTest = LinearProbe.prompts(spec, test.rows(), enc, limit, yTest);
        double[][] xValid = pValid.isEmpty() ? null : LinearProbe.features(t, pValid);
        LinearProbe probe = LinearProbe.fit(LinearProbe.features(t, pTrain), unbox(yTrain),
                xValid == null ? LinearProbe.features(t, pTrain) : xValid, unbox(pValid.isEmpty() ? yTrain : yValid));
        double[][] xTest = LinearProbe.features(t, pTest);
        double[] probePred = new double[xTest.length];
        for (int i = 0; i < xTest.length; i++) probePred[i] = probe.predict(xTest[i]);
        RegressionMetrics probeM = RegressionMetrics.compute(probePred, unbox(yTest));
        RegressionMetrics validTag = null, validProbe = null;
        if (xValid != null) {
            validTag = Evaluator.regression(predictor, spec, valid.examples()).metrics();
            double[] pv = new double[xValid.length];
            for (int i = 0; i < pv.length; i++) pv[i] = probe.predict(xValid[i]);
            validProbe = RegressionMetrics.compute(pv, unbox(yValid));
        }
        return new TaskResult(task, gold.length, tagLlm, meanM, probeM, validTag, validProbe);
    }

    private static double[] unbox(List<Double> v) { return v.stream().mapToDouble(Double::doubleValue).toArray(); }

    static String fmt(double v) {
        if (Double.isNaN(v)) return "n/a";
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.4f", v);
    }

    /** The results table, as printed and as Markdown. */
    public static String markdown(Results r) {
        StringBuilder b = new StringBuilder();
        b.append("| task | test rows | metric | Tag-LLM | mean predictor | linear probe |\n|---|---|---|---|---|---|\n");
        for (TaskResult t : r.tasks()) {
            b.append("| ").append(t.task()).append(" | ").append(t.testRows()).append(" | MSE | ").append(fmt(t.tagLlm().mse()))
                    .append(" | ").append(fmt(t.mean().mse())).append(" | ").append(fmt(t.probe().mse())).append(" |\n");
            b.append("| | | Pearson | ").append(fmt(t.tagLlm().pearson())).append(" | ").append(fmt(t.mean().pearson()))
                    .append(" | ").append(fmt(t.probe().pearson())).append(" |\n");
        }
        if (r.tasks().stream().anyMatch(t -> t.validTagLlm() != null)) {
            b.append("\nValid split (it picked Tag-LLM's checkpoint and the probe's ridge λ):\n\n")
                    .append("| task | valid rows | Tag-LLM MSE | probe MSE | Tag-LLM Pearson | probe Pearson |\n|---|---|---|---|---|---|\n");
            for (TaskResult t : r.tasks()) {
                if (t.validTagLlm() == null) continue;
                b.append("| ").append(t.task()).append(" | ").append(t.validTagLlm().n()).append(" | ").append(fmt(t.validTagLlm().mse()))
                        .append(" | ").append(fmt(t.validProbe().mse())).append(" | ").append(fmt(t.validTagLlm().pearson()))
                        .append(" | ").append(fmt(t.validProbe().pearson())).append(" |\n");
            }
        }
        if (!r.stageOne().isEmpty()) {
            b.append("\nStage 1, held-out next-token loss (valid split):\n\n| tag | rows | untrained tag | trained tag |\n|---|---|---|---|\n");
            for (String[] s : r.stageOne()) b.append("| ").append(String.join(" | ", s)).append(" |\n");
        }
        b.append("\nTag file: ").append(r.tagFile()).append(String.format(Locale.ROOT, "; %.0f s in all.%n", r.seconds()));
        return b.toString();
    }

    private static ObjectNode json(Results r) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode tasks = o.putArray("tasks");
        for (TaskResult t : r.tasks()) {
            ObjectNode x = tasks.addObject();
            x.put("task", t.task());
            x.put("test_rows", t.testRows());
            x.set("tag_llm", metrics(t.tagLlm()));
            x.set("mean_predictor", metrics(t.mean()));
            x.set("linear_probe", metrics(t.probe()));
            if (t.validTagLlm() != null) {
                ObjectNode v = x.putObject("valid");
                v.set("tag_llm", metrics(t.validTagLlm()));
                v.set("linear_probe", metrics(t.validProbe()));
            }
        }
        ArrayNode s1 = o.putArray("stage1_heldout_next_token_loss");
        for (String[] s : r.stageOne()) {
            s1.addObject().put("tag", s[0]).put("rows", Integer.parseInt(s[1])).put("untrained", Double.parseDouble(s[2]))
                    .put("trained", Double.parseDouble(s[3]));
        }
        o.put("tag_file", r.tagFile().toString());
        o.put("seconds", r.seconds());
        return o;
    }

    private static ObjectNode metrics(RegressionMetrics m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("n", m.n());
        put(o, "mse", m.mse());
        put(o, "mae", m.mae());
        put(o, "rmse", m.rmse());
        put(o, "pearson", m.pearson());
        put(o, "spearman", m.spearman());
        put(o, "r2", m.r2());
        return o;
    }

    private static void put(ObjectNode o, String k, double v) {
        if (Double.isNaN(v)) o.putNull(k);
        else o.put(k, v);
    }
}
