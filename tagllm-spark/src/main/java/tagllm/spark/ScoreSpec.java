package tagllm.spark;

import tagllm.model.ComputePrecision;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Everything an executor needs to score a partition, shipped with the task: the model id (each node loads it
 * from its own folder or Hugging Face cache), the tag files' bytes (so they need not be on every node), the task
 * and how the input columns feed its placeholders.
 */
record ScoreSpec(String model, ComputePrecision precision, List<byte[]> tagFiles, List<String> tagNames, String task,
                 Map<String, String> columns, List<String> inputCols, int batchRows, int maxTokens) implements Serializable {}
