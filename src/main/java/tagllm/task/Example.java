package tagllm.task;

import tagllm.tag.Sequence;

/**
 * One rendered data row: its sequence, the label (regression: in the data's units; binary and multi-class
 * classification: the class index; NaN otherwise), the reference output text (text tasks), where the row came
 * from, and for multi-label tasks one 0/1 target per label column (NaN where the row has no label).
 */
public record Example(TaskSpec task, Sequence sequence, double label, String text, String source, long line, double[] targets)
        implements java.io.Serializable {
    public Example(TaskSpec task, Sequence sequence, double label, String text, String source, long line) {
        this(task, sequence, label, text, source, line, null);
    }

    public String where() { return source + ":" + line; }
}
