package tagllm.spark;

import tagllm.model.ComputePrecision;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Everything an executor needs to score a partition, shipped with the task: the model id (each node loads it
 * from its own folder or Hugging Face cache), the tag files' bytes (so they need not be on every node), the task,
 * the placeholders read from other columns than the task's (placeholder → column, as predict's --column), the
 * data columns the prompt then reads, and the column saying why a row could not be read (null when there is none).
 */
record ScoreSpec(String model, ComputePrecision precision, List<byte[]> tagFiles, List<String> tagNames, String task,
                 Map<String, String> columns, List<String> inputCols, int batchRows, int maxTokens, String readErrorCol) implements Serializable {}
