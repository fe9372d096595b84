package tagllm.tag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.embedded.EmbeddedSamples;
import tagllm.model.SafeTensors;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A tag file read from Python (safetensors + numpy, or numpy alone) holds the same tensors as Java reads. */
class TagFilePythonTest {
    @Test
    void pythonReadsTheTagsAndHeadsJavaWrote(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(python("-c", "import numpy").exitValue() == 0, "python3 with numpy is not installed: skipping the Python reader check");
        Files.writeString(dir.resolve("qed.yaml"), """
                model: %s
                tag_length: 2
                defaults: {lr: 0.01, batch_size: 4, max_steps: 2}
                tasks:
                  qed: {preset: QED, data: {path: %s, max_train: 8, max_eval: 4}, head: {bias: true}}
                stages:
                  - {name: qed, stage: 2, tasks: [qed]}
                """.formatted(EmbeddedSamples.model().toString().replace("\\", "/"),
                EmbeddedSamples.data().resolve("smiles/zinc20k.csv").toString().replace("\\", "/")));
        CliRun train = CliRun.of("train", dir.resolve("qed.yaml").toString(), "-o", dir.resolve("run").toString(), "--quiet");
        assertEquals(0, train.exit(), train.err());
        Path tags = dir.resolve("run/final.tags.safetensors");

        Path script = dir.resolve("read_tags.py");
        try (var in = getClass().getResourceAsStream("/python/read_tags.py")) {
            Files.copy(in, script);
        }
        Process p = python(script.toString(), tags.toString());
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes()));
        JsonNode py = new ObjectMapper().readTree(out);
        System.out.println("tag file read from Python with " + py.get("reader").asText());
        assertEquals("stories260K", py.get("model").asText());
        assertTrue(py.get("tags").toString().contains("<QED>") && py.get("tags").toString().contains("<SMILES>"), py.get("tags").toString());
        try (SafeTensors st = SafeTensors.open(tags)) {
            assertEquals(st.entries().keySet(), iterable(py.get("tensors").fieldNames()));
            for (String name : st.entries().keySet()) {
                float[] java = st.readF32(name);
                JsonNode values = py.get("tensors").get(name).get("values");
                assertEquals(java.length, values.size(), name);
                for (int i = 0; i < java.length; i++) assertEquals(java[i], (float) values.get(i).asDouble(), 0f, name + "[" + i + "]");
            }
            assertEquals(2, py.get("tensors").get("tag.QED").get("shape").get(0).asInt(), "p = 2 rows");
            assertEquals(64, py.get("tensors").get("tag.QED").get("shape").get(1).asInt(), "hidden size 64");
        }
    }

    private static java.util.Set<String> iterable(java.util.Iterator<String> it) {
        java.util.Set<String> s = new java.util.TreeSet<>();
        it.forEachRemaining(s::add);
        return s;
    }

    private static Process python(String... args) throws Exception {
        var cmd = new java.util.ArrayList<String>();
        cmd.add("python3");
        cmd.addAll(java.util.List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("python3 is not installed: skipping the Python reader check");
            throw e;
        }
        p.getOutputStream().close();
        // the script's output is small: read after exit
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 finished");
        return p;
    }
}
