package tagllm.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.testutil.ProteinCaseExperiment;
import tagllm.testutil.Shared;
import tagllm.train.Experiment;
import tagllm.train.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Tag-LLM reads a field after {@code <Protein>} upper-cased (residue letters are case-insensitive, the tokenizer is
 * not); the suite's probe built its tag-free prompt itself and read a lower-case protein as written, so on a lower-case
 * file it was fitted and scored on other tokens than Tag-LLM's. Now a lower-case file gives the suite the results of
 * the same file in upper case: the probe's λ and test predictions, bit for bit.
 */
class SuiteProteinCaseTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @Test
    void probeReadsLowerCaseProteinsAsTagLlmDoes(@TempDir Path dir) throws Exception {
        Path modelDir = Shared.model("stories260K");
        Model model = Model.load(modelDir);
        JsonNode lower = run(model, dir, ProteinCaseExperiment.write(dir, modelDir, "lower", false));
        JsonNode upper = run(model, dir, ProteinCaseExperiment.write(dir, modelDir, "upper", true));
        assertEquals(2, upper.path("test_rows").asInt(), upper.toString());
        assertEquals(upper.path("test_rows").asInt(), lower.path("test_rows").asInt());
        assertEquals(upper.path("test_predictions").path("tag_llm"), lower.path("test_predictions").path("tag_llm"), "Tag-LLM folds the case itself");
        assertEquals(upper.path("probe").path("lambda"), lower.path("probe").path("lambda"), "the probe's λ");
        assertEquals(upper.path("test_predictions").path("probe"), lower.path("test_predictions").path("probe"), "the probe's test predictions");
    }

    /** The suite's results.json entry for task t. */
    private static JsonNode run(Model model, Path dir, Path yaml) throws Exception {
        Path out = dir.resolve(yaml.getFileName() + ".out");
        new SuiteRunner(model, Progress.silent()).run(Experiment.load(yaml), List.of(1L), out, false);
        JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
        assertEquals(1, results.size());
        return results.get(0);
    }
}
