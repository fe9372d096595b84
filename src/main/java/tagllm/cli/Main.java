package tagllm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;

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
    /** `tagllm --version`: the version pom.xml gives and the git commit of the build (tagllm.util.BuildVersion). */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() { return new String[]{"tagllm " + tagllm.util.Version.build().describe()}; }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Never reached: {@link #commandLine()} refuses {@code tagllm} without a command before it would run. */
    @Override
    public void run() {
        throw missingCommand(spec.commandLine());
    }

    /**
     * {@code tagllm}, or a command group such as {@code tagllm data build}, without the command it groups: a command
     * line that cannot run as given (exit 2, the reason and the usage on stderr, as for a missing option), not a
     * success that did nothing; a script that left out the command is told so. {@code --help} and {@code help} still
     * print the usage on stdout and exit 0.
     */
    private static CommandLine.ParameterException missingCommand(CommandLine group) {
        return new CommandLine.ParameterException(group, "Missing command: give one of "
                + String.join(", ", group.getSubcommands().keySet()) + " (" + group.getCommandSpec().qualifiedName() + " --help says what each does)");
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        ModuleCommands.addTo(cl); // tagllm spark ... (tagllm-spark, when on the class path)
        // TaskOptions' --label is eval's: predict reads no labels, so its help leaves it out (given anyway, predict
        // still refuses it and says why)
        hideFromHelp(cl.getSubcommands().get("predict"), "--label");
        cl.setParameterExceptionHandler(Main::misspelledBeforeMissing);
        cl.setExecutionStrategy(parsed -> {
            CommandLine.ParseResult last = parsed;
            boolean help = false;
            for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
                help |= p.isUsageHelpRequested() || p.isVersionHelpRequested();
                last = p;
            }
            if (!help && !last.commandSpec().subcommands().isEmpty()) throw missingCommand(last.commandSpec().commandLine());
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof UsageError) { // as picocli answers a command line it cannot parse: the reason, the usage, 2
                cmd.getErr().println(ex.getMessage());
                cmd.usage(cmd.getErr());
                return cmd.getCommandSpec().exitCodeOnInvalidInput();
            }
            // Users get one clear line; the stack trace only with TAGLLM_DEBUG set.
            OutOfMemoryError oom = OutOfMemory.in(ex);
            cmd.getErr().println("error: " + (oom != null ? OutOfMemory.message(oom, Runtime.getRuntime().maxMemory())
                    : tagllm.util.FileErrors.describe(ex)));
            if (System.getenv("TAGLLM_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl;
    }

    /** Keeps a shared option from a command's --help (still parsed: the command's own check explains the refusal). */
    private static void hideFromHelp(CommandLine cmd, String name) {
        CommandLine.Model.CommandSpec spec = cmd.getCommandSpec();
        CommandLine.Model.OptionSpec option = spec.findOption(name);
        spec.remove(option);
        spec.addOption(CommandLine.Model.OptionSpec.builder(option).hidden(true).build());
    }

    /**
     * picocli's answer to a command line it cannot parse (the reason, then suggestions or the usage; exit 2), with two
     * changes. It reports missing required options before unknown ones, so predict --modle M answered "Missing
     * required option: '--model'" without a word about --modle: the unknown option is the reason then. And a mistyped
     * option's suggestions include the names within a small edit distance (OptionSuggestions).
     */
    private static int misspelledBeforeMissing(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        java.io.PrintWriter err = cmd.getErr();
        List<String> unknown = cmd.getUnmatchedArguments().stream().filter(a -> a.startsWith("-") && a.length() > 1).toList();
        if (ex instanceof CommandLine.MissingParameterException && !unknown.isEmpty()) {
            ex = new CommandLine.UnmatchedArgumentException(cmd, cmd.getUnmatchedArguments());
        }
        err.println(ex.getMessage());
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !unknown.isEmpty()) {
            List<String> near = OptionSuggestions.near(unknown.getFirst(), cmd.getCommandSpec().optionsMap().keySet(), u.getSuggestions());
            if (!near.isEmpty()) {
                err.println("Possible solutions: " + String.join(", ", near));
                return cmd.getCommandSpec().exitCodeOnInvalidInput();
            }
        }
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) cmd.usage(err);
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    public static void main(String[] args) {
        if (Relaunch.needed()) System.exit(Relaunch.run(args));
        Relaunch.stopWithParent();
        System.exit(execute(commandLine(), args));
    }

    /**
     * cl.execute(args), with the heap running out (an Error, which picocli lets through) said in one line, exit 1, as
     * any other failure; the stack trace only with TAGLLM_DEBUG set.
     */
    static int execute(CommandLine cl, String[] args) {
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            cl.getErr().println("error: " + OutOfMemory.message(e, Runtime.getRuntime().maxMemory()));
            if (System.getenv("TAGLLM_DEBUG") != null) e.printStackTrace(cl.getErr());
            cl.getErr().flush();
            return 1;
        }
    }
}
