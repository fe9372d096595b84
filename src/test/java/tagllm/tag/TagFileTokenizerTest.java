package tagllm.tag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.task.DatasetRows;
import tagllm.task.TagPredictor;
import tagllm.testutil.ModelCopies;
import tagllm.testutil.Shared;
import tagllm.tokenizer.TokenizerIdentity;
import tagllm.train.Experiment;
import tagllm.train.ExperimentRunner;
import tagllm.train.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The model fingerprint covers the weights, not tokenizer.json: a tag file records the tokenizer's identity too, and
 * predicting with the same weights but another tokenizer is refused; a tokenizer.json only re-saved (whitespace, key
 * order) is the same tokenizer; older files, which record none, still load.
 */
class TagFileTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A copy of stories260K's files (the copy's tokenizer.json may then be edited). */
    private static Path copyModel(Path to) throws Exception {
        return ModelCopies.copy(Shared.model("stories260K"), to);
    }

    private static Path train(Path model, Path dir) throws Exception {
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                output: %s
                tag_length: 2
                defaults: {lr: 0.01, batch_size: 2, grad_accum: 1, max_steps: 1}
                tasks:
                  smiles: {preset: SMILES, max_length: 48, data: {path: %s, max_train: 4}}
                stages:
                  - {name: s1, stage: 1, tasks: [smiles]}
                """.formatted(model, dir.resolve("run"), Shared.data("smiles/esol.csv")));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        Model m = Model.load(model);
        new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(), new DatasetRows(false)::load,
                Progress.silent(), false).run(exp, false, false);
        return exp.output().resolve("s1.tags.safetensors");
    }

    @Test
    void trainingRecordsTheTokenizerAndPredictRefusesAnEditedOne(@TempDir Path dir) throws Exception {
        Path model = copyModel(dir.resolve("model"));
        Path tags = train(model, dir);
        TokenizerIdentity trained = TokenizerIdentity.of(model.resolve("tokenizer.json"));
        assertNotNull(TagFile.read(tags).tokenizer(), "the tag file records the tokenizer");
        assertEquals(trained.sha256(), TagFile.read(tags).tokenizer().sha256());

        // one merge moved: the same weights (same fingerprint) but other token ids for some words
        ModelCopies.swapFirstTwoMerges(model);
        Model edited = Model.load(model);
        assertEquals(Model.load(Shared.model("stories260K")).fingerprint(), edited.fingerprint(), "the weights' fingerprint does not see it");
        String edit = TokenizerIdentity.of(model).sha256();
        var e = assertThrows(IllegalArgumentException.class, () -> TagPredictor.open(edited, List.of(tags)));
        assertTrue(e.getMessage().startsWith(tags.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(trained.sha256()) && e.getMessage().contains(edit), e.getMessage());
        assertTrue(e.getMessage().contains("sections that differ: model)"), e.getMessage());
    }

    @Test
    void aTokenizerReSavedWithOtherWhitespaceKeyOrderPaddingOrTruncationIsTheSame(@TempDir Path dir) throws Exception {
        Path model = copyModel(dir.resolve("model"));
        Path tags = train(model, dir);
        ObjectNode tok = (ObjectNode) reversedKeys(JSON.readTree(model.resolve("tokenizer.json").toFile()));
        // as a save_pretrained after a call with padding and truncation writes them: tagllm reads neither, nor version
        tok.set("padding", JSON.readTree("{\"strategy\": \"BatchLongest\", \"direction\": \"Right\", \"pad_id\": 0, \"pad_token\": \"<unk>\"}"));
        tok.set("truncation", JSON.readTree("{\"direction\": \"Right\", \"max_length\": 512, \"strategy\": \"LongestFirst\", \"stride\": 0}"));
        tok.put("version", "1.1");
        Files.writeString(model.resolve("tokenizer.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tok));
        assertNotEquals(Files.readString(Shared.model("stories260K").resolve("tokenizer.json")), Files.readString(model.resolve("tokenizer.json")));
        assertNotNull(TagPredictor.open(Model.load(model), List.of(tags)));
    }

    @Test
    void tagsMergeRefusesTwoTokenizers() {
        TagSet a = new TagSet("m", "fp"), b = new TagSet("m", "fp");
        a.bindTokenizer(new TokenizerIdentity("aaa", Map.of("model", "1", "normalizer", "2")));
        b.bindTokenizer(new TokenizerIdentity("bbb", Map.of("model", "1", "normalizer", "3")));
        var e = assertThrows(IllegalArgumentException.class, () -> a.merge(b, "b.tags.safetensors"));
        assertEquals("b.tags.safetensors was trained with a tokenizer of identity bbb but the tags merged before it with aaa"
                + " (tokenizer.json sections that differ: normalizer): tags of different tokenizers cannot be merged", e.getMessage());
        TagSet old = new TagSet("m", "fp"); // a file from before the tokenizer was recorded merges with either
        old.merge(a, "a");
        assertEquals("aaa", old.tokenizer().sha256());
    }

    @Test
    void anOlderTagFileWithoutTheTokenizerStillLoads() throws Exception {
        Path f = Path.of(TagFileTokenizerTest.class.getResource("/compat/written-by-04d9091.tags.safetensors").toURI());
        TagSet s = TagFile.read(f);
        assertNull(s.tokenizer());
        assertFalse(s.tags().isEmpty());
        s.requireTokenizer(new TokenizerIdentity("any", Map.of()), "m", f.toString()); // not checked: nothing recorded
    }

    private static JsonNode reversedKeys(JsonNode n) {
        if (n.isObject()) {
            List<Map.Entry<String, JsonNode>> es = new ArrayList<>(n.properties());
            Collections.reverse(es);
            ObjectNode o = JSON.createObjectNode();
            for (var e : es) o.set(e.getKey(), reversedKeys(e.getValue()));
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = JSON.createArrayNode();
            for (JsonNode v : n) a.add(reversedKeys(v));
            return a;
        }
        return n;
    }
}
