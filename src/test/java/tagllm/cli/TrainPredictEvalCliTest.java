package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.SafeTensors;
import tagllm.tensor.NativeBf16;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A short QED run through the CLI: kill + resume reproduces the uninterrupted tag file; predict and eval agree. */
class TrainPredictEvalCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void experiment(Path dir, Path model, Path data) throws Exception {
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                defaults: {lr: 0.003, batch_size: 4, grad_accum: 2, checkpoint_every: 3, max_steps: 6}
                tasks:
                  qed:
                    preset: QED
                    data: {path: %s, max_train: 40, max_eval: 16}
                    head: {bias: true, standardize: true}
                stages:
                  - {name: qed, stage: 2, tasks: [qed]}
                """.formatted(model.toString().replace("\\", "/"), data.toString().replace("\\", "/")));
    }

    @Test
    void trainKillResumePredictEval(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Path esol = Files.copy(Shared.data("smiles/esol.csv"), dir.resolve("esol.csv")); // a copy: edited below
        experiment(dir, model, esol);
        Path exp = dir.resolve("exp.yaml");

        CliRun full = CliRun.of("train", exp.toString(), "-o", dir.resolve("full").toString(), "--quiet");
        assertEquals(0, full.exit(), full.err());
        CliRun killed = CliRun.of("train", exp.toString(), "-o", dir.resolve("resumed").toString(), "--quiet", "--stop-after", "3");
        assertEquals(0, killed.exit(), killed.err());
        assertTrue(Files.exists(dir.resolve("resumed/qed.checkpoint.safetensors")));
        assertFalse(Files.exists(dir.resolve("resumed/final.tags.safetensors")));
        CliRun again = CliRun.of("train", exp.toString(), "-o", dir.resolve("resumed").toString(), "--quiet");
        assertNotEquals(0, again.exit(), "a second run into a used folder needs --resume or --force");
        assertTrue(again.err().contains("--resume"), again.err());
        // a changed hyper-parameter is refused on resume, naming it (the file is put back afterwards)
        String yaml = Files.readString(exp);
        Files.writeString(exp, yaml.replace("lr: 0.003", "lr: 0.004"));
        CliRun changed = CliRun.of("train", exp.toString(), "-o", dir.resolve("resumed").toString(), "--quiet", "--resume");
        assertNotEquals(0, changed.exit());
        assertTrue(changed.err().contains("stages.qed.lr: 0.003 -> 0.004") && changed.err().contains("--force"), changed.err());
        Files.writeString(exp, yaml);
        // and another precision: the checkpoint's steps ran in F32
        if (tagllm.tensor.NativeBf16.available()) {
            CliRun bf16 = CliRun.of("train", exp.toString(), "-o", dir.resolve("resumed").toString(), "--quiet", "--resume", "--compute", "bf16");
            assertNotEquals(0, bf16.exit());
            assertTrue(bf16.err().contains("compute: \"f32\" -> \"bf16\""), bf16.err());
        }
        // so are a changed row cap and an edited data file, which change the rows the stage trains on
        Files.writeString(exp, yaml.replace("max_train: 40", "max_train: 30"));
        CliRun capped = CliRun.of("train", exp.toString(), "-o", dir.resolve("resumed").toString(), "--quiet", "--resume");
        assertNotEquals(0, capped.exit());
        assertTrue(capped.err().contains("tasks.qed.data.max_train: 40 -> 30"), capped.err());
        Files.writeString(exp, yaml);
        byte[] rows = Files.readAllBytes(esol);
        Files.writeString(esol, "CCO,0.40680,ethanol,0.28,0.13,train\n", java.nio.file.StandardOpenOption.APPEND);
        CliRun edited = CliRun.of("train", exp.toString(), "-o", dir.resolve("resumed").toString(), "--quiet", "--resume");
        assertNotEquals(0, edited.exit());
        assertTrue(edited.err().contains("tasks.qed.data.sha256: ") && edited.err().contains("tasks.qed.data.bytes: "), edited.err());
        Files.write(esol, rows);
        // another experiment's output folder is not replaced, whatever its stage names
        Files.writeString(dir.resolve("other.yaml"), yaml.replace("name: qed,", "name: other,"));
        CliRun other = CliRun.of("train", dir.resolve("other.yaml").toString(), "-o", dir.resolve("resumed").toString(), "--quiet");
        assertNotEquals(0, other.exit());
        assertTrue(other.err().contains("already holds a run") && other.err().contains("qed.checkpoint.safetensors"), other.err());
        CliRun resumed = CliRun.of("train", exp.toString(), "-o", dir.resolve("resumed").toString(), "--quiet", "--resume");
        assertEquals(0, resumed.exit(), resumed.err());

        Path a = dir.resolve("full/final.tags.safetensors"), b = dir.resolve("resumed/final.tags.safetensors");
        try (SafeTensors sa = SafeTensors.open(a); SafeTensors sb = SafeTensors.open(b)) {
            assertEquals(sa.entries().keySet(), sb.entries().keySet());
            for (String name : sa.entries().keySet()) {
                float[] x = sa.readF32(name), y = sb.readF32(name);
                for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], 1e-6, name + "[" + i + "]");
            }
        }
        assertFalse(Files.exists(dir.resolve("resumed/qed.checkpoint.safetensors")), "the checkpoint goes once the stage is done");
        List<String> metrics = Files.readAllLines(dir.resolve("resumed/metrics.jsonl"));
        List<Integer> steps = new ArrayList<>();
        for (String l : metrics) if (JSON.readTree(l).has("loss")) steps.add(JSON.readTree(l).get("step").asInt());
        assertEquals(List.of(1, 2, 3, 4, 5, 6), steps, "the resumed log reads like an uninterrupted one");

        // predict on 12 test rows, then eval on the same rows: eval's MSE is the MSE of predict's output
        Path input = dir.resolve("test12.csv");
        List<String> lines = Files.readAllLines(esol);
        List<String> test = new ArrayList<>(List.of(lines.get(0)));
        for (String l : lines.subList(1, lines.size())) if (l.endsWith(",test") && test.size() <= 12) test.add(l);
        Files.write(input, test);
        Path preds = dir.resolve("preds.csv");
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--tags", a.toString(), "--task", "qed", "--input", input.toString(),
                "--output", preds.toString());
        assertEquals(0, p.exit(), p.err());
        double se = 0;
        int n = 0;
        try (Reader r = Files.newBufferedReader(preds)) {
            for (CSVRecord rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
                se += Math.pow(Double.parseDouble(rec.get("prediction")) - Double.parseDouble(rec.get("qed")), 2);
                n++;
            }
        }
        assertEquals(12, n);
        CliRun e = CliRun.of("eval", "--model", model.toString(), "--tags", a.toString(), "--task", "qed", "--input", input.toString(), "--json");
        assertEquals(0, e.exit(), e.err());
        JsonNode m = JSON.readTree(e.out());
        assertEquals(12, m.get("n").asInt());
        assertEquals(se / n, m.get("mse").asDouble(), 1e-5 * (se / n) + 1e-9, "eval MSE = MSE of the written predictions (6 significant digits)");
        for (String k : new String[]{"mae", "rmse", "pearson", "spearman", "r2"}) assertTrue(m.has(k), k);

        CliRun bad = CliRun.of("predict", "--model", model.toString(), "--tags", a.toString(), "--task", "qed", "--input",
                input.toString(), "--compute", "int8");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--compute must be f32 or bf16, got 'int8'"), bad.err());

        CliRun inspect = CliRun.of("tags", "inspect", a.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        assertTrue(inspect.out().contains("<QED>") && inspect.out().contains("<SMILES>") && inspect.out().contains("function"), inspect.out());

        // the same predictions with BF16 compute: close to the F32 ones (8-bit mantissas in, FP32 sums), not identical
        // last, as it needs the native BF16 kernels (a skip is reported, everything above has run)
        assumeTrue(NativeBf16.available(), "native BF16 kernels unavailable: " + NativeBf16.status());
        Path predsBf16 = dir.resolve("preds-bf16.csv");
        CliRun pb = CliRun.of("predict", "--model", model.toString(), "--tags", a.toString(), "--task", "qed", "--input",
                input.toString(), "--output", predsBf16.toString(), "--compute", "bf16");
        assertEquals(0, pb.exit(), pb.err());
        List<Double> f32 = column(preds, "prediction"), bf16 = column(predsBf16, "prediction");
        assertEquals(f32.size(), bf16.size());
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < f32.size(); i++) {
            maxDiff = Math.max(maxDiff, Math.abs(f32.get(i) - bf16.get(i)));
            maxAbs = Math.max(maxAbs, Math.abs(f32.get(i)));
        }
        assertTrue(maxDiff > 0, "--compute bf16 changed nothing");
        assertTrue(maxDiff <= 0.05 * maxAbs, "bf16 predictions differ by " + maxDiff + " (max |f32 prediction| " + maxAbs + ")");
    }

    @Test
    void aTagFileForAnotherModelIsRefusedNamingBothFingerprints(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        experiment(dir, model, Shared.data("smiles/esol.csv"));
        Files.writeString(dir.resolve("exp.yaml"), Files.readString(dir.resolve("exp.yaml")).replace("max_steps: 6", "max_steps: 1"));
        CliRun t = CliRun.of("train", dir.resolve("exp.yaml").toString(), "-o", dir.resolve("o").toString(), "--quiet");
        assertEquals(0, t.exit(), t.err());
        Path tags = dir.resolve("o/final.tags.safetensors");
        String fp = tagllm.tag.TagFile.read(tags).modelFingerprint();
        CliRun p = CliRun.of("predict", "--model", Shared.model("tiny-llama-tied").toString(), "--tags", tags.toString(), "--task", "qed",
                "--input", Shared.data("smiles/esol.csv").toString());
        assertNotEquals(0, p.exit());
        String other = tagllm.model.Model.load(Shared.model("tiny-llama-tied")).fingerprint();
        assertTrue(p.err().contains(fp) && p.err().contains(other), p.err());
    }

    private static List<Double> column(Path csv, String name) throws Exception {
        List<Double> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(csv)) {
            for (CSVRecord rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
                out.add(Double.parseDouble(rec.get(name)));
            }
        }
        return out;
    }
}
