package tagllm.chem;

/** A row that could not be labelled, located by file and line. */
public record RowProblem(String file, long line, String message) {
    @Override
    public String toString() { return file + ": line " + line + ": " + message; }
}
