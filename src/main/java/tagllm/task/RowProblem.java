package tagllm.task;

/** A data row that cannot become an example (missing column, not a number, too long); skipped or fatal. */
public final class RowProblem extends IllegalArgumentException {
    public RowProblem(String message) { super(message); }
}
