package tagllm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;
import tagllm.model.Model;

import java.io.IOException;

/** The required {@code --model} of the commands that run a plain base model (generate, perplexity, serve), with --compute. */
final class ModelOption {
    @Option(names = "--model", required = true, description = "model folder or Hugging Face Hub id")
    String model;

    @CommandLine.Mixin
    ComputeOption compute = new ComputeOption();

    /** The model, computing as --compute says (checked before the weights are read). */
    Model load(CommandLine cl) throws IOException {
        return compute.load(model, cl);
    }
}
