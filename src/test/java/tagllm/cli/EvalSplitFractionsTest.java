package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * eval scores the split a run made with split: {random: [0.7, 0.15, 0.15], seed: 3}: given the same fractions and seed,
 * its valid split is the one training scored (same metrics as the run's valid scores) and its test split is the rows
 * Python's split picks (same metrics as eval of a file holding just those rows).
 */
class EvalSplitFractionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Python: k = list(range(40)); random.Random(3).shuffle(k); sorted(k[34:]) (after 28 train and 6 valid keys). */
    private static final List<Integer> PYTHON_TEST_ROWS = List.of(8, 15, 23, 30, 34, 37);

    @Test
    void evalReproducesTheRunsRandomSplit(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        List<String> rows = new ArrayList<>();
        String letters = "ACDEFGHIKLMNPQRSTVWY";
        for (int i = 0; i < 40; i++) {
            StringBuilder seq = new StringBuilder();
            for (int k = 0; k < 6 + i % 5; k++) seq.append(letters.charAt((i * 7 + k * 3) % letters.length()));
            rows.add(seq + "," + (i % 9) * 0.25);
        }
        Files.writeString(dir.resolve("all.csv"), "seq,y\n" + String.join("\n", rows) + "\n");
        List<String> test = PYTHON_TEST_ROWS.stream().map(rows::get).toList();
        Files.writeString(dir.resolve("test.csv"), "seq,y\n" + String.join("\n", test) + "\n");
        TinyExperiment.write(dir, """
                tags: {F: function}
                tasks:
                  t:
                    type: regression
                    template: "The sequence is {seq}. The score is <F>"
                    label: y
                    data: {path: all.csv, split: {random: [0.7, 0.15, 0.15], seed: 3}}
                stages:
                  - {name: one, stage: 2, tasks: [t], batch_size: 4, grad_accum: 1, max_steps: 2}
                """);
        JsonNode runValid = trainedValid(dir);
        String tags = dir.resolve("run/final.tags.safetensors").toString();

        CliRun valid = CliRun.of("eval", "--model", model.toString(), "--tags", tags, "--task", "t", "--input", dir.resolve("all.csv").toString(),
                "--split-by", "random", "--split-fractions", "0.7,0.15,0.15", "--split-seed", "3", "--split", "valid", "--json", "-q");
        assertEquals(0, valid.exit(), valid.err());
        JsonNode v = JSON.readTree(valid.out());
        assertEquals(6, v.path("n").asInt(), "round(0.15 · 40) valid rows");
        assertEquals(runValid.path("n").asInt(), v.path("n").asInt());
        assertEquals(runValid.path("mse").asDouble(), v.path("mse").asDouble(), 1e-6, "the run's valid split: " + runValid);

        CliRun split = CliRun.of("eval", "--model", model.toString(), "--tags", tags, "--task", "t", "--input", dir.resolve("all.csv").toString(),
                "--split-by", "random", "--split-fractions", "0.7,0.15,0.15", "--split-seed", "3", "--json", "-q");
        CliRun whole = CliRun.of("eval", "--model", model.toString(), "--tags", tags, "--task", "t", "--input", dir.resolve("test.csv").toString(),
                "--json", "-q");
        assertEquals(0, split.exit(), split.err());
        assertEquals(0, whole.exit(), whole.err());
        JsonNode s = JSON.readTree(split.out()), w = JSON.readTree(whole.out());
        assertEquals(6, s.path("n").asInt());
        for (String k : List.of("mse", "mae", "pearson")) assertEquals(w.path(k).asDouble(), s.path(k).asDouble(), 1e-9, k);

        CliRun bad = CliRun.of("eval", "--model", model.toString(), "--tags", tags, "--task", "t", "--input", dir.resolve("all.csv").toString(),
                "--split-by", "random", "--split-fractions", "0.7,0.2,0.2");
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("--split-fractions"), bad.err());
    }

    /** The same for a scaffold split with its own fractions and order: eval's valid split is the run's. */
    @Test
    void evalReproducesTheRunsScaffoldSplit(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        List<String> rows = new ArrayList<>();
        for (String l : Files.readAllLines(Shared.data("smiles/bbbp.csv")).subList(1, 400)) {
            if (l.startsWith("\"") || l.split(",")[0].length() > 40) continue;
            String[] f = l.split(",");
            rows.add(f[0] + "," + f[1]);
            if (rows.size() == 60) break;
        }
        Files.writeString(dir.resolve("mols.csv"), "smiles,qed\n" + String.join("\n", rows) + "\n");
        TinyExperiment.write(dir, """
                tags: {F: function}
                tasks:
                  t:
                    type: regression
                    template: "The molecule is {smiles}. Its QED is <F>"
                    label: qed
                    data: {path: mols.csv, split: {scaffold: [0.6, 0.25, 0.15], order: largest_first}}
                stages:
                  - {name: one, stage: 2, tasks: [t], batch_size: 4, grad_accum: 1, max_steps: 1}
                """);
        JsonNode runValid = trainedValid(dir);
        String tags = dir.resolve("run/final.tags.safetensors").toString();
        List<String> common = List.of("eval", "--model", model.toString(), "--tags", tags, "--task", "t", "--input", dir.resolve("mols.csv").toString(),
                "--split-by", "scaffold", "--split", "valid", "--json", "-q");
        CliRun same = CliRun.of(concat(common, "--split-fractions", "0.6,0.25,0.15", "--scaffold-order", "largest_first"));
        assertEquals(0, same.exit(), same.err());
        JsonNode v = JSON.readTree(same.out());
        assertEquals(runValid.path("n").asInt(), v.path("n").asInt(), "the run's valid rows: " + runValid);
        assertEquals(runValid.path("mse").asDouble(), v.path("mse").asDouble(), 1e-6);
        CliRun balanced = CliRun.of(concat(common, "--split-fractions", "0.6,0.25,0.15", "--split-seed", "0"));
        assertEquals(0, balanced.exit(), balanced.err());
        assertNotEquals(runValid.path("mse").asDouble(), JSON.readTree(balanced.out()).path("mse").asDouble(), "another order, other rows");
    }

    private static String[] concat(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** Trains dir/exp.yaml into dir/run and returns the scores of task t on the valid split the run made. */
    private static JsonNode trainedValid(Path dir) throws Exception {
        CliRun train = CliRun.of("train", dir.resolve("exp.yaml").toString(), "-o", dir.resolve("run").toString(), "--quiet");
        assertEquals(0, train.exit(), train.err());
        JsonNode runValid = null;
        for (String line : train.out().split("\n")) {
            JsonNode j = JSON.readTree(line);
            if (j.has("valid")) runValid = j.path("valid").path("t");
        }
        assertNotNull(runValid, "the run scored its valid split: " + train.out());
        return runValid;
    }
}
