package tagllm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tagllm.compare.Ablation;
import tagllm.compare.Compare;
import tagllm.compare.CompareRunner;
import tagllm.compare.Method;
import tagllm.model.LoraAdapters;
import tagllm.model.Model;
import tagllm.train.Experiment;
import tagllm.train.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** tagllm compare: Tag-LLM beside a linear probe, prompt tuning and LoRA, over seeds and ablations, with a report. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Run an experiment's regression and classification tasks with several methods on the same rows, splits, budget "
                + "and head: tagllm (the experiment), probe (ridge, or logistic regression for classes, on the frozen last hidden state), "
                + "prompt-tuning (virtual tokens before the tag-free prompt), lora (rank-r adapters on q and v); every method x seed, "
                + "Tag-LLM again per ablation, and the training mean or majority class beside them. Text-generation and multi-label "
                + "tasks are refused by name.",
                "Writes DIR/report.json (per task and variant: each seed's metrics, mean, std, paired difference against tagllm "
                        + "with a 95%% bootstrap interval over test rows, parameters, wall time) and DIR/report.html (tables, curves, "
                        + "predicted-vs-true plots for regression, ROC and calibration for classification; opens offline)."})
public final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "experiment file (YAML)")
    Path experiment;

    @Option(names = "--methods", defaultValue = "tagllm,probe,prompt-tuning,lora", description = "comma-separated (default ${DEFAULT-VALUE})")
    String methods;

    @Option(names = "--seeds", defaultValue = "3", description = "seeds per method: the experiment's seed, +1, +2, ... (default ${DEFAULT-VALUE})")
    int seeds;

    @Option(names = "--ablations", description = "Tag-LLM variants, comma-separated: " + "no-domain-tags, no-function-tag, domain-p=N, "
            + "function-p=N, enrich=on|off, isolation=on|off, head-init=embedding|zero|ridge, standardize=on|off")
    String ablations;

    @Option(names = {"-o", "--output"}, required = true, description = "output folder")
    Path output;

    @Option(names = "--model", description = "base model folder or Hub id (default: the experiment's)")
    String model;

    @Option(names = "--prompt-init", defaultValue = "text", description = "prompt tuning's init: text (the task's prompt words, PEFT's TEXT) or random (default ${DEFAULT-VALUE})")
    String promptInit;

    @Option(names = "--lora-rank", defaultValue = "8", description = "LoRA rank r (default ${DEFAULT-VALUE}, the paper's)")
    int loraRank;

    @Option(names = "--lora-alpha", defaultValue = "16", description = "LoRA alpha (default ${DEFAULT-VALUE})")
    double loraAlpha;

    @Option(names = "--lora-dropout", defaultValue = "0.05", description = "LoRA dropout (default ${DEFAULT-VALUE})")
    double loraDropout;

    @Option(names = "--resume", description = "reuse the finished runs in the output folder, run the others")
    boolean resume;

    @Option(names = "--retry-failed", description = "with --resume: train again the runs recorded as failed (diverged), of a prompt-tuning "
            + "or LoRA run only its failed tasks; else they are kept as failed, as training is deterministic and the same settings diverge again")
    boolean retryFailed;

    @Option(names = "--report-only", description = "only write the report from the runs already finished in the output folder (runs nothing)")
    boolean reportOnly;

    @Option(names = "--force", description = "replace an earlier compare in the output folder; with --report-only: rewrite its report for "
            + "other seeds, methods or ablations than it was written for (the runs are kept)")
    boolean force;

    @Option(names = "--json", description = "print report.json's tasks section instead of tables")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @picocli.CommandLine.Mixin
    ComputeOption compute = new ComputeOption();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (seeds < 1) throw new UsageError("--seeds must be at least 1, got " + seeds);
        List<Method> ms = UsageError.ifRefused(() -> Method.parseList(methods));
        List<Ablation> abl = UsageError.ifRefused(() -> Ablation.parseList(ablations));
        if (!abl.isEmpty() && !ms.contains(Method.TAGLLM)) throw new UsageError("--ablations vary Tag-LLM: add tagllm to --methods");
        // a method's own options beside --methods without it would be read and change nothing
        var parsed = spec.commandLine().getParseResult();
        for (String[] own : new String[][]{{"--lora-rank", "lora"}, {"--lora-alpha", "lora"}, {"--lora-dropout", "lora"},
                {"--prompt-init", "prompt-tuning"}}) {
            Method m = own[1].equals("lora") ? Method.LORA : Method.PROMPT_TUNING;
            if (!ms.contains(m) && parsed.hasMatchedOption(own[0])) {
                throw new UsageError(own[0] + ": only the " + own[1] + " method reads it, and --methods " + methods + " does not run it;"
                        + " leave it out, or add " + own[1] + " to --methods");
            }
        }
        // checked before any run: LoRA's runs come last, after every other method's
        if (ms.contains(Method.LORA)) {
            UsageError.ifRefused(() -> {
                LoraAdapters.requireSettings(loraRank, loraAlpha, loraDropout);
                return null;
            });
        }
        // CompareRunner checks it too, but only after the experiment is loaded
        if (!promptInit.equals("text") && !promptInit.equals("random")) {
            throw new UsageError("--prompt-init: expected text or random, got '" + promptInit + "'");
        }
        if (reportOnly && !hasFinishedRuns(output)) {
            throw new IllegalArgumentException("--report-only: " + output + " holds no finished runs (runs/*/result.json): nothing to report");
        }
        if (retryFailed && reportOnly) throw new UsageError("--retry-failed trains, --report-only runs nothing: choose one");
        if (retryFailed && !resume) throw new UsageError("--retry-failed retrains the failed runs of an earlier compare: add --resume");
        if (reportOnly) resume = true;
        if (!resume) OutputGuard.requireFresh(output, force, "use --resume to continue it (finished runs are reused)",
                Compare.OUTPUTS.toArray(new String[0]));
        Experiment exp = Experiment.load(experiment);
        if (!exp.engine().isLocal()) {
            spec.commandLine().getErr().println("note: compare runs every method in this JVM; the experiment's engine: "
                    + exp.engine().name() + " is used by tagllm train");
        }
        List<Long> seedList = new ArrayList<>();
        for (int i = 0; i < seeds; i++) seedList.add(exp.seed() + i);
        if (reportOnly && !force) {
            // the runs stay either way, but a report over other seeds, methods or tasks says something else than the one there
            List<String> diff = tagllm.compare.ReportScope.differences(output.resolve("report.json"), seedList, ms, abl,
                    CompareRunner.scoredTasks(exp).keySet());
            if (!diff.isEmpty()) {
                throw new UsageError("--report-only would rewrite " + output.resolve("report.json") + " for another comparison: "
                        + String.join("; ", diff) + ". Give the options it was written with, or add --force to rewrite it "
                        + "(with --report-only, --force replaces only the report; the runs are kept)");
            }
        }
        Model m = compute.load(model != null ? model : exp.model(), spec.commandLine());
        Progress progress = Progress.to(spec.commandLine().getErr(), quiet);
        // originalArgs are the whole command line, the subcommand name included
        String command = "tagllm " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        var report = Compare.run(m, exp, new CompareRunner.Options(ms, seedList, abl, output.toAbsolutePath().normalize(), resume, promptInit,
                loraRank, loraAlpha, loraDropout, reportOnly, retryFailed), command, progress, force && !resume); // --force: the earlier compare goes once this one can start
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report.path("tasks")));
        } else {
            out.print(Compare.markdown(report));
            out.println("\nReport: " + output.resolve("report.html") + ", " + output.resolve("report.json"));
        }
        // the report is written and the other runs are in it, but the comparison is not the one asked for: exit 1
        var failed = report.path("about").path("failed_runs");
        if (!failed.isEmpty()) {
            List<String> ids = new ArrayList<>();
            failed.forEach(f -> ids.add(tagllm.compare.HtmlReport.failedRun(f) + " (" + f.path("failure").asText() + ")"));
            spec.commandLine().getErr().println("error: " + tagllm.compare.HtmlReport.failedHeading(report) + " (no metrics): " + String.join("; ", ids) + ". The report marks them and leaves them out of the means; "
                    + "--resume keeps them as failed (training is deterministic), --resume --retry-failed trains them again");
            return 1;
        }
        return 0;
    }

    /** Whether dir holds a finished run (runs/ID/result.json) that --report-only could report. */
    private static boolean hasFinishedRuns(Path dir) throws java.io.IOException {
        Path runs = dir.resolve("runs");
        if (!Files.isDirectory(runs)) return false;
        try (var ids = Files.list(runs)) {
            return ids.anyMatch(id -> Files.isRegularFile(id.resolve("result.json")));
        }
    }
}
