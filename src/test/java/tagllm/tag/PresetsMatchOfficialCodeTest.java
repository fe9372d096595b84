package tagllm.tag;

import org.junit.jupiter.api.Test;
import tagllm.task.Presets;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The presets against the authors' released code (github.com/sjunhongshen/Tag-LLM; digest §1 "Prompt templates"):
 * the formulation strings of get_data.py / TDCdata.py with their {@code <input k>} names mapped onto our placeholders,
 * which inputs are spaced one residue per token, BOS/EOS (the collator strips both for stage-1 "Generation" text,
 * keeps both elsewhere), the domain-isolating mask (autoregressive_attn_mask: false in BA/DC/QED/Descriptor.yaml),
 * and, for DC, the collator's mask rows and the head's read position computed by the collator's own rule.
 */
class PresetsMatchOfficialCodeTest {
    private static final int P = 3;

    /** The code's formulation strings, copied from get_data.py and TDCdata.py (the paper's Table 5 agrees). */
    private static final Map<String, String> CODE = Map.of(
            "Descriptor", "# # Input: The protein sequence is <Protein> <input>. \n# # Output: The descriptor value is <Descriptor> <output>.",
            "QED", "# # Input: The SMILES of the molecule is <SMILES> <input>. \n# # Output: the quantitative estimate of druglikeness score is <QED> <output>.",
            "DC", "# # Input: Drug 1 is <input 2>. Its SMILES is <SMILES> <input 0>. \nDrug 2 is <input 3>. Its SMILES is <SMILES> <input 1>. \n# # Output: The drug combination sensitivity score is <DC> <output>.",
            "BA", "# # Input: The protein sequence is <Protein> <input 0>. \nThe SMILES of the drug is <SMILES> <input 1>. \n# # Output: The binding affinity is <BA> <output>.",
            "Translate:en-fr", "# # Input: <EN> <input> \n# # Output: <FR> <Translate> <output>",
            "Protein", "<Protein> <input>",
            "SMILES", "<SMILES> <input>",
            "DE", "<DE> <input>");

    /** Our placeholder → the code's name for the same value; ":spaced" is the code's ' '.join(seq). */
    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("{sequence:spaced}", "<input>"), Map.entry("{smiles}", "<input>"), Map.entry("{text}", "<input>"),
            Map.entry("{src}", "<input>"), Map.entry("{tgt}", "<output>"), Map.entry("{label}", "<output>"),
            Map.entry("{smiles1}", "<input 0>"), Map.entry("{smiles2}", "<input 1>"), Map.entry("{drug1}", "<input 2>"),
            Map.entry("{drug2}", "<input 3>"), Map.entry("{protein}", "<input 0>"));

    private static String asCode(String name, String template) {
        String s = template;
        for (var e : NAMES.entrySet()) {
            // BA's second input is {smiles}, which the code calls <input 1>
            String to = name.equals("BA") && e.getKey().equals("{smiles}") ? "<input 1>" : e.getValue();
            s = s.replace(e.getKey(), to);
        }
        return s;
    }

    @Test
    void templatesAreTheCodesFormulations() {
        for (var e : CODE.entrySet()) {
            TaskSpec t = Presets.get(e.getKey(), "test");
            assertEquals(e.getValue(), asCode(e.getKey(), t.template()), e.getKey());
        }
    }

    @Test
    void onlyTheProteinAndDescriptorTasksSpaceTheirInput() {
        for (String n : CODE.keySet()) {
            boolean spaced = Presets.get(n, "test").template().contains(":spaced}");
            assertEquals(n.equals("Protein") || n.equals("Descriptor"), spaced, n);
        }
    }

    @Test
    void bosEosIsolationAndLabelsAreTheCodes() {
        for (String n : List.of("Protein", "SMILES", "DE")) {
            TaskSpec t = Presets.get(n, "test");
            assertEquals(TaskType.LANGUAGE_MODEL, t.type(), n);
            assertFalse(t.bos(), n + ": tokenized_input[1:-1] drops BOS");
            assertFalse(t.eos(), n + ": ... and EOS");
            assertFalse(t.isolateDomains(), n + ": protein/smiles/language.yaml use the causal mask");
        }
        for (String n : List.of("Descriptor", "QED", "DC", "BA")) {
            TaskSpec t = Presets.get(n, "test");
            assertEquals(TaskType.REGRESSION, t.type(), n);
            assertTrue(t.bos(), n);
            assertTrue(t.isolateDomains(), n + ": autoregressive_attn_mask: false");
            assertFalse(t.head().bias(), n + ": nn.Linear(d, 1, bias=False)");
            assertFalse(t.head().standardize(), n + ": raw labels");
            assertEquals(1, t.head().outputs(), n);
            assertEquals(n.equals("DC") ? 0.1 : 1.0, t.labelScale(), n + ": TDCdata.py scales only DC's Y, by 0.1");
        }
        TaskSpec tr = Presets.get("Translate:en-fr", "test");
        assertEquals(TaskType.TEXT, tr.type());
        assertTrue(tr.bos());
        assertTrue(tr.eos(), "the collator appends EOS to a non-Generation example");
        assertFalse(tr.isolateDomains(), "translate.yaml: autoregressive_attn_mask: true");
        assertFalse(tr.lossOnOutputOnly(), "labels = the whole sequence but the tag tokens");
    }

    /**
     * DC rendered as training renders it, against the collator: each domain-tag occurrence at x blocks, for rows
     * y in [x, x + p + len(tokens of input k)), every column before x, for inputs 0 and 1 (the SMILES, not the drug
     * names); the head reads the last occurrence of the function tag's last token.
     */
    @Test
    void dcMaskRowsAndReadPositionFollowTheCollator() {
        TaskSpec t = Presets.get("DC", "test");
        Map<String, String> row = Map.of("smiles1", "CCO", "smiles2", "c1ccccc1O", "drug1", "5-FU", "drug2", "ABT-888", "label", "2.1300");
        Template.TagLookup lookup = new Template.TagLookup() {
            public TagKind kind(String name) { return t.kindOf(name); }

            public int length(String name) { return P; }
        };
        Sequence s = t.parsedTemplate().render(row::get, lookup, new FakeEncoder(),
                new Template.RenderOptions(t.bos(), t.isolateDomains(), t.outputPlaceholder(), true, t.eos()));
        // the collator's rule, from the rendered tokens: occurrences of the domain tag's first slot, paired in order
        // with inputs 0 and 1
        String[] inputs = {"CCO", "c1ccccc1O"};
        List<int[]> expected = new ArrayList<>();
        int k = 0;
        for (int x = 0; x < s.length(); x++) {
            if ("<SMILES>".equals(s.tagName(x)) && s.slot(x) == 0 && x != 0 && k < inputs.length) {
                expected.add(new int[]{x, x + P + FakeEncoder.part(inputs[k]).length});
                k++;
            }
        }
        assertEquals(2, expected.size());
        assertEquals(expected.size(), s.spans().length);
        for (int i = 0; i < expected.size(); i++) assertArrayEquals(expected.get(i), s.spans()[i], "span " + i);
        int lastSlot = -1;
        for (int i = 0; i < s.length(); i++) if ("<DC>".equals(s.tagName(i)) && s.slot(i) == P - 1) lastSlot = i;
        assertTrue(lastSlot > 0);
        assertEquals(lastSlot, s.readPosition(), "argwhere(input == last id of the function tag)[-1]");
    }
}
