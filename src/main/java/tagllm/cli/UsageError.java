package tagllm.cli;

/**
 * A command line that cannot run as given (an option's value out of range, options that do not go together), found
 * after picocli parsed it: exits 2 with the command's usage, as picocli's own parse errors do. Errors in the data or
 * files a command reads stay plain exceptions (exit 1), so a script can tell a wrong call from bad input.
 */
final class UsageError extends IllegalArgumentException {
    UsageError(String message) { super(message); }

    /**
     * An option's value checked by code outside the command line (the compare package, the data layer), which throws
     * plain IllegalArgumentExceptions because it also reads files: the same message, as a usage error.
     */
    static <T> T ifRefused(java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (UsageError e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }
}
