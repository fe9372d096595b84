package tagllm.cli;

/**
 * A command group that another module adds to {@code tagllm}, found through {@link java.util.ServiceLoader}
 * (META-INF/services/tagllm.cli.CliExtension): the core cannot depend on tagllm-spark, so tagllm-spark adds
 * {@code tagllm spark ...} this way when its jar is on the class path.
 */
public interface CliExtension {
    /** The subcommand's name ({@code spark}). */
    String name();

    /** A picocli command object (annotated with {@code @Command}). */
    Object command();
}
