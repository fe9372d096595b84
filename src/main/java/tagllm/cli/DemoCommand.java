package tagllm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tagllm.compare.Compare;
import tagllm.compare.DemoPreset;
import tagllm.embedded.EmbeddedSamples;
import tagllm.train.RunFolderLock;
import tagllm.util.AtomicFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * tagllm demo: {@code tagllm compare} on a built-in experiment ({@link DemoPreset}), written to OUTPUT/demo.yaml first.
 * There is no demo pipeline of its own: what it prints and writes is compare's.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Tag-LLM beside its baselines on the paper's tasks, offline: tagllm compare on a built-in experiment. "
                + "Stage 1 trains <SMILES> and <Protein> domain tags, stage 2 the <QED>, <Descriptor> and <DC> (drug combination) "
                + "function tags, stage 3 the cross-domain <BA> (binding affinity); the linear probe, prompt tuning and LoRA get "
                + "the same rows, splits, heads and budget. Prints compare's results table per task.",
                "Writes OUTPUT/demo.yaml (the experiment: rerun or widen it with tagllm compare OUTPUT/demo.yaml --seeds 3 -o DIR), "
                        + "then compare's OUTPUT/report.json, OUTPUT/report.html and OUTPUT/runs/."})
public final class DemoCommand implements Callable<Integer> {
    /** One seed of all four methods: the default demo's budget (about 2-4 minutes on two quiet cores, docs/training.md). */
    static final int DEFAULT_SEEDS = 1;

    @Option(names = "--model", description = "base model folder or Hub id (default: stories260K, embedded in tagllm)")
    String model;

    @Option(names = "--data", description = "data folder with smiles/zinc20k.csv, protein/deepsol.csv, drug_combination/oneil_css.csv, "
            + "binding_affinity/davis_sample.csv, e.g. ../shared/data (default: the samples embedded in tagllm)")
    Path data;

    @Option(names = {"-o", "--output"}, defaultValue = "runs/demo", description = "output folder (default ${DEFAULT-VALUE})")
    Path output;

    @Option(names = "--seed", defaultValue = "42", description = "the experiment's seed; compare's seeds are it, +1, +2, ... (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--seeds", defaultValue = "" + DEFAULT_SEEDS, description = "seeds per method (default ${DEFAULT-VALUE}; "
            + "compare's own default, 3, takes three times as long)")
    int seeds;

    @Option(names = "--methods", defaultValue = "tagllm,probe,prompt-tuning,lora", description = "comma-separated (default ${DEFAULT-VALUE})")
    String methods;

    @Option(names = "--quick", description = "tiny sizes: a smoke test in seconds (the scores mean nothing)")
    boolean quick;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Option(names = "--force", description = "replace the results of an earlier run in the output folder")
    boolean force;

    @picocli.CommandLine.Mixin
    ComputeOption compute = new ComputeOption();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // what compare would refuse, refused before demo.yaml is written: a refused demo leaves nothing to --force past
        if (seeds < 1) throw new UsageError("--seeds must be at least 1, got " + seeds);
        UsageError.ifRefused(() -> tagllm.compare.Method.parseList(methods));
        OutputGuard.requireFresh(output, force, "continue it with tagllm compare " + output.resolve("demo.yaml") + " --resume -o " + output
                + " (and this demo's --seeds and --methods)", Stream.concat(Stream.of("demo.yaml"), Compare.OUTPUTS.stream()).toArray(String[]::new));
        var err = spec.commandLine().getErr();
        Path folder = output.toAbsolutePath().normalize();
        // the embedded samples are written with absolute paths (a cache folder: where the demo's output moves does not
        // change it); a model or data folder the user names is written relative to demo.yaml, as example experiments are
        String modelRef;
        if (model == null) {
            modelRef = EmbeddedSamples.model().toString();
            err.println("model: stories260K, embedded (" + modelRef + ")");
        } else {
            modelRef = Files.isDirectory(Path.of(model)) ? DemoPreset.ref(Path.of(model), folder) : model;
        }
        boolean embeddedData = data == null;
        if (embeddedData) err.println("data: the embedded samples (" + (data = EmbeddedSamples.data()) + ")");
        DemoPreset.Sizes sizes = quick ? DemoPreset.Sizes.quick() : DemoPreset.Sizes.standard();
        String yaml = DemoPreset.yaml(modelRef, data, embeddedData ? null : folder, sizes, seed);
        Files.createDirectories(folder);
        // a compare running in the folder holds its lock: refused here, before this demo's experiment replaces the one
        // that compare is running (compare takes the lock itself once it starts; this is only the earlier refusal)
        RunFolderLock.take(folder).close();
        Path file = output.resolve("demo.yaml");
        boolean written = !Files.exists(file);
        AtomicFiles.writeString(file, yaml);

        // compare itself, on the file just written: the same checks, runs, report and table as `tagllm compare`
        List<String> args = new ArrayList<>(List.of("compare", file.toString(), "--methods", methods, "--seeds", Integer.toString(seeds),
                "-o", output.toString(), "--compute", compute.compute));
        if (force) args.add("--force");
        if (quiet) args.add("--quiet");
        var out = spec.commandLine().getOut();
        out.println("Tag-LLM demo: tagllm compare on " + file + " (" + DemoPreset.describe(sizes) + "; " + seeds + " seed"
                + (seeds == 1 ? "" : "s") + " of " + methods + ")");
        // parsed from the root, so that report.json records the command as one would type it: tagllm compare ...
        CommandLine root = Main.commandLine();
        root.setOut(out);
        root.setErr(err);
        root.parseArgs(args.toArray(String[]::new));
        int exit;
        try {
            exit = ((CompareCommand) root.getSubcommands().get("compare").getCommand()).call();
        } catch (Exception | Error e) {
            // refused before any run (a model that does not load, say): the demo.yaml this call wrote goes too
            if (written && !Files.exists(output.resolve("runs"))) Files.deleteIfExists(file);
            throw e;
        }
        if (exit == 0 && !quick && seeds < 3) {
            out.println("\nOne seed shows each method once; the seeds' spread needs more. The full comparison (compare's defaults: all four "
                    + "methods, 3 seeds, about three times as long):\n  tagllm compare " + file + " --seeds 3 -o " + output.resolveSibling(
                    output.getFileName() + "-3seeds"));
        }
        return exit;
    }
}
