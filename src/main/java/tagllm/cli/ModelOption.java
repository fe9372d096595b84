package tagllm.cli;

import picocli.CommandLine.Option;

/** The required {@code --model} of the commands that run a plain base model (generate, perplexity, serve). */
final class ModelOption {
    @Option(names = "--model", required = true, description = "model folder or Hugging Face Hub id")
    String model;
}
