package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.Row;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.task.DatasetRows;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TagPredictor;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The paper's "without function tags" ablation: a regression template with domain tags but no function tag is
 * accepted, its head reads the last input position right before the label text (the official code's -2), and the
 * stage trains that head alone (stored under &lt;TASK.head&gt;), leaving the domain tag as it was.
 */
class NoFunctionTagTest {
    @Test
    void headReadsTheLastInputAndTrainsAlone(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                defaults: {lr: 0.01, batch_size: 2, grad_accum: 1, max_steps: 3}
                tasks:
                  smiles: {preset: SMILES, max_length: 48, data: {path: %s, max_train: 8}}
                  qed: {preset: QED, template: "Molecule <SMILES> {smiles} has QED {label}", data: {path: %s, max_train: 8}}
                stages:
                  - {name: s1, stage: 1, tasks: [smiles]}
                  - {name: s2, stage: 2, tasks: [qed]}
                """.formatted(model, Shared.data("smiles/esol.csv"), Shared.data("smiles/esol.csv")));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        assertEquals("<qed.head>", exp.tasks().get("qed").headKey());
        Model m = Model.load(model);
        Transformer t = new Transformer(m.weights());
        new ExperimentRunner(t, m.tokenizer(), m.name(), m.fingerprint(), new DatasetRows(false)::load, Progress.silent(), false)
                .run(exp, false, false);
        TagSet s1 = TagFile.read(exp.output().resolve("s1.tags.safetensors")), s2 = TagFile.read(exp.output().resolve("s2.tags.safetensors"));
        assertNotNull(s2.head("<qed.head>"), "the head is stored under the task's head key");
        assertArrayEquals(s1.get("SMILES").values(), s2.get("SMILES").values(), "stage 2 keeps the domain tag frozen");
        assertFalse(Arrays.equals(s2.head("<qed.head>").weight(), TagSetHeads.meanInit(t)), "the head trained");

        // the head reads the token right before the label text: "... has QED" ends the prompt
        ExampleRenderer r = new ExampleRenderer(exp.tasks().get("qed"), s2, new tagllm.tag.TokenizerEncoder(m.tokenizer()), 512);
        Example e = r.example(Row.of("x", 2, Map.of("smiles", "CCO", "qed", "0.5")));
        Example prompt = r.prompt(Row.of("x", 2, Map.of("smiles", "CCO")));
        assertEquals(e.sequence().length() - 1, e.sequence().readPosition(), "the sequence is cut right after the read position");
        assertEquals(prompt.sequence().length() - 1, prompt.sequence().readPosition());
        assertEquals(e.sequence().toString(), prompt.sequence().toString(), "training and prediction read the same position");
        String text = m.tokenizer().decode(e.sequence().tokenIds(), true);
        assertTrue(text.endsWith("has QED"), "the read position is the last token of \"has QED\": " + text);
        assertFalse(e.sequence().isTag(e.sequence().readPosition()));
        double p = new TagPredictor(t, m.tokenizer(), s2, id -> false).predict("qed", Map.of("smiles", "CCO"));
        assertTrue(Double.isFinite(p));
    }

    /** The paper's head init, for checking that training moved the head. */
    private static final class TagSetHeads {
        static float[] meanInit(Transformer t) { return tagllm.tag.TagInit.meanEmbedding(t.weights().embedTokens()); }
    }
}
