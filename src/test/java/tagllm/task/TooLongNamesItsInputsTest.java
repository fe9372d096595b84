package tagllm.task;

import org.junit.jupiter.api.Test;
import tagllm.data.DatasetException;
import tagllm.data.Row;
import tagllm.model.Model;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.testutil.Shared;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A binding-affinity prompt (a protein and a SMILES) too long for the context was refused with "too long: N
 * positions, the limit is 512 (the model's context)", which does not say whether the protein or the drug made it
 * so. The message now gives each input column's positions against the room the rest of the prompt leaves them.
 */
class TooLongNamesItsInputsTest {
    @Test
    void aTwoInputPromptTooLongSaysWhatEachInputTakes() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        tags.put(TagInit.newTag("<Protein>", TagKind.DOMAIN, 2, m.weights().embedTokens()));
        tags.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, m.weights().embedTokens()));
        tags.put(TagInit.newTag("<BA>", TagKind.FUNCTION, 2, m.weights().embedTokens()));
        TaskSpec ba = Presets.get("BA", "test");
        var encoder = new TokenizerEncoder(m.tokenizer());
        var unlimited = new ExampleRenderer(ba, tags, encoder, Integer.MAX_VALUE);
        String protein = "MKTAYIAKQR".repeat(60), smiles = "CC(=O)Oc1ccccc1C(=O)O";
        int whole = length(unlimited, protein, smiles);
        // hand-made reference: what each input adds to the prompt, and what the prompt is without either
        int proteinTakes = whole - length(unlimited, "", smiles), smilesTakes = whole - length(unlimited, protein, "");
        int rest = length(unlimited, "", "");
        assertEquals(whole, rest + proteinTakes + smilesTakes, "the two inputs and the rest make up the prompt");
        assertTrue(whole > 512 && rest + smilesTakes < 512, "the protein alone makes it too long: " + whole);

        var renderer = new ExampleRenderer(ba, tags, encoder, m.config().maxPositions());
        var e = assertThrows(DatasetException.class, () -> renderer.checkedPrompt(row(protein, smiles)));
        assertEquals("too long: " + whole + " positions, the limit is 512 (the model's context): 'protein_seq' takes " + proteinTakes
                + " positions, 'smiles' " + smilesTakes + " of the " + (512 - rest) + " the rest of the prompt leaves them", e.reason());
    }

    private static int length(ExampleRenderer r, String protein, String smiles) {
        return r.prompt(row(protein, smiles)).sequence().length();
    }

    private static Row row(String protein, String smiles) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("protein_seq", protein);
        v.put("smiles", smiles);
        return Row.of("in.csv", 2, v);
    }
}
