package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * examples/moleculenet.yaml, the suite of issue 17, runs through {@code tagllm compare} with every method and two
 * seeds: the file itself with only its sizes cut (rows per split, steps) so that it finishes in a test; its tasks,
 * templates, heads, scaffold and random splits are the example's own. The full-size command is in docs/results.md.
 */
class MoleculeNetCompareTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void theSuiteRunsThroughCompareOnATinyBudget(@TempDir Path dir) throws Exception {
        Shared.model("stories260K"); // skips with a message where ../shared is absent
        Path example = Path.of("examples", "moleculenet.yaml").toAbsolutePath();
        ObjectNode e = (ObjectNode) YAML.readTree(example.toFile());
        Path base = example.getParent();
        e.put("model", base.resolve(e.path("model").asText()).normalize().toString());
        e.remove("output");
        // deepsol.csv lists 1000 soluble proteins, then 1000 insoluble ones: a few dozen rows from its top would hold
        // one class. Here every 30th row in a seeded order stands in for the file (the example's random split applies).
        List<String> lines = Files.readAllLines(base.resolve(e.path("tasks").path("solubility").path("data").path("path").asText()).normalize());
        List<String> sample = new ArrayList<>();
        for (int i = 1; i < lines.size(); i += 30) sample.add(lines.get(i));
        java.util.Collections.shuffle(sample, new java.util.Random(0));
        Path deepsol = dir.resolve("deepsol-sample.csv");
        Files.writeString(deepsol, lines.getFirst() + "\n" + String.join("\n", sample) + "\n");
        ((ObjectNode) e.path("tasks").path("solubility").path("data")).put("path", deepsol.toString());
        List<String> scored = new ArrayList<>();
        e.path("tasks").properties().forEach(t -> {
            ObjectNode data = (ObjectNode) t.getValue().path("data");
            data.put("path", base.resolve(data.path("path").asText()).normalize().toString()); // absolute stays absolute
            data.put("max_train", 24);
            data.put("max_eval", 16);
            if (!t.getKey().endsWith("_text")) scored.add(t.getKey());
        });
        for (JsonNode s : e.path("stages")) {
            ((ObjectNode) s).put("max_steps", 2);
            if (s.has("eval_every")) ((ObjectNode) s).put("eval_every", 1);
        }
        Path yaml = dir.resolve("moleculenet-tiny.yaml");
        YAML.writeValue(yaml.toFile(), e);
        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "tagllm,probe,prompt-tuning,lora", "--seeds", "2", "-o", out.toString(), "-q");
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(List.of("bbbp", "solubility", "esol", "freesolv", "lipophilicity"), scored);
        for (String task : scored) {
            JsonNode t = report.path("tasks").path(task);
            boolean cls = task.equals("bbbp") || task.equals("solubility");
            assertEquals(cls ? "classification" : "regression", t.path("type").asText(), task);
            assertEquals(cls ? "auroc" : "mse", t.path("metric").asText(), task);
            assertTrue(t.path("test_rows").asInt() > 0, task);
            List<String> variants = new ArrayList<>();
            t.path("variants").fieldNames().forEachRemaining(variants::add);
            assertEquals(List.of("tagllm", "probe", "prompt-tuning", "lora", "baseline"), variants, task);
            for (String v : variants) {
                assertEquals(2, t.path("variants").path(v).path("seeds").size(), task + " " + v);
                assertTrue(t.path("variants").path(v).path("mean").path(t.path("metric").asText()).isNumber(), task + " " + v);
            }
        }
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
    }
}
