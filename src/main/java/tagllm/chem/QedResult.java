package tagllm.chem;

/** A QED score with the properties it was computed from. */
public record QedResult(double qed, QedProperties properties) {}
