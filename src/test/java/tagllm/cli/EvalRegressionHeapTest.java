package tagllm.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.Shared;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * eval of a regression task kept the rendered prompt of every scored row (~1.8 KB each for QED on stories260K) until
 * all were predicted, so 1,000,000 rows ran out of a 256 MB heap; it now keeps each row's label and renders and
 * predicts the rows a chunk at a time. Run in a child JVM whose heap holds the split's rows (eval reads them whole)
 * but not their prompts as well. Slow (it predicts every row), so tagged: ./test.sh -Pslow runs it.
 */
@Tag("slow")
class EvalRegressionHeapTest {
    @TempDir
    Path dir;

    private static final int ROWS = Integer.getInteger("tagllm.evalHeapRows", 40_000);
    private static final String HEAP = System.getProperty("tagllm.evalHeap", "-Xmx56m");

    @Test
    void aRegressionEvalOfManyRowsFitsASmallHeap() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet s = tagllm.testutil.QedTags.of(m, true);
        Path tags = dir.resolve("qed.tags.safetensors");
        TagFile.write(s, tags);
        // each row's label is the molecule's prediction (TagPredictor.predict, one at a time, in this JVM): eval must
        // pair every prediction with its own row's label across its chunks, so the MSE is 0 only if none is shifted
        String[] mols = {"CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC", "O=C(O)c1ccccc1"};
        double[] own = new double[mols.length];
        var predictor = tagllm.task.TagPredictor.open(m, List.of(tags));
        for (int k = 0; k < mols.length; k++) own[k] = predictor.predict("QED", java.util.Map.of("smiles", mols[k]));
        assertTrue(java.util.Arrays.stream(own).distinct().count() == mols.length, java.util.Arrays.toString(own));
        Path in = dir.resolve("mols.csv");
        try (BufferedWriter w2 = Files.newBufferedWriter(in, StandardCharsets.UTF_8)) {
            w2.write("smiles,qed\n");
            // 7 is prime to the molecules' 5 and to the chunk of 4,096: rows of a chunk are not a repeating block
            for (int i = 0; i < ROWS; i++) {
                int k = (i * 7 + i / 13) % mols.length;
                w2.write(mols[k] + "," + own[k] + "\n");
            }
        }
        var json = EvalInSmallHeap.run(dir, HEAP, tags, "QED", in);
        String stdout = json.toString();
        assertEquals(ROWS, json.get("n").asInt(), stdout);
        assertEquals(0.0, json.get("mse").asDouble(), 1e-12, stdout);
    }
}
