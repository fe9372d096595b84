package tagllm.data;

/**
 * Where a row came from: its file (as the user named it) and 1-based line. Line 0 means the file as a whole.
 * Prints as {@code file:line}, the prefix of every data error message.
 */
public record Origin(String source, long line) {
    @Override
    public String toString() {
        return line > 0 ? source + ":" + line : source;
    }
}
