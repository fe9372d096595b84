package tagllm.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import tagllm.data.Row;
import tagllm.tag.Sequence;
import tagllm.tag.TagSet;
import tagllm.tag.TextEncoder;
import tagllm.task.ExampleRenderer;
import tagllm.task.TaskSpec;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The probe, prompt tuning and LoRA read the tag-free prompt at its last input position. A template that writes the
 * label column under its own name ({sol} with label: sol, rather than {label}) once made that column an input: the
 * tag-free prompt then ended with the answer (a 3-class solubility task's probe scored AUROC 1.000 against Tag-LLM's
 * 0.680, whose prompt is cut at its function tag). Two rows that differ only in their label must give the same prompt.
 */
class TagFreePromptLabelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One id per character: enough to see what a prompt holds. */
    private static final TextEncoder CHARS = new TextEncoder() {
        public int[] encodePart(String text) { return text.chars().toArray(); }

        public int bosId() { return 1; }

        public int eosId() { return 2; }
    };

    private static TaskSpec task(String type, String labelColumn, String... classes) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", type);
        o.put("template", "The molecule <SMILES> {smiles} has solubility <Sol> {" + labelColumn + "}");
        o.putObject("tags").put("SMILES", "domain").put("Sol", "function");
        o.put("label", labelColumn);
        if (classes.length > 0) o.set("classes", JSON.valueToTree(classes));
        return TaskSpec.fromJson("sol", o, "test");
    }

    private static Sequence freePrompt(TaskSpec spec, String labelColumn, String label) {
        TaskSpec free = spec.withoutTags();
        Row row = Row.of("mols.csv", 2, Map.of("smiles", "CCO", labelColumn, label));
        return new ExampleRenderer(free, new TagSet("m", "f"), CHARS, 512).example(row).sequence();
    }

    @Test
    void aClassificationPromptWithoutTagsDoesNotHoldItsClass() {
        TaskSpec spec = task("classification", "sol", "high", "low", "mid");
        assertEquals("sol", spec.outputPlaceholder(), "the placeholder of the label column is the label text");
        assertFalse(spec.promptColumns().contains("sol"), "predict does not ask for the label: " + spec.promptColumns());
        Sequence high = freePrompt(spec, "sol", "high"), low = freePrompt(spec, "sol", "low");
        assertEquals(high.length(), low.length());
        for (int i = 0; i < high.length(); i++) assertEquals(high.tokenId(i), low.tokenId(i), "position " + i);
    }

    @Test
    void aRegressionPromptWithoutTagsDoesNotHoldItsLabel() {
        TaskSpec spec = task("regression", "logs");
        Sequence a = freePrompt(spec, "logs", "-3.25"), b = freePrompt(spec, "logs", "1.5");
        assertEquals(a.length(), b.length());
        for (int i = 0; i < a.length(); i++) assertEquals(a.tokenId(i), b.tokenId(i), "position " + i);
    }
}
