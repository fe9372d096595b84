package tagllm.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.tag.Sequence;
import tagllm.task.Example;
import tagllm.testutil.ProteinCaseExperiment;
import tagllm.testutil.Shared;
import tagllm.train.Experiment;
import tagllm.train.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Tag-LLM's renderer upper-cases a field after {@code <Protein>} (residue letters are case-insensitive, the tokenizer
 * is not); compare's tag-free prompt has no {@code <Protein>} left, and read a lower-case protein as written: the
 * probe, prompt tuning and LoRA saw other tokens than Tag-LLM on the same rows. Now a lower-case file gives every
 * method the tokens of the same file in upper case.
 */
class TagFreeProteinCaseTest {
    @Test
    void baselinesReadLowerCaseProteinsAsTagLlmDoes(@TempDir Path dir) throws Exception {
        Path modelDir = Shared.model("stories260K");
        Model model = Model.load(modelDir);
        List<List<int[]>> lower = tokens(model, ProteinCaseExperiment.write(dir, modelDir, "lower", false));
        List<List<int[]>> upper = tokens(model, ProteinCaseExperiment.write(dir, modelDir, "upper", true));
        assertEquals(3, lower.size());
        for (int split = 0; split < 3; split++) {
            assertFalse(upper.get(split).isEmpty(), "split " + split + " has rows");
            assertEquals(upper.get(split).size(), lower.get(split).size(), "split " + split + ": the same rows");
            for (int i = 0; i < upper.get(split).size(); i++) {
                assertArrayEquals(upper.get(split).get(i), lower.get(split).get(i), "split " + split + ", row " + i + ": the same tokens");
            }
        }
    }

    /** The token ids of the tag-free train, valid and test prompts compare renders for the experiment. */
    private static List<List<int[]>> tokens(Model model, Path yaml) throws Exception {
        CompareRunner.FreeSplits s = new CompareRunner(model, Progress.silent()).renderFree(Experiment.load(yaml), "t");
        List<List<int[]>> out = new ArrayList<>();
        for (List<Example> split : List.of(s.train(), s.valid(), s.test())) {
            List<int[]> ids = new ArrayList<>();
            for (Example e : split) {
                Sequence q = e.sequence();
                int[] t = new int[q.length()];
                for (int i = 0; i < t.length; i++) t[i] = q.tokenId(i);
                ids.add(t);
            }
            out.add(ids);
        }
        return out;
    }
}
