package tagllm.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** The classification tasks of {@link #classificationTags}: binary (the BBBP preset), three classes, three labels. */
    static final List<String> CLASSIFICATION_TASKS = List.of("bbbp", "kind", "tox");

    /**
     * One tag file with three classification tasks stored as training stores them (classes known) and seeded random
     * heads, so the probabilities vary by molecule: "bbbp" (the BBBP preset, classes 0 and 1: one logit), "kind"
     * (classes a, b, c: softmax) and "tox" (labels NR-AR, SR-HSE, tox3: a sigmoid each, so a row may have none).
     */
    static Path classificationTags(Path dir) throws IOException {
        return classificationTags(model(), dir.resolve("classes.tags.safetensors"), true);
    }

    /** The core's testutil.OverflowingModel (a classification head over it gives NaN probabilities), in dir. */
    static Path overflowingModel(Path dir) throws IOException {
        return tagllm.testutil.OverflowingModel.write(dir.resolve("overflowing-model"));
    }

    /**
     * classificationTags' three tasks for {@link #overflowingModel} (a tag file names its model's fingerprint), with
     * the seeded random heads as they are: the bias calibration needs finite probabilities, and this model has none.
     */
    static Path overflowingClassificationTags(Path dir, Path model) throws IOException {
        return classificationTags(model.toString(), dir.resolve("classes-overflow.tags.safetensors"), false);
    }

    private static Path classificationTags(String model, Path f, boolean calibrate) throws IOException {
        Model m = Model.load(model);
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        Random r = new Random(11);
        List<Tag> made = new ArrayList<>();
        for (String t : List.of("<SMILES>", "<BBBP>", "<Kind>", "<Tox>")) {
            made.add(TagInit.newTag(t, t.equals("<SMILES>") ? TagKind.DOMAIN : TagKind.FUNCTION, 3, m.weights().embedTokens()));
        }
        for (Tag t : made) {
            for (int i = 0; i < t.values().length; i++) t.values()[i] += (float) (0.5 * r.nextGaussian());
            tags.put(t);
        }
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, String> definitions = new LinkedHashMap<>();
        definitions.put("bbbp", "{\"preset\": \"BBBP\", \"classes\": [\"0\", \"1\"]}");
        definitions.put("kind", "{\"type\": \"classification\", \"template\": \"The molecule <SMILES> {smiles} is of kind <Kind>\", "
                + "\"tags\": {\"Kind\": \"function\"}, \"label\": \"kind\", \"classes\": [\"a\", \"b\", \"c\"]}");
        definitions.put("tox", "{\"type\": \"classification\", \"template\": \"The molecule <SMILES> {smiles} is toxic in <Tox>\", "
                + "\"tags\": {\"Tox\": \"function\"}, \"labels\": [\"NR-AR\", \"SR-HSE\", \"tox3\"]}");
        int d = m.config().hiddenSize();
        for (var e : definitions.entrySet()) {
            TaskSpec t = TaskSpec.fromJson(e.getKey(), (ObjectNode) json.readTree(e.getValue()), "fixture " + e.getKey());
            tags.tasks().put(e.getKey(), t.toJson());
            int outputs = t.classes().outputs();
            float[] w = new float[outputs * d];
            for (int i = 0; i < w.length; i++) w[i] = (float) (0.2 * r.nextGaussian());
            RegressionHead h = RegressionHead.initial(t.headKey(), outputs, new float[d], true, null, null);
            System.arraycopy(w, 0, h.weight(), 0, w.length);
            tags.putHead(h);
        }
        TagFile.write(tags, f);
        if (!calibrate) return f;
        // each logit's bias minus its median over the first 16 molecules, so that the predicted class varies by
        // molecule (random weights alone give every molecule the same class) and a multi-label row may have none
        TagPredictor p = TagPredictor.open(m, List.of(f));
        for (String name : definitions.keySet()) {
            TaskSpec t = p.task(name);
            var r0 = p.renderer(t);
            List<tagllm.tag.Sequence> prompts = new ArrayList<>();
            int line = 0;
            for (String sm : smiles(16)) prompts.add(r0.prompt(tagllm.data.Row.of("fixture", ++line, Map.of("smiles", sm))).sequence());
            double[][] prob = p.classProbabilities(t, prompts);
            float[] bias = tags.head(t.headKey()).bias();
            for (int o = 0; o < bias.length; o++) {
                double[] z = new double[prob.length];
                // binary: the logit of p(second class); otherwise the logit of each class (softmax: up to a constant)
                for (int i = 0; i < z.length; i++) {
                    double q = prob[i][t.classes().outputs() == 1 ? 1 : o];
                    z[i] = t.classes().multiLabel() || t.classes().outputs() == 1 ? Math.log(q / (1 - q)) : Math.log(q);
                }
                java.util.Arrays.sort(z);
                bias[o] -= (float) z[z.length / 2];
            }
        }
        TagFile.write(tags, f);
        return f;
    }

    /** Untrained <EN>, <FR> and <Translate> tags for the Translate:en-fr preset, a text task: what tests need is its prompts' lengths. */
    static Path translateTags(Path dir) throws IOException {
        Model m = Model.load(model());
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        for (String n : List.of("<EN>", "<FR>")) tags.put(TagInit.newTag(n, TagKind.DOMAIN, 2, m.weights().embedTokens()));
        tags.put(TagInit.newTag("<Translate>", TagKind.FUNCTION, 2, m.weights().embedTokens()));
        Path f = dir.resolve("translate.tags.safetensors");
        TagFile.write(tags, f);
        return f;
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
