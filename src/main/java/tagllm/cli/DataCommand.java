package tagllm.cli;

import picocli.CommandLine.Command;

/** {@code tagllm data}: preparing datasets. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Prepare datasets.",
        subcommands = {DataBuildCommand.class})
public final class DataCommand {
    // a group: without one of its commands it is refused (exit 2) by Main.commandLine(), so it has nothing to run
}
