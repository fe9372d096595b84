package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.testutil.BbbpTags;
import tagllm.testutil.CliRun;
import tagllm.testutil.OverflowingModel;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * eval of a classification task whose class probabilities came out NaN (a model whose normed hidden state overflows)
 * failed on the metrics' own check: "row 0: probability NaN is not in [0, 1]", a position among the scored rows, not
 * the file's line, and not why. It now says what predict and serve say of such a row, how many there were and the
 * first one's file and line.
 */
class EvalNonFiniteClassTest {
    @Test
    void nanProbabilitiesAreNotScored(@TempDir Path dir) throws Exception {
        Path model = OverflowingModel.write(dir.resolve("model"));
        Path tags = dir.resolve("bbbp.tags.safetensors");
        TagFile.write(BbbpTags.of(Model.load(model)), tags);
        Path in = Files.writeString(dir.resolve("in.csv"), "smiles,p_np\nCCO,0\nc1ccccc1O,1\nCCN(CC)CC,1\n");
        CliRun r = CliRun.of("eval", "--model", model.toString(), "--tags", tags.toString(), "--task", "BBBP",
                "--input", in.toString(), "--json", "-q");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("the model gave non-finite class probabilities for 3 of 3 scored rows (the first: "
                + in + ":2: [NaN, NaN])"), "exit " + r.exit() + "\nout: " + r.out() + "\nerr: " + r.err());
        assertEquals("", r.out().strip(), "no metrics printed");
    }
}
