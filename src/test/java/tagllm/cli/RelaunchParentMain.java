package tagllm.cli;

/** A parent JVM for {@link RelaunchTest}: supervises the command given as arguments the way Relaunch runs the CLI. */
public final class RelaunchParentMain {
    private RelaunchParentMain() {}

    public static void main(String[] args) {
        System.exit(Relaunch.supervise(new ProcessBuilder(args).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.PIPE)));
    }
}
