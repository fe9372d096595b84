package tagllm.task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.Row;
import tagllm.eval.ClassificationMetrics;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ClassificationTally (public, in the Java API) gave its metrics once: it kept the labels in an IntStream.Builder,
 * which builds once, so a second metrics() (or an add() after the first) threw IllegalStateException
 * where TextTally and LanguageModelLoss answer again, their running sums untouched. Its metrics are
 * checked against Evaluator.classification over the same examples at once.
 */
class ClassificationTallyTest {
    @Test
    void metricsCanBeAskedAgainAndAfterMoreRows(@TempDir Path dir) throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet s = tagllm.testutil.BbbpTags.of(m);
        Path tags = dir.resolve("bbbp.tags.safetensors");
        TagFile.write(s, tags);
        String[] smiles = {"CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC", "O=C(O)c1ccccc1", "c1ccc2ccccc2c1"};
        StringBuilder csv = new StringBuilder("smiles,p_np\n");
        for (int i = 0; i < smiles.length; i++) csv.append(smiles[i]).append(',').append(i % 2).append('\n');
        Path data = Files.writeString(dir.resolve("mols.csv"), csv);

        TagPredictor p = TagPredictor.open(m, List.of(tags));
        TaskSpec task = p.task("BBBP");
        ExampleRenderer r = p.renderer(task);
        List<Example> all = new ArrayList<>();
        for (Row row : DatasetRows.all(data, null, true)) all.add(r.example(row));
        List<Example> first = all.subList(0, 4);

        ClassificationTally t = new ClassificationTally(p, task);
        t.add(first);
        ClassificationMetrics once = t.metrics();
        assertSame(Evaluator.classification(p, task, first).metrics(), once);
        assertSame(once, t.metrics());
        t.add(all.subList(4, all.size()));
        assertSame(Evaluator.classification(p, task, all).metrics(), t.metrics());
    }

    private static void assertSame(ClassificationMetrics want, ClassificationMetrics got) {
        assertEquals(want.n(), got.n());
        assertEquals(want.auroc(), got.auroc());
        assertEquals(want.accuracy(), got.accuracy());
        assertEquals(want.logLoss(), got.logLoss());
        assertEquals(want.ece(), got.ece());
    }
}
