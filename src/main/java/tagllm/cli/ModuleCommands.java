package tagllm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;

/** Adds the command groups of other modules on the class path ({@link CliExtension}); without tagllm-spark, says how to get it. */
final class ModuleCommands {
    private ModuleCommands() {}

    static void addTo(CommandLine cl) {
        boolean spark = false;
        for (CliExtension e : ServiceLoader.load(CliExtension.class)) {
            cl.addSubcommand(e.name(), e.command());
            spark |= e.name().equals("spark");
        }
        if (!spark) cl.addSubcommand("spark", new SparkMissing());
    }

    @Command(name = "spark", description = "Score and train on Apache Spark (the tagllm-spark module, built on the first ./tagllm spark).")
    static final class SparkMissing implements Callable<Integer> {
        @Unmatched
        List<String> rest = new ArrayList<>();

        @Override
        public Integer call() {
            throw new IllegalArgumentException("tagllm spark needs the tagllm-spark module: build it with (cd tagllm-spark && mvn package); "
                    + "./tagllm puts it on the class path once built");
        }
    }
}
