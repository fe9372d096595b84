package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tagllm.eval.RegressionMetrics;
import tagllm.testutil.CliRun;
import tagllm.testutil.HeadlessChromium;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * tagllm compare end to end at tiny sizes: report.json's numbers recomputed from the runs' own predictions, the
 * overwrite and resume rules, and report.html opened in a real headless Chromium (skipped where it is absent).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompareCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    Path yaml, out;
    CliRun first;

    @BeforeAll
    void compareOnce() throws Exception {
        yaml = dir.resolve("exp.yaml");
        Files.writeString(yaml, """
                model: %s
                seed: 5
                recipe: robust
                tag_length: 2
                tasks:
                  smiles_text: {preset: SMILES, max_length: 64, data: {path: %s, max_train: 16, max_eval: 8}}
                  qed: {preset: QED, max_length: 160, data: {path: %s, max_train: 24, max_eval: 16}}
                stages:
                  - {name: s1, stage: 1, tasks: [smiles_text], max_steps: 2}
                  - {name: s2, stage: 2, tasks: [qed], max_steps: 4, eval_every: 2, enrich: false}
                """.formatted(Shared.model("stories260K"), Shared.data("smiles/zinc20k.csv"), Shared.data("smiles/zinc20k.csv")));
        out = dir.resolve("cmp");
        first = CliRun.of("compare", yaml.toString(), "--methods", "tagllm,probe,prompt-tuning,lora", "--seeds", "2",
                "--ablations", "no-function-tag", "-o", out.toString(), "-q");
        assertEquals(0, first.exit(), first.err());
    }

    @Test
    void reportNumbersAreTheRunsOwnPredictions() throws Exception {
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        JsonNode qed = report.path("tasks").path("qed");
        assertEquals("mse", qed.path("metric").asText());
        // the command line that made the report, as a user would type it again
        assertTrue(report.path("about").path("command").asText().startsWith("tagllm compare " + yaml + " --methods"),
                report.path("about").path("command").asText());
        assertEquals(List.of("tagllm", "tagllm no-function-tag", "probe", "prompt-tuning", "lora", "baseline"), names(qed.path("variants")));
        Map<String, List<JsonNode>> runs = new HashMap<>();
        for (JsonNode r : report.path("runs")) runs.computeIfAbsent(r.path("variant").asText(), k -> new ArrayList<>()).add(r);
        for (String v : names(qed.path("variants"))) {
            JsonNode node = qed.path("variants").path(v);
            assertEquals(2, node.path("seeds").size(), v);
            double[] mse = new double[2];
            for (int s = 0; s < 2; s++) {
                JsonNode p = runs.get(v).get(s).path("predictions").path("qed");
                double[] gold = JSON.convertValue(p.path("gold"), double[].class), pred = JSON.convertValue(p.path("pred"), double[].class);
                assertEquals(qed.path("test_rows").asInt(), gold.length, "every run predicted the same rows here");
                double se = 0;
                for (int i = 0; i < gold.length; i++) se += (pred[i] - gold[i]) * (pred[i] - gold[i]);
                mse[s] = se / gold.length;
                assertEquals(mse[s], node.path("seeds").get(s).path("metrics").path("mse").asDouble(), 1e-12, v + " seed " + s);
                double r = RegressionMetrics.compute(pred, gold).pearson();
                JsonNode reported = node.path("seeds").get(s).path("metrics").path("pearson");
                if (Double.isNaN(r)) assertTrue(reported.isNull(), v + ": an undefined correlation (the constant baseline) is null");
                else assertEquals(r, reported.asDouble(), 1e-12);
            }
            assertEquals((mse[0] + mse[1]) / 2, node.path("mean").path("mse").asDouble(), 1e-12, v);
            assertEquals(Math.abs(mse[0] - mse[1]) / Math.sqrt(2), node.path("std").path("mse").asDouble(), 1e-12, v + ": sample std of two values");
            if (!v.equals("tagllm")) {
                JsonNode d = node.path("vs_tagllm").path("mse");
                double ref = (qed.path("variants").path("tagllm").path("seeds").get(0).path("metrics").path("mse").asDouble()
                        + qed.path("variants").path("tagllm").path("seeds").get(1).path("metrics").path("mse").asDouble()) / 2;
                assertEquals((mse[0] + mse[1]) / 2 - ref, d.path("diff").asDouble(), 1e-12, v + ": the paired difference of MSEs");
                assertTrue(d.path("lo").asDouble() <= d.path("diff").asDouble() + 1e-12 && d.path("diff").asDouble() <= d.path("hi").asDouble() + 1e-12);
            }
        }
        JsonNode probe = qed.path("variants").path("probe");
        assertEquals(65, probe.path("params").asInt(), "ridge on d = 64 plus an intercept");
        // prompt tuning: n = the task's total tag length (<SMILES> 2 + <QED> 2) × 64, plus the head's 64 + 1
        assertEquals(4 * 64 + 65, qed.path("variants").path("prompt-tuning").path("params").asInt());
        // LoRA r 8 on q (64 × 64) and v (64 → 32: stories260K has 4 kv heads of 8) in 5 layers: A 8×64 twice, B 64×8 and 32×8
        assertEquals(5 * (512 + 512 + 512 + 256) + 65, qed.path("variants").path("lora").path("params").asInt());
        assertEquals(2 * 2 * 64 + 65, qed.path("variants").path("tagllm").path("params").asInt());
        assertEquals(2 * 64 + 65, qed.path("variants").path("tagllm no-function-tag").path("params").asInt());
        for (JsonNode s : qed.path("variants").path("tagllm").path("seeds")) assertTrue(s.path("kept_step").asInt() >= 0, "validation kept a step");
        assertTrue(first.out().contains("| prompt-tuning |"), first.out());
    }

    @Test
    void refusesToOverwriteAndResumesFinishedRuns() throws Exception {
        Path out = dir.resolve("cmp-copy"); // resuming rewrites the report: the other tests keep reading the original
        try (var walk = Files.walk(this.out)) {
            for (Path p : walk.toList()) Files.copy(p, out.resolve(this.out.relativize(p).toString()));
        }
        Path file = Files.writeString(dir.resolve("afile"), "x");
        CliRun intoFile = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", file.toString(), "-q");
        assertEquals(1, intoFile.exit());
        assertTrue(intoFile.err().contains("cannot create the folder " + file + ": a file of that name is in the way"), intoFile.err());
        CliRun again = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "-q");
        assertNotEquals(0, again.exit());
        assertTrue(again.err().contains("--force"), again.err());
        long before = Files.getLastModifiedTime(out.resolve("runs/probe-seed5/result.json")).toMillis();
        CliRun resumed = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "--resume", "--json");
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.err().contains("run probe-seed5: already finished"), resumed.err());
        assertEquals(before, Files.getLastModifiedTime(out.resolve("runs/probe-seed5/result.json")).toMillis());
        assertTrue(JSON.readTree(resumed.out()).has("qed"));
        Path yaml = dir.resolve("changed.yaml");
        Files.writeString(yaml, Files.readString(this.yaml).replace("seed: 5", "seed: 6"));
        CliRun changed = CliRun.of("compare", yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "--resume", "-q");
        assertNotEquals(0, changed.exit());
        assertTrue(changed.err().contains("experiment_sha256"), changed.err());
        // and finished runs of the other precision are not mixed in (the runs above computed in F32)
        if (tagllm.tensor.NativeBf16.available()) {
            CliRun bf16 = CliRun.of("compare", this.yaml.toString(), "--methods", "probe", "--seeds", "1", "-o", out.toString(), "--resume", "-q",
                    "--compute", "bf16");
            assertNotEquals(0, bf16.exit());
            assertTrue(bf16.err().contains("another compute (\"f32\", now \"bf16\")"), bf16.err());
        }
    }

    @Test
    void badOptionsAreNamed() {
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "tagllm,finetune", "-o", dir.resolve("x").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("unknown method 'finetune'"), r.err());
        CliRun a = CliRun.of("compare", yaml.toString(), "--ablations", "no-tags", "-o", dir.resolve("y").toString());
        assertTrue(a.err().contains("ablation 'no-tags'") && a.err().contains("no-domain-tags"), a.err());
        // refused at once, as an experiment's tag_length is (it ran every Tag-LLM run before failing on its rows)
        CliRun p = CliRun.of("compare", yaml.toString(), "--ablations", "function-p=5000", "-o", dir.resolve("z").toString());
        assertNotEquals(0, p.exit(), p.err());
        assertTrue(p.err().contains("function-p must be at most 4096 vectors"), p.err());
        assertFalse(Files.exists(dir.resolve("z/runs")), "no run started");
    }

    /** The page in a real browser: it loads without script errors and every plot is drawn (a canvas with pixels). */
    @Test
    void reportPageDrawsItsPlotsInHeadlessChromium() throws Exception {
        String chromium = HeadlessChromium.find();
        assumeTrue(chromium != null, "no chromium on PATH (apt-get install chromium): the browser check is skipped");
        Path html = out.resolve("report.html");
        String page = Files.readString(html);
        assertFalse(page.contains("src=\"http") || page.contains("href=\"http"), "self-contained: nothing is fetched from the network");
        JsonNode s = HeadlessChromium.render(chromium, html).status();
        // scatter per variant (4) + curves: tagllm runs have 2 stages, prompt tuning 1 per task, the probe none
        assertEquals(0, s.path("errors").size(), "no script errors: " + s);
        assertEquals(0, s.path("blank").asInt(), "every chart drew pixels: " + s);
        assertTrue(s.path("charts").asInt() >= 5 + 2 * 2 + 2 * 2 + 2 + 2, "charts drawn: " + s);
        assertTrue(s.path("unused_axes").isArray() && s.path("unused_axes").isEmpty(), "every axis carries points (stage 1 has no valid axis): " + s);
    }

    private static List<String> names(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
