package tagllm.chem;

/** Raised in strict mode at the first row that cannot be labelled; nothing is written. */
public final class InvalidRowException extends IllegalArgumentException {
    private final RowProblem problem;

    public InvalidRowException(RowProblem problem) {
        super(problem.toString());
        this.problem = problem;
    }

    public RowProblem problem() { return problem; }
}
