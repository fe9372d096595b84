package tagllm.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.eval.ClassificationMetrics;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.task.TagPredictor;
import tagllm.testutil.Shared;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * eval of a classification task kept the rendered prompt of every scored row until all were scored (as the regression
 * eval did before EvalRegressionHeapTest), so 40,000 BBBP rows ran out of a 56 MB heap; it now keeps each row's
 * probabilities and label and renders and scores the rows a chunk at a time. Run in a child JVM whose heap holds the
 * split's rows (eval reads them whole) but not their prompts as well. Slow (it scores every row), so tagged:
 * ./test.sh -Pslow runs it.
 */
@Tag("slow")
class EvalClassificationHeapTest {
    @TempDir
    Path dir;

    private static final int ROWS = Integer.getInteger("tagllm.evalHeapRows", 40_000);
    private static final String HEAP = System.getProperty("tagllm.evalHeap", "-Xmx56m");

    @Test
    void aClassificationEvalOfManyRowsFitsASmallHeap() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet s = tagllm.testutil.BbbpTags.of(m);
        Path tags = dir.resolve("bbbp.tags.safetensors");
        TagFile.write(s, tags);
        // the reference: each molecule classified alone in this JVM, the metrics of the rows' probabilities and labels;
        // eval must pair every row's probabilities with its own label across its chunks to get the same AUROC and log loss
        String[] mols = {"CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC", "O=C(O)c1ccccc1"};
        double[][] own = new double[mols.length][];
        var predictor = TagPredictor.open(m, List.of(tags));
        for (int k = 0; k < mols.length; k++) own[k] = predictor.classify("BBBP", Map.of("smiles", mols[k])).values().stream().mapToDouble(x -> x).toArray();
        double[][] prob = new double[ROWS][];
        int[] label = new int[ROWS];
        Path in = dir.resolve("mols.csv");
        try (BufferedWriter out = Files.newBufferedWriter(in, StandardCharsets.UTF_8)) {
            out.write("smiles,p_np\n");
            // 7 is prime to the molecules' 5 and to the chunk of 4,096; the labels alternate: a row paired with its
            // neighbour's label gives another AUROC
            for (int i = 0; i < ROWS; i++) {
                int k = (i * 7 + i / 13) % mols.length;
                prob[i] = own[k];
                label[i] = (i / 3 + k) % 2;
                out.write(mols[k] + "," + label[i] + "\n");
            }
        }
        ClassificationMetrics expected = ClassificationMetrics.compute(prob, label, List.of("0", "1"));
        var json = EvalInSmallHeap.run(dir, HEAP, tags, "BBBP", in);
        String stdout = json.toString();
        assertEquals(ROWS, json.get("n").asInt(), stdout);
        assertEquals(expected.auroc(), json.get("auroc").asDouble(), 1e-9, stdout);
        assertEquals(expected.logLoss(), json.get("log_loss").asDouble(), 1e-9, stdout);
        assertEquals(expected.accuracy(), json.get("accuracy").asDouble(), 1e-12, stdout);
    }
}
