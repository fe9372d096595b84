package tagllm.cli;

/**
 * A command line that cannot run as given (an option's value out of range, options that do not go together), found
 * after picocli parsed it: exits 2 with the command's usage, as picocli's own parse errors do. Errors in the data or
 * files a command reads stay plain exceptions (exit 1), so a script can tell a wrong call from bad input.
 */
final class UsageError extends IllegalArgumentException {
    UsageError(String message) { super(message); }
}
