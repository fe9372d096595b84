package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.task.DatasetRows;
import tagllm.tensor.Matrix;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * function_init: prompt on stories260K: the new function tag starts as the embeddings of the template
 * tokens written right before it (lr 1e-30 keeps the tags where they started: Adam's step of about lr is far below a
 * float's rounding of values near 0.01; lr 0 is refused); the domain tag keeps the
 * paper's init, and a function tag with no text before it falls back to the paper's init too.
 */
class FunctionInitRunTest {
    @Test
    void promptInitCopiesTheTokensBeforeTheFunctionTag(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 3
                function_init: prompt
                defaults: {lr: 1.0e-30, batch_size: 2, grad_accum: 1, max_steps: 1, eval_every: 1}
                tasks:
                  qed: {preset: QED, template: "Drug <SMILES> {smiles}. The binding affinity is <QED> {label}", label: measured_log_solubility, data: {path: %s, max_train: 4, max_eval: 4}}
                  bare: {preset: QED, template: "<SMILES> {smiles}<Descriptor> {label}", data: {path: %s, max_train: 4}}
                stages:
                  - {name: s2, stage: 2, tasks: [qed]}
                  - {name: s2b, stage: 2, tasks: [bare]}
                """.formatted(model, Shared.data("smiles/esol.csv"), Shared.data("smiles/esol.csv")));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        Model m = Model.load(model);
        new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(), new DatasetRows(false)::load,
                Progress.silent(), false).run(exp, false, false);
        TagSet tags = TagFile.read(exp.output().resolve("s2b.tags.safetensors"));
        // a stage with one function tag scores it on its own (early stopping per tag)
        assertTrue(Files.readString(exp.output().resolve("metrics.jsonl")).contains("\"valid_by_tag\":{\"<QED>\":"), "per-tag validation score logged");
        Matrix embed = m.weights().embedTokens();
        int d = embed.cols();

        int[] ids = new TokenizerEncoder(m.tokenizer()).encodePart("The binding affinity is");
        assertTrue(ids.length >= 3, "the phrase is several tokens");
        Tag qed = tags.get("<QED>");
        float[] row = new float[d];
        for (int j = 0; j < 3; j++) {
            embed.row(ids[ids.length - 3 + j], row, 0);
            assertArrayEquals(row, java.util.Arrays.copyOfRange(qed.values(), j * d, (j + 1) * d), "slot " + j);
        }
        float[] paper = TagInit.initialVector(embed);
        float[] smiles = tags.get("<SMILES>").values(), bare = tags.get("<Descriptor>").values();
        for (int j = 0; j < 3; j++) {
            assertArrayEquals(paper, java.util.Arrays.copyOfRange(smiles, j * d, (j + 1) * d), 1e-6f, "domain tags keep the paper's init");
            assertArrayEquals(paper, java.util.Arrays.copyOfRange(bare, j * d, (j + 1) * d), 1e-6f, "no text before the tag: the paper's init");
        }
    }
}
