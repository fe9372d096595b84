package tagllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.Shared;
import tagllm.tokenizer.TokenizerIdentity;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * tagllm serve (PredictorService.loadSets, what ServeCommand calls before it listens) refuses at start a tag file
 * trained with another tokenizer than the model's (same weights, so the same fingerprint), naming the file, as
 * TagPredictor.open does (TagFileTokenizerTest); a set after a good one is checked too.
 */
class ServeTagsOfAnotherTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aTagSetOfAnotherTokenizerIsRefusedAtStartNamingTheFile(@TempDir Path dir) throws Exception {
        Path base = Shared.model("stories260K");
        TokenizerIdentity trained = TokenizerIdentity.of(base);
        Path good = ServeFixture.qedTags(dir.resolve("good.tags.safetensors"), 0);
        Path recorded = ServeFixture.qedTags(dir.resolve("recorded.tags.safetensors"), 0);
        TagSet set = TagFile.read(recorded);
        set.bindTokenizer(trained); // as training records it
        TagFile.write(set, recorded);

        // the same weights with two merges swapped (as TagFileTokenizerTest edits it)
        Path model = dir.resolve("stories260K");
        Files.createDirectories(model);
        try (var files = Files.list(base)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, model.resolve(f.getFileName()));
        }
        ObjectNode tok = (ObjectNode) JSON.readTree(model.resolve("tokenizer.json").toFile());
        ArrayNode merges = (ArrayNode) tok.path("model").path("merges");
        JsonNode first = merges.get(0);
        merges.set(0, merges.get(1));
        merges.set(1, first);
        model.resolve("tokenizer.json").toFile().setWritable(true);
        Files.writeString(model.resolve("tokenizer.json"), JSON.writeValueAsString(tok));
        Model edited = Model.load(model.toString());
        String editedId = TokenizerIdentity.of(model).sha256();
        assertNotEquals(trained.sha256(), editedId);

        List<TagSetFiles> sets = List.of(new TagSetFiles("good", List.of(good)), new TagSetFiles("recorded", List.of(recorded)));
        var e = assertThrows(IllegalArgumentException.class, () -> PredictorService.loadSets(edited, sets, Duration.ofSeconds(60)));
        assertEquals(recorded + " was trained with a tokenizer of identity " + trained.sha256() + " but the loaded model stories260K"
                + " has tokenizer identity " + editedId + " (tokenizer.json sections that differ: model): tags only work with the"
                + " tokenizer they were trained with", e.getMessage());

        // the model it was trained with serves it
        try (PredictorService s = PredictorService.loadSets(ServeFixture.model(), sets, Duration.ofSeconds(60))) {
            assertNotNull(s.predictor("recorded"));
        }
    }
}
