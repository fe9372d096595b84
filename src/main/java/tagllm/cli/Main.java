package tagllm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `tagllm` command line. Each subcommand is its own class in this package. */
@Command(name = "tagllm", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Tag-LLM on the JVM: learn input tags for a frozen Hugging Face LLM, predict, evaluate, serve.",
        subcommands = {
                CommandLine.HelpCommand.class,
                ModelCommand.class,
                GenerateCommand.class,
                PerplexityCommand.class,
                ScoreCommand.class,
                ServeCommand.class,
                TagsCommand.class,
                TrainCommand.class,
                PredictCommand.class,
                EvalCommand.class,
                DemoCommand.class,
                CompareCommand.class,
                ChemCommand.class,
                DataCommand.class,
                TokenizeCommand.class,
                BenchCommand.class,
                SuiteCommand.class,
        })
public final class Main implements Runnable {
    /** `tagllm --version`: the version pom.xml gives. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() { return new String[]{"tagllm " + tagllm.util.Version.current()}; }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        ModuleCommands.addTo(cl); // tagllm spark ... (tagllm-spark, when on the class path)
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof UsageError) { // as picocli answers a command line it cannot parse: the reason, the usage, 2
                cmd.getErr().println(ex.getMessage());
                cmd.usage(cmd.getErr());
                return cmd.getCommandSpec().exitCodeOnInvalidInput();
            }
            // Users get one clear line; the stack trace only with TAGLLM_DEBUG set.
            cmd.getErr().println("error: " + tagllm.util.FileErrors.describe(ex));
            if (System.getenv("TAGLLM_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        if (Relaunch.needed()) System.exit(Relaunch.run(args));
        Relaunch.stopWithParent();
        System.exit(commandLine().execute(args));
    }
}
