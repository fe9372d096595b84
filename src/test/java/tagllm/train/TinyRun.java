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

/** stories260K and a few rows of the shared data, loaded once for the training tests. */
final class TinyRun {
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
}
