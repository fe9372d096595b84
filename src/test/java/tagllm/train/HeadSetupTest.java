package tagllm.train;

import org.junit.jupiter.api.Test;
import tagllm.data.Row;
import tagllm.tag.TagInit;
import tagllm.tag.TagSet;
import tagllm.config.ConfigNode;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.Presets;
import tagllm.task.TaskSpec;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** New heads: DC trains on CSS × 0.1 as the code does but predicts CSS; standardisation uses the training labels. */
class HeadSetupTest {
    private static List<Example> dcExamples(TaskSpec dc, TagSet tags) {
        ExampleRenderer r = new ExampleRenderer(dc, tags, TinyRun.enc(), 512);
        return List.of(
                r.example(Row.of("d", 2, Map.of("drug1", "A", "drug2", "B", "smiles1", "CCO", "smiles2", "CCN", "score", "20"))),
                r.example(Row.of("d", 3, Map.of("drug1", "A", "drug2", "C", "smiles1", "CCO", "smiles2", "CCC", "score", "30"))));
    }

    private static TagSet tags(TaskSpec t) {
        TagSet s = TinyRun.emptyTags();
        for (String n : t.parsedTemplate().tagNames()) s.put(TagInit.newTag(n, t.kindOf(n), 2, TinyRun.model().weights().embedTokens()));
        return s;
    }

    @Test
    void dcLabelScaleIsTheHeadsFixedScale() {
        TaskSpec dc = Presets.get("DC", "test");
        TagSet s = tags(dc);
        List<Example> ex = dcExamples(dc, s);
        assertEquals(20.0, ex.get(0).label(), "labels stay in the data's units");
        RegressionHeads.create(s, dc, ex, new EmbeddingStatistics(TinyRun.model()));
        var head = s.head("DC");
        assertEquals(10.0, head.scale()[0], 1e-12);
        assertEquals(0.0, head.shift()[0]);
        assertEquals(2.0, head.toHeadSpace(0, 20.0), 1e-12, "the training target is CSS × 0.1");
        assertNull(head.bias(), "the paper's head has no bias");
        assertArrayEquals(TagInit.meanEmbedding(TinyRun.model().weights().embedTokens()), head.weight(), "the code's init: the mean embedding");
    }

    @Test
    void standardisedZeroInitHead() {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("preset", "DC");
        node.putObject("head").put("standardize", true).put("bias", true).put("init", "zero");
        TaskSpec dc = TaskSpec.fromConfig("dc", new ConfigNode(node, "dc"), Map.of());
        TagSet s = tags(dc);
        RegressionHeads.create(s, dc, dcExamples(dc, s), new EmbeddingStatistics(TinyRun.model()));
        var head = s.head("DC");
        assertEquals(25.0, head.shift()[0], 1e-12);
        assertEquals(5.0, head.scale()[0], 1e-12);
        for (float w : head.weight()) assertEquals(0f, w);
        assertEquals(25.0, head.predict(new float[64], 0)[0], 1e-12, "a zero head predicts the training mean");
    }
}
