package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.Sequence;
import tagllm.task.ClassSpec;
import tagllm.task.Example;
import tagllm.task.NonFiniteOutputs;
import tagllm.testutil.CliRun;
import tagllm.testutil.OverflowingModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A model whose outputs come out non-finite (OverflowingModel: its final hidden states overflow a float): compare's
 * probe was fitted on them and stopped the whole compare with ridge's "the system is not positive definite (raise λ)",
 * naming no row and no cause. Now the probe's run is recorded as failed, as a diverged one, naming the first such
 * row's file and line; the baseline (no model) is still scored. A method whose class probabilities are NaN (argmax
 * would name the first class) is refused the same way, where report.json's metrics refused them with their own range
 * check, naming neither row nor cause.
 */
class CompareNonFiniteTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void nanProbabilitiesFailTheRunNamingTheRow(@TempDir Path dir) throws Exception {
        Path model = OverflowingModel.write(dir.resolve("model"));
        StringBuilder csv = new StringBuilder("smiles,p_np,split\n");
        String[] smiles = {"CCO", "CCN", "CCC", "CCCO", "OCCO", "CCCN", "NCCO", "CO", "CN", "CCCC"};
        String[] split = {"train", "train", "train", "train", "train", "train", "valid", "valid", "test", "test"};
        for (int i = 0; i < smiles.length; i++) csv.append(smiles[i]).append(',').append(i % 2).append(',').append(split[i]).append('\n');
        Path data = Files.writeString(dir.resolve("mols.csv"), csv);
        Path yaml = Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                seed: 3
                tag_length: 2
                tasks:
                  bbbp: {preset: BBBP, data: {path: %s}}
                stages:
                  - {name: s2, stage: 2, tasks: [bbbp], max_steps: 1, batch_size: 2}
                """.formatted(model, data));
        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q");
        assertTrue(Files.isRegularFile(out.resolve("runs/probe-seed3/result.json")), "exit " + r.exit() + "\nerr: " + r.err());
        JsonNode probe = JSON.readTree(out.resolve("runs/probe-seed3/result.json").toFile());
        String failure = probe.path("failure").asText();
        assertTrue(failure.contains("task bbbp: the model gave non-finite final hidden states for 6 of 6 scored rows (the first: "
                + data + ":2: ["), "exit " + r.exit() + "\nerr: " + r.err() + "\nresult: " + probe);
        JsonNode baseline = JSON.readTree(out.resolve("runs/baseline-seed3/result.json").toFile());
        assertEquals(2, baseline.path("tasks").path("bbbp").path("lines").size(), "the baseline is scored: " + baseline);
    }

    @Test
    void nanClassProbabilitiesAreNoOutcome() {
        ClassSpec cs = new ClassSpec(ClassSpec.Kind.BINARY, List.of("0", "1"), null, null, false);
        Sequence q = Sequence.builder().token(1).build();
        List<Example> test = List.of(new Example(null, q, 0, null, "t.csv", 4), new Example(null, q, 1, null, "t.csv", 7));
        double[][] prob = {{0.4, 0.6}, {Double.NaN, Double.NaN}};
        NonFiniteOutputs e = assertThrows(NonFiniteOutputs.class, () -> CompareRunner.classOutcome("bbbp", 1, cs, test, prob, List.of(), null, -1, 0));
        assertEquals("task bbbp: the model gave non-finite class probabilities for 1 of 2 scored rows (the first: t.csv:7: [NaN, NaN]): no metric"
                + " is defined (a diverged head or tags, or activations beyond float's range)", e.getMessage());
    }
}
