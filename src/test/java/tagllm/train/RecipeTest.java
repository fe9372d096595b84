package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.HeadInit;
import tagllm.tag.FunctionInit;
import tagllm.tag.TagKind;
import tagllm.config.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** recipe: paper | robust sets defaults that the file's own keys still override; tag_length per kind. */
class RecipeTest {
    private static Experiment load(Path dir, String head) throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, head + """
                tasks:
                  smiles: {preset: SMILES, data: s.csv}
                  qed: {preset: QED, data: s.csv}
                  desc: {preset: Descriptor, data: s.csv, head: {bias: false}}
                  bbbp: {preset: BBBP, data: s.csv}
                stages:
                  - {name: a, stage: 1, tasks: [smiles]}
                  - {name: b, stage: 2, tasks: [qed, desc]}
                  - {name: c, stage: 2, tasks: [qed], enrich: false, lr: 0.02}
                """);
        return Experiment.load(f);
    }

    @Test
    void paperIsTheDefault(@TempDir Path dir) throws Exception {
        Experiment e = load(dir, "model: m\n");
        assertEquals(10, e.tagLength(TagKind.DOMAIN));
        assertEquals(10, e.tagLength(TagKind.FUNCTION));
        assertEquals(FunctionInit.MEAN, e.functionInit());
        assertFalse(e.tasks().get("qed").head().bias());
        assertEquals(HeadInit.EMBEDDING, e.tasks().get("qed").head().init());
        assertEquals(tagllm.task.Presets.get("BBBP", "test").head(), e.tasks().get("bbbp").head(), "paper: the preset's head");
        assertEquals(1e-4, e.stages().get(1).hyper().lr());
        assertEquals(4, e.stages().get(1).hyper().batchSize());
        assertEquals(8, e.stages().get(1).hyper().gradAccum());
        assertFalse(e.stages().get(1).enrich());
    }

    @Test
    void robustSetsItsDefaultsPerStageAndTheFileStillWins(@TempDir Path dir) throws Exception {
        Experiment e = load(dir, "model: m\nrecipe: robust\ndefaults: {warmup_ratio: 0.1}\n");
        assertEquals(4, e.tagLength(TagKind.FUNCTION));
        assertEquals(FunctionInit.PROMPT, e.functionInit());
        var qed = e.tasks().get("qed").head();
        assertTrue(qed.bias() && qed.standardize());
        assertEquals(HeadInit.RIDGE, qed.init());
        // a classification head too: a bias and the logistic fit as its start (it began at the mean embedding without
        // a bias, and predicted one class for every row); standardising is for regression labels
        var bbbp = e.tasks().get("bbbp").head();
        assertTrue(bbbp.bias());
        assertFalse(bbbp.standardize());
        assertEquals(HeadInit.RIDGE, bbbp.init());
        var desc = e.tasks().get("desc").head();
        assertFalse(desc.bias(), "a task's own head: keys win");
        assertEquals(HeadInit.RIDGE, desc.init(), "the other head keys come from the preset, not the recipe, once head: is given");
        assertEquals(0.01, e.stages().get(0).hyper().lr());
        assertEquals(1.0, e.stages().get(0).hyper().headLrScale());
        assertEquals(0.005, e.stages().get(1).hyper().lr());
        assertEquals(0.1, e.stages().get(1).hyper().headLrScale());
        assertEquals(100, e.stages().get(1).hyper().evalEvery());
        assertEquals(8, e.stages().get(1).hyper().batchSize());
        assertEquals(1, e.stages().get(1).hyper().gradAccum());
        assertEquals(0.1, e.stages().get(1).hyper().warmupRatio(), "defaults: overrides the recipe");
        assertTrue(e.stages().get(1).enrich());
        assertFalse(e.stages().get(2).enrich(), "the stage's own enrich: wins");
        assertEquals(0.02, e.stages().get(2).hyper().lr());
    }

    @Test
    void tagLengthPerKind(@TempDir Path dir) throws Exception {
        Experiment e = load(dir, "model: m\ntag_length: {domain: 3, function: 7}\n");
        assertEquals(3, e.tagLength(TagKind.DOMAIN));
        assertEquals(7, e.tagLength(TagKind.FUNCTION));
        ConfigException bad = assertThrows(ConfigException.class, () -> load(dir, "model: m\ntag_length: {domain: 0}\n"));
        assertTrue(bad.getMessage().contains("tag_length.domain"), bad.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> load(dir, "model: m\nrecipe: fast\n"));
        assertTrue(unknown.getMessage().contains("recipe") && unknown.getMessage().contains("paper or robust"), unknown.getMessage());
    }
}
