package tagllm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tagllm.embedded.EmbeddedSamples;
import tagllm.model.Model;
import tagllm.train.Demo;
import tagllm.train.Progress;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** tagllm demo: the paper's three stages end to end on the shared datasets, with baselines. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run Tag-LLM's three stages end to end: <SMILES>/<Protein> domain tags, <QED> and <Descriptor> function tags, "
                + "then cross-domain <BA>; score each task on its test split beside a mean predictor and a linear probe.",
                "Writes OUTPUT/demo.yaml (the experiment), the tag files, metrics.jsonl, results.json and results.md."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--model", description = "base model folder or Hub id (default: stories260K, embedded in tagllm)")
    String model;

    @Option(names = "--data", description = "data folder with smiles/zinc20k.csv, protein/deepsol.csv, binding_affinity/davis_sample.csv "
            + "(default: the samples embedded in tagllm, the rows the demo reads)")
    Path data;

    @Option(names = {"-o", "--output"}, defaultValue = "runs/demo", description = "output folder (default ${DEFAULT-VALUE})")
    Path output;

    @Option(names = "--seed", defaultValue = "42", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--quick", description = "tiny sizes: a smoke test in seconds (the scores mean little)")
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
        OutputGuard.requireFresh(output, force, "demo.yaml", "results.json", "final.tags.safetensors");
        var err = spec.commandLine().getErr();
        if (model == null) err.println("model: stories260K, embedded (" + (model = EmbeddedSamples.model().toString()) + ")");
        if (data == null) err.println("data: the embedded samples (" + (data = EmbeddedSamples.data()) + ")");
        Model m = compute.load(model, spec.commandLine());
        Demo demo = new Demo(m, data, output, quick ? Demo.Sizes.quick() : Demo.Sizes.standard(), seed, Progress.to(spec.commandLine().getErr(), quiet));
        Demo.Results r = demo.run();
        var out = spec.commandLine().getOut();
        out.println();
        out.println("Tag-LLM demo on " + m.name() + " (test splits; mean predictor = training mean; linear probe = ridge on the frozen model's last hidden state of the tag-free prompt)");
        out.println();
        out.print(Demo.markdown(r));
        out.println("Results: " + output.resolve("results.md") + ", " + output.resolve("results.json"));
        return 0;
    }
}
