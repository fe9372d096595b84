package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.task.DatasetRows;
import tagllm.testutil.Shared;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --resume --force after the stages were put in another order: the stages before the first changed position are kept,
 * the rest train again, and the result is bit-equal (F32) to an uninterrupted run of the new order.
 */
class StageReorderForceTest {
    private static final String A = "  - {name: a, stage: 1, tasks: [smiles], max_steps: 1, warmup_ratio: 0}\n";
    private static final String B = "  - {name: b, stage: 1, tasks: [smiles], max_steps: 1, lr: 0.01, warmup_ratio: 0}\n";
    private static final String C = "  - {name: c, stage: 1, tasks: [smiles], max_steps: 2, lr: 0.003, warmup_ratio: 0}\n";

    private static ExperimentRunner runner(Model m, Progress p) {
        return new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, p, false);
    }

    private static Experiment write(Path dir, String name, Path model, String stages) throws Exception {
        Path yaml = dir.resolve(name);
        Files.createDirectories(dir);
        Files.writeString(yaml, RunFolderForceTest.yaml(model, stages, ""));
        return Experiment.load(yaml);
    }

    private static void assertSameTags(Path expected, Path actual) throws Exception {
        TagSet e = TagFile.read(expected), a = TagFile.read(actual);
        assertFalse(e.tags().isEmpty());
        assertEquals(e.tags().size(), a.tags().size());
        for (Tag t : e.tags()) {
            float[] x = t.values(), y = a.require(t.name()).values();
            assertEquals(x.length, y.length);
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]), t.name() + "[" + i + "] of " + actual.getFileName());
            }
        }
    }

    @Test
    void resumeForceWithTheStagesReorderedKeepsThePrefixAndRetrainsTheRest(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Model m = Model.load(model);
        assertFalse(m.weights().bf16Compute(), "the comparison is bit for bit in F32");

        // the reference: an uninterrupted run of the new order a, c, b
        Experiment ref = write(dir.resolve("ref"), "exp.yaml", model, A + C + B);
        assertNotNull(runner(m, Progress.silent()).run(ref, false, false).finalFile());

        // the first run, order a, b, c, stopped after c's first step (a and b finished, c's checkpoint)
        Experiment first = write(dir.resolve("run"), "exp.yaml", model, A + B + C);
        assertTrue(runner(m, Progress.silent()).stopAfter(1).run(first, false, false).stopped());
        Path out = first.output();
        assertTrue(Files.exists(out.resolve("b.tags.safetensors")) && Files.exists(out.resolve("c.checkpoint.safetensors")));

        // the YAML reordered to a, c, b: a plain --resume is refused, saying what --resume --force will do (below it does)
        Experiment reordered = write(dir.resolve("run"), "exp.yaml", model, A + C + B);
        Exception refused = assertThrows(IllegalArgumentException.class, () -> runner(m, Progress.silent()).run(reordered, true, false));
        assertTrue(refused.getMessage().contains("--resume --force retrains from the first moved stage, c: it keeps a, and c, b train "
                + "from the start"), refused.getMessage());
        assertTrue(Files.exists(out.resolve("b.tags.safetensors")) && Files.exists(out.resolve("c.checkpoint.safetensors")), "nothing changed");
        // resumed with --force
        StringWriter said = new StringWriter();
        Path fin = runner(m, new Progress(new PrintWriter(said), false, true, false)).run(reordered, true, true).finalFile();
        assertNotNull(fin);
        for (String f : new String[] {"a", "c", "b", "final"}) {
            assertSameTags(ref.output().resolve(f + ".tags.safetensors"), out.resolve(f + ".tags.safetensors"));
        }
        // metrics.jsonl reads like the uninterrupted run's: the same stages and steps, in the same order
        assertEquals(stagesAndSteps(ref.output()), stagesAndSteps(out));
        String err = said.toString();
        assertTrue(err.contains("stage order changed from [a, b, c] to [a, c, b]") && err.contains("kept a")
                && err.contains("c, b train again") && err.contains("b.tags.safetensors") && err.contains("c.checkpoint.safetensors"), err);
        // run.json now records the new order
        assertTrue(Files.readString(out.resolve("run.json")).replaceAll("\\s", "").contains("\"stage_order\":[\"a\",\"c\",\"b\"]"));
    }

    private static java.util.List<String> stagesAndSteps(Path out) throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.List<String> r = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            var n = json.readTree(line);
            r.add(n.path("stage").asText() + ":" + n.path("step").asInt() + (n.has("loss") ? ":" + n.path("loss").asDouble() : ""));
        }
        return r;
    }
}
