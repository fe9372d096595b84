package tagllm.spark;

import picocli.CommandLine.Command;

/** tagllm spark: the commands of the tagllm-spark module (added to the core CLI through tagllm.cli.CliExtension). */
@Command(name = "spark", mixinStandardHelpOptions = true,
        description = {"Score on Apache Spark (local[*] embedded, local-cluster[...], or a cluster through spark-submit).",
                "Training on Spark: put engine: spark and master: ... in the experiment file and run tagllm train."},
        subcommands = {SparkScoreCommand.class})
public final class SparkCommand {
    // a group: without one of its commands it is refused (exit 2) by Main.commandLine(), so it has nothing to run
    /** The ServiceLoader entry point. */
    public static final class Extension implements tagllm.cli.CliExtension {
        @Override
        public String name() { return "spark"; }

        @Override
        public Object command() { return new SparkCommand(); }
    }
}
