package tagllm.train;

import org.junit.jupiter.api.Test;
import tagllm.config.ConfigNode;
import tagllm.data.Row;
import tagllm.tag.TagInit;
import tagllm.tag.TagSet;
import tagllm.task.ExampleRenderer;
import tagllm.task.TaskSpec;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A protein written in lower case (as many FASTA files hold it) is the same protein: the check accepted it, but its
 * letters went to the tokenizer as written, so 'mkv…' was other tokens than 'MKV…' and got another prediction.
 */
class LowercaseProteinTest {
    @Test
    void aLowercaseSequenceRendersAsItsUppercaseSpelling() throws Exception {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("preset", "Solubility");
        node.putArray("classes").add("0").add("1");
        TaskSpec t = TaskSpec.fromConfig("sol", new ConfigNode(node, "sol"), Map.of());
        TagSet tags = TinyRun.emptyTags();
        for (String n : t.parsedTemplate().tagNames()) tags.put(TagInit.newTag(n, t.kindOf(n), 2, TinyRun.model().weights().embedTokens()));
        ExampleRenderer r = new ExampleRenderer(t, tags, TinyRun.enc(), 512);
        int[] upper = r.checkedPrompt(Row.of("q.fasta", 1, Map.of("sequence", "MKVLAW"))).sequence().tokenIds();
        int[] lower = r.checkedPrompt(Row.of("q.fasta", 3, Map.of("sequence", "mkvLaw"))).sequence().tokenIds();
        // the reference is the upper-case spelling's prompt; the cases must be other tokens for the test to mean anything
        int[] m = TinyRun.enc().encodePart("M"), mLower = TinyRun.enc().encodePart("m");
        assertNotEquals(m[m.length - 1], mLower[mLower.length - 1], "the tokenizer tells the cases apart");
        assertArrayEquals(upper, lower);
        // and training rows the same way
        int[] train = r.example(Row.of("q.csv", 2, Map.of("sequence", "mkvlaw", "solubility", "1"))).sequence().tokenIds();
        assertArrayEquals(upper, java.util.Arrays.copyOf(train, upper.length));
    }
}
