package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.ModelCopies;
import tagllm.testutil.Shared;
import tagllm.tokenizer.TokenizerIdentity;

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
        Path model = ModelCopies.swapFirstTwoMerges(ModelCopies.copy(base, dir.resolve("stories260K")));
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
