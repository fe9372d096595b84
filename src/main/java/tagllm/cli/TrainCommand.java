package tagllm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.task.DatasetRows;
import tagllm.train.Experiment;
import tagllm.train.ExperimentRunner;
import tagllm.train.GradientEngine;
import tagllm.train.Progress;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** tagllm train EXPERIMENT.yaml: runs the experiment's stages and writes the tag files. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train tags as an experiment file says: stage 1 domain tags, stage 2 function tags + heads, stage 3 cross-domain function tags.",
                "Writes OUTPUT/<stage>.tags.safetensors per stage, OUTPUT/final.tags.safetensors, OUTPUT/metrics.jsonl and checkpoints."})
public final class TrainCommand implements Callable<Integer> {
    @Parameters(paramLabel = "EXPERIMENT", description = "the experiment YAML file")
    Path experiment;

    @Option(names = "--model", description = "base model folder or Hub id (overrides the file's model:)")
    String model;

    @Option(names = {"-o", "--output"}, description = "output folder (overrides the file's output:)")
    Path output;

    @Option(names = "--init-tags", description = "start from the tags and heads of this tag file (repeatable; adds to the file's init:)")
    List<Path> initTags = new ArrayList<>();

    @Option(names = "--resume", description = "continue a run that was stopped: finished stages are read back, the current one continues from its checkpoint")
    boolean resume;

    @Option(names = "--force", description = "start over even if the output folder holds a run")
    boolean force;

    @Option(names = "--strict", description = "stop at the first data row that does not fit instead of skipping it")
    boolean strict;

    @Option(names = "--seed", description = "override the file's seed")
    Long seed;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Option(names = "--stop-after", hidden = true, description = "stop after this many steps of the first unfinished stage (tests kill + resume)")
    int stopAfter;

    @picocli.CommandLine.Mixin
    ComputeOption compute = new ComputeOption();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Experiment exp = Experiment.load(experiment);
        List<Path> init = new ArrayList<>(exp.init());
        init.addAll(initTags.stream().map(p -> p.toAbsolutePath().normalize()).toList());
        Experiment.Builder run = exp.toBuilder().init(init);
        if (model != null) run.model(model);
        if (output != null) run.output(output.toAbsolutePath().normalize());
        if (seed != null) run.seed(seed);
        exp = run.build();
        Progress progress = Progress.to(spec.commandLine().getErr(), quiet);
        Model m = compute.load(exp.model(), spec.commandLine());
        progress.message("model " + m.name() + " (" + m.config().architecture() + ", hidden " + m.config().hiddenSize()
                + ", " + m.config().numLayers() + " layers), fingerprint " + m.fingerprint());
        DatasetRows rows = new DatasetRows(strict);
        // a file read by several stages (or tasks) is read once and its note said once
        java.util.Set<String> said = new java.util.HashSet<>();
        ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new ExperimentRunner.RowLoader() {
                    @Override
                    public java.util.List<tagllm.data.Row> load(tagllm.task.DataSpec ds, String split) {
                        return noted(ds, split, rows.load(ds, split));
                    }

                    @Override
                    public java.util.List<tagllm.data.Row> load(tagllm.task.DataSpec ds, String split, tagllm.data.RowIssues checks) {
                        return noted(ds, split, rows.load(ds, split, checks));
                    }

                    private java.util.List<tagllm.data.Row> noted(tagllm.task.DataSpec ds, String split, java.util.List<tagllm.data.Row> r) {
                        String note = rows.note(ds);
                        if (note != null && split.equals("train") && said.add(note)) progress.message(note);
                        return r;
                    }
                }, progress, strict).stopAfter(stopAfter).readSkipped(rows::skipped);
        ExperimentRunner.Outcome o;
        if (exp.engine().isLocal()) {
            o = runner.run(exp, resume, force);
        } else {
            // engine: spark — the steps' gradients are computed on the cluster; this JVM sums them and steps
            progress.message("engine " + exp.engine().name() + ", master " + exp.engine().master());
            try (GradientEngine engine = GradientEngine.provider(exp.engine().name()).open(exp.engine(), exp.model(),
                    m.weights().bf16Compute() ? tagllm.model.ComputePrecision.BF16 : tagllm.model.ComputePrecision.F32)) {
                o = runner.engine(engine).run(exp, resume, force);
            }
        }
        // stdout is JSON Lines, one summary per stage (train ... | jq); what is said in words goes to stderr
        var out = spec.commandLine().getOut();
        for (var s : o.stageSummaries()) out.println(s.toString());
        var err = spec.commandLine().getErr();
        if (o.stopped()) {
            err.println("stopped after step " + stopAfter + "; continue with --resume");
            return 0;
        }
        err.println("wrote " + o.finalFile());
        return 0;
    }
}
