package tagllm.train;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import tagllm.model.ModelConfig;
import tagllm.model.Transformer;
import tagllm.model.Weights;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.testutil.Shared;
import tagllm.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * stories260K and a few rows of the shared data, loaded once for the training tests. The model is behind
 * accessors, not static fields of this class: where ../shared is absent, each accessor skips its test (a JUnit
 * assumption), whereas a failed assumption inside a static initializer is an error in every test that touches it.
 */
final class TinyRun {
    /** Loaded on first use, which the accessors only allow once the model folder is known to exist. */
    private static final class Loaded {
        static final Path DIR = Shared.model("stories260K");
        static final Transformer MODEL;
        static final Tokenizer TOKENIZER;
        static final TokenizerEncoder ENC;

        static {
            try {
                MODEL = new Transformer(Weights.load(ModelConfig.load(DIR.resolve("config.json")), DIR));
                TOKENIZER = Tokenizer.load(DIR);
                ENC = new TokenizerEncoder(TOKENIZER);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** The model folder; skips the calling test where ../shared is absent. */
    static Path dir() { return Shared.model("stories260K"); }

    static Transformer model() {
        dir();
        return Loaded.MODEL;
    }

    static Tokenizer tokenizer() {
        dir();
        return Loaded.TOKENIZER;
    }

    static TokenizerEncoder enc() {
        dir();
        return Loaded.ENC;
    }

    private TinyRun() {}

    static TagSet emptyTags() { return new TagSet("stories260K", "test"); }

    /** The first n rows of a split of a shared CSV, as column maps (test-side reading only). */
    static List<Map<String, String>> csv(String relative, String split, int n) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(Shared.data(relative))) {
            for (CSVRecord rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
                if (!rec.get("split").equals(split)) continue;
                out.add(rec.toMap());
                if (out.size() >= n) break;
            }
        }
        return out;
    }

    /** ⟨SMILES⟩ and ⟨QED⟩ of 2 vectors at the paper's start, and ⟨QED⟩'s head at the mean embedding, with a bias. */
    static TagSet qedTags() {
        TagSet tags = emptyTags();
        float[] init = tagllm.tag.TagInit.initialVector(model().weights().embedTokens());
        tags.put(tagllm.tag.TagInit.newTag("<SMILES>", tagllm.tag.TagKind.DOMAIN, 2, init));
        tags.put(tagllm.tag.TagInit.newTag("<QED>", tagllm.tag.TagKind.FUNCTION, 2, init));
        tags.putHead(tagllm.head.RegressionHead.initial("<QED>", 1, tagllm.tag.TagInit.meanEmbedding(model().weights().embedTokens()),
                true, null, null));
        return tags;
    }

    /** The first 10 training rows of the shared ESOL data, rendered for a QED task under these tags. */
    static List<tagllm.task.Example> esolExamples(tagllm.task.TaskSpec qed, TagSet tags) throws IOException {
        tagllm.task.ExampleRenderer r = new tagllm.task.ExampleRenderer(qed, tags, enc(), 512);
        List<tagllm.task.Example> out = new ArrayList<>();
        int line = 2;
        for (Map<String, String> row : csv("smiles/esol.csv", "train", 10)) out.add(r.example(tagllm.data.Row.of("esol.csv", line++, row)));
        return out;
    }
}
