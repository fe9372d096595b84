package tagllm.task;

import java.util.function.Function;

/** One data row as tasks see it: column → text (null when the row has no such column), and its origin. */
public record DataRow(Function<String, String> values, String source, long line) {}
