package tagllm.cli;

import picocli.CommandLine.Command;

/** {@code tagllm data}: preparing datasets. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Prepare datasets.",
        subcommands = {DataBuildCommand.class})
public final class DataCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
