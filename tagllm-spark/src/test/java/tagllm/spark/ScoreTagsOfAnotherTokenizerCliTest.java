package tagllm.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.ModelCopies;
import tagllm.tokenizer.TokenizerIdentity;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A tag file trained with another tokenizer (same weights, so the same model fingerprint) is refused by spark score on
 * the driver, before any job, with predict's exit code and message. The driver checked only the fingerprint, so the
 * executors refused it after the job had started: exit 1 with the reason inside Spark's "Job aborted" trace.
 */
class ScoreTagsOfAnotherTokenizerCliTest {

    @TempDir
    Path dir;

    @Test
    void tagsOfAnotherTokenizerAreRefusedBeforeTheJobInPredictsWords() throws Exception {
        // QED tags recording stories260K's tokenizer, as training records it
        Path tags = Fixtures.qedTags(dir);
        TagSet set = TagFile.read(tags);
        set.bindTokenizer(TokenizerIdentity.of(Path.of(Fixtures.model())));
        TagFile.write(set, tags);

        // a copy of the model with two merges swapped: the same weights, another tokenizer (as TagFileTokenizerTest edits it)
        Path model = ModelCopies.swapFirstTwoMerges(ModelCopies.copy(Path.of(Fixtures.model()), dir.resolve("stories260K")));

        Path in = Files.writeString(dir.resolve("in.csv"), "smiles\nCCO\n");
        SparkCliTest.Run p = SparkCliTest.tagllm("predict", "--model", model.toString(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", dir.resolve("pred.csv").toString());
        assertEquals(1, p.exit(), p.err());
        String reason = tags + " was trained with a tokenizer of identity " + TokenizerIdentity.of(Path.of(Fixtures.model())).sha256()
                + " but the loaded model stories260K has tokenizer identity " + TokenizerIdentity.of(model).sha256()
                + " (tokenizer.json sections that differ: model): tags only work with the tokenizer they were trained with";
        assertTrue(p.err().contains(reason), p.err());

        Path out = dir.resolve("out.parquet");
        SparkCliTest.Run s = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--model", model.toString(), "--tags", tags.toString(),
                "--task", "QED", "--input", in.toString(), "--output", out.toString());
        assertEquals(p.exit(), s.exit(), s.err());
        assertTrue(s.err().contains(reason), s.err());
        assertFalse(s.err().contains("Job aborted") || s.err().contains("\tat "), "refused before the job, no Spark trace: " + s.err());
        assertFalse(Files.exists(out), "no output");
    }
}
