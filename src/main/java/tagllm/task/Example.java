package tagllm.task;

import tagllm.tag.Sequence;

/**
 * One rendered data row: its sequence, the label (regression; NaN otherwise) in the data's units, the
 * reference output text (text tasks), and where the row came from.
 */
public record Example(TaskSpec task, Sequence sequence, double label, String text, String source, long line) {
    public String where() { return source + ":" + line; }
}
