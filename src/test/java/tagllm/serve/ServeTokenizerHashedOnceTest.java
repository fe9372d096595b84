package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.tokenizer.TokenizerIdentity;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * tagllm serve with several tag sets over one model identified the model's tokenizer (reading and hashing its
 * tokenizer.json and tokenizer_config.json, megabytes for a real model) once per tag set, though every set is checked
 * against the same model. Now PredictorService.loadSets identifies it once; every set is still checked against it
 * (a set recording the tokenizer is served; one of another tokenizer is refused: ServeTagsOfAnotherTokenizerTest).
 */
class ServeTokenizerHashedOnceTest {
    @Test
    void threeTagSetsIdentifyTheTokenizerOnce(@TempDir Path dir) throws Exception {
        var model = ServeFixture.model();
        Path recorded = ServeFixture.qedTags(dir.resolve("recorded.tags.safetensors"), 0);
        TagSet set = TagFile.read(recorded);
        set.bindTokenizer(TokenizerIdentity.of(model.tokenizer())); // as training records it
        TagFile.write(set, recorded);
        List<TagSetFiles> sets = List.of(new TagSetFiles("a", List.of(ServeFixture.qedTags(dir.resolve("a.tags.safetensors"), 0))),
                new TagSetFiles("b", List.of(ServeFixture.qedTags(dir.resolve("b.tags.safetensors"), 0.5))),
                new TagSetFiles("recorded", List.of(recorded)));
        List<Object> identified = new ArrayList<>();
        try (PredictorService s = PredictorService.loadSets(model, sets, Duration.ofSeconds(60), tok -> {
            identified.add(tok);
            return TokenizerIdentity.of(tok);
        })) {
            assertNotNull(s.predictor("a"));
            assertNotNull(s.predictor("b"));
            assertNotNull(s.predictor("recorded"));
        }
        assertEquals(List.of(model.tokenizer()), identified, "the model's tokenizer, identified once for three tag sets");
    }
}
