package tagllm.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import tagllm.model.ComputePrecision;
import tagllm.model.ModelConfig;
import tagllm.model.RandomWeights;
import tagllm.model.Transformer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * spark score keeps the rows the model itself fails on ("batch failed: ...") and finishes the job, but a scheduler
 * sees only the exit code: it exited 0 with every row failed. Now it exits 1 when more rows than
 * --max-model-failures (0) failed in the model, keeping the output.
 */
class ScoreModelFailureExitTest {
    @TempDir
    Path dir;

    /** An engine of stories260K's width and a 40-token vocabulary: the prompts' token ids have no embedding row. */
    private static Transformer failingEngine() throws Exception {
        ModelConfig c = ModelConfig.fromJson(new ObjectMapper().readTree("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 172,
                 "num_hidden_layers": 1, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 8,
                 "vocab_size": 40, "max_position_embeddings": 512, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                 "tie_word_embeddings": true}"""), "test config");
        return new Transformer(RandomWeights.of(c, 3, false));
    }

    @Test
    void everyRowFailedInTheModelExitsOneAndAThresholdAllowsThem() throws Exception {
        // a copy of the model folder: its engine is replaced in this JVM (local mode runs the tasks here), no other test's
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        try (var files = Files.list(Path.of(Fixtures.model()))) {
            for (Path f : files.toList()) if (Files.isRegularFile(f)) Files.copy(f, model.resolve(f.getFileName()));
        }
        Path tags = Fixtures.qedTags(dir);
        List<String> smiles = Fixtures.smiles(3);
        StringBuilder csv = new StringBuilder("id,smiles\n");
        for (int i = 0; i < smiles.size(); i++) csv.append(i).append(",\"").append(smiles.get(i)).append("\"\n");
        csv.append("3,C C\n"); // an input refused before the model: the data's, not counted
        Path in = Files.writeString(dir.resolve("mols.csv"), csv);
        Path out = dir.resolve("out.parquet");
        ExecutorModels.useEngine(model.toString(), ComputePrecision.F32, failingEngine());
        try {
            SparkCliTest.Run r = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--model", model.toString(), "--tags", tags.toString(),
                    "--task", "QED", "--input", in.toString(), "--output", out.toString());
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains("error: " + out + ": the model failed on 3 rows ('batch failed: ...' or 'generation failed: ...' "
                    + "in the 'prediction_error' column), more than --max-model-failures 0"), r.err());
            // kept: every row, the model's failures with their reason
            SparkSession spark = Sessions.start("local[1]", "read back", Map.of());
            try {
                List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
                assertEquals(4, rows.size());
                long failed = rows.stream().filter(x -> x.getString(x.fieldIndex("prediction_error")).startsWith("batch failed: ")).count();
                assertEquals(3, failed);
                // what failed in words, as predict's stop message gives it (the engine's message, the exception's
                // class only when it has none): was "batch failed: java.lang.IllegalArgumentException: token id ..."
                for (Row x : rows) {
                    String error = x.getString(x.fieldIndex("prediction_error"));
                    if (error.startsWith("batch failed: ")) {
                        assertTrue(error.matches("batch failed: token id \\d+ is outside the vocabulary \\[0, 40\\)"), error);
                    }
                }
            } finally {
                spark.stop();
            }

            SparkCliTest.Run allowed = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--model", model.toString(), "--tags", tags.toString(),
                    "--task", "QED", "--input", in.toString(), "--output", out.toString(), "--force", "--max-model-failures", "3");
            assertEquals(0, allowed.exit(), allowed.err());
            assertTrue(allowed.err().contains("wrote 4 rows (4 with an error"), allowed.err());
        } finally {
            ExecutorModels.useEngine(model.toString(), ComputePrecision.F32, null);
        }
    }
}
