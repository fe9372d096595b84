package tagllm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tagllm.model.Model;
import tagllm.suite.SuiteRunner;
import tagllm.train.Experiment;
import tagllm.train.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** tagllm suite EXPERIMENT --seeds 0,1,2: the experiment once per seed, each task scored beside the probe and the majority/mean predictor. */
@Command(name = "suite", mixinStandardHelpOptions = true,
        description = {"Run an experiment once per seed (training order and every seeded split) and score each stage-2/3 task on its test split "
                + "beside a probe (logistic or ridge on the frozen model's hidden state) and the majority-class / training-mean predictor.",
                "Writes OUTPUT/seed-N/ (the runs), OUTPUT/results.json and OUTPUT/results.md."})
public final class SuiteCommand implements Callable<Integer> {
    @Parameters(paramLabel = "EXPERIMENT", description = "the experiment YAML file (e.g. examples/moleculenet.yaml)")
    Path experiment;

    @Option(names = "--seeds", split = ",", defaultValue = "0,1,2", description = "seeds (default ${DEFAULT-VALUE})")
    List<Long> seeds;

    @Option(names = {"-o", "--output"}, description = "output folder (default: the file's output:)")
    Path output;

    @Option(names = "--force", description = "start over even if the output folder holds a run (its results and every seed-N folder are replaced; seeds not run again are removed)")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // a wrong call, answered as compare and demo answer theirs (exit 2) and before the experiment is read
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (long seed : seeds) if (!seen.add(seed)) throw new UsageError("--seeds: " + seed + " is given twice");
        Experiment exp = Experiment.load(experiment);
        Path out = output != null ? output.toAbsolutePath().normalize() : exp.output();
        if (!force && Files.exists(out.resolve("results.md"))) {
            throw new IllegalArgumentException("output folder " + out + " already holds suite results; use --force to run again");
        }
        Progress progress = Progress.to(spec.commandLine().getErr(), quiet);
        Model m = Model.load(exp.model());
        new SuiteRunner(m, progress).run(exp, seeds, out, force);
        java.io.PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(Files.readString(out.resolve("results.md")));
        stdout.flush(); // an autoflush PrintWriter flushes on println only, and main's System.exit drops what it holds
        return 0;
    }
}
