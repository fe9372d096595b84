package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagSet;
import tagllm.task.DatasetRows;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What each stage trains: stage 1 the domain tags; stage 2 the function tag + head with domain tags
 * frozen, or (enrich) domain tags too with the CE loss kept on; stage 3 only the function tag + head.
 */
class StagesTest {
    @Test
    void eachStageTrainsWhatThePaperSays(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                defaults: {lr: 0.01, batch_size: 2, grad_accum: 1, max_steps: 2}
                tasks:
                  smiles: {preset: SMILES, max_length: 48, data: {path: %s, max_train: 8}}
                  protein: {preset: Protein, max_length: 64, data: {path: %s, max_train: 8}}
                  qed: {preset: QED, data: {path: %s, max_train: 8}}
                  descriptor:
                    preset: Descriptor
                    template: "Protein <Protein> {sequence:spaced:max=20}. Descriptor <Descriptor>"
                    data: {path: %s, max_train: 8}
                  ba:
                    preset: BA
                    template: "Protein <Protein> {protein:max=24}. Drug <SMILES> {smiles}. Affinity <BA>"
                    data: {path: %s, max_train: 8}
                stages:
                  - {name: s1, stage: 1, tasks: [smiles, protein]}
                  - {name: s2, stage: 2, tasks: [qed]}
                  - {name: s2e, stage: 2, tasks: [descriptor], enrich: true}
                  - {name: s3, stage: 3, tasks: [ba]}
                """.formatted(model, Shared.data("smiles/esol.csv"), Shared.data("protein/deepsol.csv"), Shared.data("smiles/esol.csv"),
                Shared.data("protein/deepsol.csv"), Shared.data("binding_affinity/davis_sample.csv")));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        Model m = Model.load(model);
        DatasetRows rows = new DatasetRows(false);
        new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(), rows::load, Progress.silent(), false)
                .run(exp, false, false);
        Path out = exp.output();
        TagSet s1 = TagFile.read(out.resolve("s1.tags.safetensors")), s2 = TagFile.read(out.resolve("s2.tags.safetensors")),
                s2e = TagFile.read(out.resolve("s2e.tags.safetensors")), s3 = TagFile.read(out.resolve("s3.tags.safetensors"));
        assertEquals(Set.of("<SMILES>", "<Protein>"), names(s1));
        // every tag a stage trains moved from the paper's init (the mean embedding, rescaled, in each of p slots)
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        assertMoved(s1, "<SMILES>", init);
        assertMoved(s1, "<Protein>", init);
        assertMoved(s2, "<QED>", init);
        assertMoved(s2e, "<Descriptor>", init);
        assertMoved(s3, "<BA>", init);
        assertTrue(s1.heads().isEmpty());
        // stage 2: <QED> + head trained, <SMILES> frozen
        assertSame(s1, s2, "<SMILES>");
        assertNotNull(s2.head("QED"));
        // stage 2 enriched: <Protein> moves too
        assertFalse(Arrays.equals(s2.get("Protein").values(), s2e.get("Protein").values()), "enrichment trains the domain tag");
        assertSame(s2, s2e, "<QED>");
        // stage 3: only <BA> and its head; every earlier tag and head frozen
        for (String t : new String[]{"<SMILES>", "<Protein>", "<QED>", "<Descriptor>"}) assertSame(s2e, s3, t);
        assertArrayEquals(s2e.head("QED").weight(), s3.head("QED").weight());
        assertEquals(Set.of("<SMILES>", "<Protein>", "<QED>", "<Descriptor>", "<BA>"), names(s3));
        assertEquals(4, s3.provenance().size());
        for (var prov : s3.provenance()) assertEquals("f32", prov.get("compute").asText(), "each stage records its compute precision");
        // hyper-parameters under the experiment file's names, as the rest of the file is snake_case (they were maxSteps)
        for (var prov : s3.provenance()) {
            assertTrue(prov.path("hyper").has("max_steps") && !prov.path("hyper").has("maxSteps"), prov.path("hyper").toString());
        }
        for (JsonNode st : new ObjectMapper().readTree(out.resolve("run.json").toFile()).path("settings").path("stages")) {
            assertTrue(st.path("hyper").has("weight_decay") && !st.path("hyper").has("weightDecay"), st.toString());
        }
        assertEquals(Set.of("qed", "descriptor", "ba"), new HashSet<>(s3.tasks().keySet()).stream()
                .filter(k -> !k.equals("smiles") && !k.equals("protein")).collect(java.util.stream.Collectors.toSet()));
        // the enriched stage logs both losses
        boolean sawCe = false;
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode n = new ObjectMapper().readTree(line);
            if (n.path("stage").asText().equals("s2e") && n.has("ce") && n.has("mse")) sawCe = true;
        }
        assertTrue(sawCe, "stage s2e logs mse and ce");
    }

    private static Set<String> names(TagSet s) {
        Set<String> out = new HashSet<>();
        s.tags().forEach(t -> out.add(t.name()));
        return out;
    }

    private static void assertMoved(TagSet s, String tag, float[] init) {
        float[] v = s.get(tag).values();
        float[] initial = new float[v.length];
        for (int off = 0; off < v.length; off += init.length) System.arraycopy(init, 0, initial, off, init.length);
        assertFalse(Arrays.equals(initial, v), tag + " must have been trained away from its initial value");
    }

    private static void assertSame(TagSet a, TagSet b, String tag) {
        assertArrayEquals(a.get(tag).values(), b.get(tag).values(), tag + " must be frozen here");
    }
}
