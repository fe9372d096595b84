package tagllm.robustness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.model.ModelFormatException;
import tagllm.model.SafeTensors;
import tagllm.model.SafeTensorsWriter;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.config.ConfigException;
import tagllm.testutil.Shared;
import tagllm.train.Experiment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each class of silently accepted input the issue measured is now refused with a message naming the field, tensor
 * or key and what was expected: tag-file metadata, non-finite weights, config/weights disagreement, YAML values.
 */
class ValidationAtTheDoorTest {
    @TempDir
    Path dir;

    /** A small valid tag file, then the same with its metadata JSON edited. */
    private Path tagFile(java.util.function.Consumer<ObjectNode> editMeta, float poison) throws Exception {
        TagSet s = new TagSet("m", "f00d");
        float[] v = new float[2 * 4];
        v[3] = poison;
        s.put(new Tag("<A>", TagKind.FUNCTION, 2, 4, v));
        s.putHead(new RegressionHead("<A>", 1, 4, new float[4], new float[1], new double[]{0}, new double[]{1}));
        Path f = dir.resolve("t" + System.nanoTime() + ".tags.safetensors");
        SafeTensorsWriter w = TagFile.writer(s);
        ObjectMapper om = new ObjectMapper();
        try (SafeTensors st = SafeTensors.open(writeTo(w, dir.resolve("base.tags.safetensors")))) {
            ObjectNode meta = (ObjectNode) om.readTree(st.metadata().get("tagllm"));
            editMeta.accept(meta);
            SafeTensorsWriter out = new SafeTensorsWriter();
            out.metadata("format", TagFile.FORMAT).metadata("tagllm", om.writeValueAsString(meta));
            for (var e : st.entries().entrySet()) out.addF32(e.getKey(), st.readF32(e.getKey()), e.getValue().shape());
            out.write(f);
        }
        return f;
    }

    private static Path writeTo(SafeTensorsWriter w, Path f) throws Exception {
        w.write(f);
        return f;
    }

    private static void refused(Path tagFile, String... words) {
        Exception e = assertThrows(Exception.class, () -> TagFile.read(tagFile));
        for (String w : words) assertTrue(e.getMessage().contains(w), e.getMessage());
    }

    @Test
    void tagFilesNeedTheFingerprintTypedHeadMetadataAndFiniteValues() throws Exception {
        assertEquals("f00d", TagFile.read(tagFile(m -> { }, 0f)).modelFingerprint());
        refused(tagFile(m -> ((ObjectNode) m.get("model")).remove("fingerprint"), 0f), "model.fingerprint is missing");
        refused(tagFile(m -> ((ObjectNode) m.get("heads").get(0)).put("bias", "yes"), 0f), "'bias' must be true or false", "\"yes\"");
        refused(tagFile(m -> ((ObjectNode) m.get("heads").get(0)).put("outputs", "1"), 0f), "'outputs' must be an integer");
        refused(tagFile(m -> ((ObjectNode) m.get("heads").get(0)).putArray("label_scale").add(0), 0f), "label_scale", "above 0");
        refused(tagFile(m -> ((ObjectNode) m.get("tags").get(0)).put("p", -2), 0f), "'p' must be an integer 1..");
        refused(tagFile(m -> { }, Float.NaN), "tensor 'tag.A' holds NaN at index 3");
        refused(tagFile(m -> { }, Float.POSITIVE_INFINITY), "tensor 'tag.A' holds Infinity");
    }

    /** tiny-llama-tied copied, with its config or weights changed by edit. */
    private Path modelCopy(String name) throws Exception {
        Path src = Shared.model("tiny-llama-tied"), dst = dir.resolve(name);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, dst.resolve(f.getFileName()));
        }
        return dst;
    }

    @Test
    void weightsMustBeFiniteAndExplainedByTheConfig() throws Exception {
        Path nan = modelCopy("nan");
        Path weights = nan.resolve("model.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(weights)) {
            for (var e : st.entries().entrySet()) {
                float[] v = st.readF32(e.getKey());
                if (e.getKey().equals("model.layers.1.mlp.up_proj.weight")) v[5] = Float.NaN;
                w.addF32(e.getKey(), v, e.getValue().shape());
            }
        }
        Files.delete(weights);
        w.write(weights);
        Exception e = assertThrows(ModelFormatException.class, () -> Model.load(nan.toString()));
        assertTrue(e.getMessage().contains("tensor 'model.layers.1.mlp.up_proj.weight' holds NaN"), e.getMessage());

        Path fewer = modelCopy("fewer");
        ObjectMapper om = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) om.readTree(fewer.resolve("config.json").toFile());
        int layers = cfg.get("num_hidden_layers").asInt();
        cfg.put("num_hidden_layers", layers - 1);
        Files.writeString(fewer.resolve("config.json"), om.writeValueAsString(cfg));
        e = assertThrows(ModelFormatException.class, () -> Model.load(fewer.toString()));
        assertTrue(e.getMessage().contains("model.layers." + (layers - 1) + ".*") && e.getMessage().contains("num_hidden_layers " + (layers - 1)),
                e.getMessage());

        Path misspelt = modelCopy("misspelt");
        cfg = (ObjectNode) om.readTree(misspelt.resolve("config.json").toFile());
        cfg.set("rms_norm_epsilon", cfg.remove("rms_norm_eps"));
        Files.writeString(misspelt.resolve("config.json"), om.writeValueAsString(cfg));
        e = assertThrows(ModelFormatException.class, () -> Model.load(misspelt.toString()));
        assertTrue(e.getMessage().contains("unknown key 'rms_norm_epsilon' (did you mean 'rms_norm_eps'?"), e.getMessage());
    }

    private Exception yamlRefused(String yaml) throws Exception {
        Path f = dir.resolve("e" + System.nanoTime() + ".yaml");
        Files.writeString(f, yaml);
        return assertThrows(Exception.class, () -> Experiment.load(f));
    }

    private static final String BASE = """
            model: %s
            tag_length: %s
            defaults: {lr: 0.001, max_steps: 2%s}
            tasks:
              qed: {preset: QED, data: {path: %s}}
            stages:
              - {name: qed, stage: 2, tasks: [qed]}
            """;

    private String yaml(String tagLength, String extraDefaults) {
        return BASE.formatted(Shared.model("stories260K").toString().replace("\\", "/"), tagLength, extraDefaults,
                Shared.data("smiles/esol.csv").toString().replace("\\", "/"));
    }

    @Test
    void yamlDuplicatesNegativeScalesAndAbsurdSizesAreRefusedWithTheRange() throws Exception {
        Path ok = dir.resolve("ok.yaml");
        Files.writeString(ok, yaml("4", ""));
        assertEquals(4, Experiment.load(ok).tagLength());
        Exception e = yamlRefused(yaml("1000000000", ""));
        assertTrue(e.getMessage().contains("tag_length") && e.getMessage().contains("1..4096") && e.getMessage().contains("1000000000"), e.getMessage());
        assertFalse(e.getMessage().contains("-424509440"));
        e = yamlRefused(yaml("4", ", mse_scale: -1"));
        assertTrue(e.getMessage().contains("mse_scale") && e.getMessage().contains(">= 0") && e.getMessage().contains("-1"), e.getMessage());
        e = yamlRefused(yaml("4", ", max_grad_norm: -1"));
        assertTrue(e.getMessage().contains("max_grad_norm") && e.getMessage().contains(">= 0"), e.getMessage());
        e = yamlRefused(yaml("4", "") + "tag_length: 8\n");
        assertTrue(e.getMessage().toLowerCase().contains("duplicate") && e.getMessage().contains("tag_length"), e.getMessage());
        assertInstanceOf(ConfigException.class, yamlRefused(yaml("4", ", batch_size: 10000000")));
    }
}
