package tagllm.spark;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The shared model and QED data, and a QED tag file with random (seeded) tags and head, so predictions vary by molecule. */
final class Fixtures {
    private Fixtures() {}

    static String model() { return SharedFiles.get("models/stories260K").toString(); }

    static Path zinc() { return SharedFiles.get("data/smiles/zinc20k.csv"); }

    /** The SMILES of the first n rows of the shared QED data. */
    static List<String> smiles(int n) throws IOException {
        List<String> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(zinc())) {
            for (CSVRecord rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
                out.add(rec.get("smiles"));
                if (out.size() >= n) break;
            }
        }
        return out;
    }

    static Path qedTags(Path dir) throws IOException {
        return regressionTags(dir.resolve("qed.tags.safetensors"), "<QED>", 0.7, 0.15, 1, "<SMILES>");
    }

    /** The BA preset's tags (a protein and a SMILES field): random like qedTags, for the input checks of both kinds. */
    static Path baTags(Path dir) throws IOException {
        return regressionTags(dir.resolve("ba.tags.safetensors"), "<BA>", 6.0, 1.0, 1, "<Protein>", "<SMILES>");
    }

    /**
     * qedTags' tags with a head whose every output overflows a double: weights 1e10 times larger and a label scale of
     * 1e300. Each number is finite, so TagFile takes the file (it refuses NaN and infinite values, and a zero scale),
     * but w·h (about 1e10) times 1e300 is ±Infinity for every molecule.
     */
    static Path overflowingQedTags(Path dir) throws IOException {
        return regressionTags(dir.resolve("qed-overflow.tags.safetensors"), "<QED>", 0.7, 1e300, 1e10, "<SMILES>");
    }

    /** Seeded random domain tags, a function tag and its regression head (label mean and scale as given, weights times weightScale). */
    private static Path regressionTags(Path f, String function, double mean, double scale, double weightScale, String... domains) throws IOException {
        Model m = Model.load(model());
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        Random r = new Random(7);
        List<Tag> made = new ArrayList<>();
        for (String d : domains) made.add(TagInit.newTag(d, TagKind.DOMAIN, 3, m.weights().embedTokens()));
        made.add(TagInit.newTag(function, TagKind.FUNCTION, 3, m.weights().embedTokens()));
        for (Tag t : made) {
            for (int i = 0; i < t.values().length; i++) t.values()[i] += (float) (0.5 * r.nextGaussian());
            tags.put(t);
        }
        int d = m.config().hiddenSize();
        float[] w = new float[d];
        for (int i = 0; i < d; i++) w[i] = (float) (0.2 * r.nextGaussian() * weightScale);
        tags.putHead(RegressionHead.initial(function, 1, w, true, new double[]{mean}, new double[]{scale}));
        TagFile.write(tags, f);
        return f;
    }
}
