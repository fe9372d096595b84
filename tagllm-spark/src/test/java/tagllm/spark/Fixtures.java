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
        Model m = Model.load(model());
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        Random r = new Random(7);
        for (Tag t : List.of(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 3, m.weights().embedTokens()),
                TagInit.newTag("<QED>", TagKind.FUNCTION, 3, m.weights().embedTokens()))) {
            for (int i = 0; i < t.values().length; i++) t.values()[i] += (float) (0.5 * r.nextGaussian());
            tags.put(t);
        }
        int d = m.config().hiddenSize();
        float[] w = new float[d];
        for (int i = 0; i < d; i++) w[i] = (float) (0.2 * r.nextGaussian());
        tags.putHead(RegressionHead.initial("<QED>", 1, w, true, new double[]{0.7}, new double[]{0.15}));
        Path f = dir.resolve("qed.tags.safetensors");
        TagFile.write(tags, f);
        return f;
    }
}
