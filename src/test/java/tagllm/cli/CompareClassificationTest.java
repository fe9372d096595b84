package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
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
 * tagllm compare on classification tasks at tiny sizes (BBBP, binary, and a three-class task made from zinc20k's
 * QED): every method runs, report.json's AUROC, accuracy and log loss recomputed here by hand from the runs' own
 * class probabilities (AUROC as the share of positive-negative pairs ranked right, ties one half), the majority
 * baseline's frequencies, the probe's parameters, a task compare cannot score refused by name, and the page in a
 * real headless Chromium.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompareClassificationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    Path yaml, out;
    CliRun first;

    @BeforeAll
    void compareOnce() throws Exception {
        // three classes by QED, a fixed split by row number
        List<String> zinc = Files.readAllLines(Shared.data("smiles/zinc20k.csv"));
        StringBuilder csv = new StringBuilder("smiles,grade,split\n");
        for (int i = 1; i <= 240; i++) {
            String[] f = zinc.get(i).split(",");
            double qed = Double.parseDouble(f[1]);
            csv.append(f[0]).append(',').append(qed < 0.6 ? "low" : qed < 0.8 ? "mid" : "high").append(',')
                    .append(i % 5 == 3 ? "valid" : i % 5 == 4 ? "test" : "train").append('\n');
        }
        Path grades = dir.resolve("grades.csv");
        Files.writeString(grades, csv);
        yaml = dir.resolve("exp.yaml");
        Files.writeString(yaml, """
                model: %s
                seed: 5
                recipe: robust
                tag_length: 2
                tasks:
                  smiles_text: {preset: SMILES, max_length: 64, data: {path: %s, max_train: 16, max_eval: 8}}
                  bbbp: {preset: BBBP, max_length: 160, head: {bias: true, init: ridge}, data: {path: %s, max_train: 32, max_eval: 24}}
                  grade:
                    type: classification
                    template: "# # Input: The SMILES of the molecule is <SMILES> {smiles}. \\n# # Output: its drug-likeness grade is <Grade> {label}."
                    tags: {SMILES: domain, Grade: function}
                    label: grade
                    head: {bias: true, init: ridge}
                    max_length: 160
                    data: {path: %s, max_train: 32, max_eval: 24}
                stages:
                  - {name: s1, stage: 1, tasks: [smiles_text], max_steps: 2}
                  - {name: s2, stage: 2, tasks: [bbbp, grade], max_steps: 4, eval_every: 2, enrich: false}
                """.formatted(Shared.model("stories260K"), Shared.data("smiles/zinc20k.csv"), Shared.data("smiles/bbbp.csv"), grades));
        out = dir.resolve("cmp");
        first = CliRun.of("compare", yaml.toString(), "--methods", "tagllm,probe,prompt-tuning,lora", "--seeds", "2",
                "--ablations", "no-function-tag", "-o", out.toString(), "-q");
        assertEquals(0, first.exit(), first.err());
    }

    @Test
    void reportNumbersAreTheRunsOwnProbabilities() throws Exception {
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        Map<String, List<JsonNode>> runs = new HashMap<>();
        for (JsonNode r : report.path("runs")) runs.computeIfAbsent(r.path("variant").asText(), k -> new ArrayList<>()).add(r);
        for (String task : List.of("bbbp", "grade")) {
            JsonNode t = report.path("tasks").path(task);
            // the rows every run predicted (a row may fit the tag-free prompt and not the tagged one): the tables use these
            java.util.Set<Long> common = null;
            for (JsonNode r : report.path("runs")) {
                java.util.Set<Long> lines = new java.util.LinkedHashSet<>();
                for (JsonNode l : r.path("predictions").path(task).path("lines")) lines.add(l.asLong());
                if (common == null) common = lines;
                else common.retainAll(lines);
            }
            assertEquals(t.path("test_rows").asInt(), common.size());
            assertTrue(common.size() >= 20, "most of the 24 test rows: " + common.size());
            assertEquals("classification", t.path("type").asText());
            assertEquals("auroc", t.path("metric").asText());
            assertTrue(t.path("higher_is_better").asBoolean());
            int k = t.path("classes").size();
            assertEquals(task.equals("bbbp") ? 2 : 3, k, t.path("classes").toString());
            assertEquals(List.of("tagllm", "tagllm no-function-tag", "probe", "prompt-tuning", "lora", "baseline"), names(t.path("variants")));
            double[] refAuroc = null;
            for (String v : names(t.path("variants"))) {
                JsonNode node = t.path("variants").path(v);
                assertEquals(2, node.path("seeds").size(), v);
                double[] auroc = new double[2], acc = new double[2], ll = new double[2];
                for (int s = 0; s < 2; s++) {
                    JsonNode p = runs.get(v).get(s).path("predictions").path(task);
                    long[] lines = JSON.convertValue(p.path("lines"), long[].class);
                    int[] allGold = JSON.convertValue(p.path("gold"), int[].class);
                    double[][] allProb = JSON.convertValue(p.path("prob"), double[][].class);
                    List<Integer> keep = new ArrayList<>();
                    for (int i = 0; i < lines.length; i++) if (common.contains(lines[i])) keep.add(i);
                    int[] gold = keep.stream().mapToInt(i -> allGold[i]).toArray();
                    double[][] prob = keep.stream().map(i -> allProb[i]).toArray(double[][]::new);
                    assertEquals(t.path("test_rows").asInt(), gold.length);
                    long[] counts = new long[k];
                    for (int g : gold) counts[g]++;
                    for (int c = 0; c < k; c++) assertEquals(counts[c], t.path("class_counts").path(t.path("classes").get(c).asText()).asLong());
                    auroc[s] = k == 2 ? pairAuroc(prob, gold, 1) : macroAuroc(prob, gold, k);
                    acc[s] = accuracy(prob, gold);
                    ll[s] = logLoss(prob, gold);
                    JsonNode m = node.path("seeds").get(s).path("metrics");
                    assertEquals(auroc[s], m.path("auroc").asDouble(), 1e-12, task + " " + v + " seed " + s);
                    assertEquals(acc[s], m.path("accuracy").asDouble(), 1e-12, task + " " + v + " seed " + s);
                    assertEquals(ll[s], m.path("log_loss").asDouble(), 1e-9, task + " " + v + " seed " + s);
                }
                assertEquals((auroc[0] + auroc[1]) / 2, node.path("mean").path("auroc").asDouble(), 1e-12, v);
                assertEquals(Math.abs(auroc[0] - auroc[1]) / Math.sqrt(2), node.path("std").path("auroc").asDouble(), 1e-12, v);
                if (v.equals("tagllm")) {
                    refAuroc = auroc;
                } else {
                    JsonNode d = node.path("vs_tagllm").path("auroc");
                    assertEquals((auroc[0] + auroc[1]) / 2 - (refAuroc[0] + refAuroc[1]) / 2, d.path("diff").asDouble(), 1e-12, v);
                    assertTrue(d.path("lo").asDouble() <= d.path("diff").asDouble() + 1e-12 && d.path("diff").asDouble() <= d.path("hi").asDouble() + 1e-12,
                            v + ": " + d);
                    assertTrue(node.path("vs_tagllm").has("accuracy") && node.path("vs_tagllm").has("log_loss"));
                }
            }
            // the majority baseline: every row gets the training class frequencies, so AUROC is exactly 1/2 and
            // the most frequent class is always predicted
            JsonNode base = runs.get("baseline").getFirst().path("predictions").path(task);
            double[][] prob = JSON.convertValue(base.path("prob"), double[][].class);
            for (double[] row : prob) assertArrayEquals(prob[0], row);
            assertEquals(1.0, java.util.Arrays.stream(prob[0]).sum(), 1e-12);
            assertEquals(0.5, t.path("variants").path("baseline").path("mean").path("auroc").asDouble(), 1e-15);
            assertTrue(t.path("variants").path("baseline").path("baseline").asText().contains("majority"));
            // the probe: one logit per class beyond binary, each on d = 64 plus an intercept
            assertEquals((k == 2 ? 1 : k) * 65, t.path("variants").path("probe").path("params").asInt());
            // Tag-LLM: <SMILES> and the function tag (p = 2 each, d = 64) and the head
            assertEquals(2 * 2 * 64 + (k == 2 ? 1 : k) * 65, t.path("variants").path("tagllm").path("params").asInt());
            for (JsonNode s : t.path("variants").path("tagllm").path("seeds")) assertTrue(s.path("kept_step").asInt() >= 0, "validation kept a step");
        }
        assertTrue(first.out().contains("| baseline (majority class"), first.out());
        assertTrue(first.err().contains("run probe-seed6: no randomness, the fit of probe-seed5 reused"), first.err());
    }

    /** The finished runs read back (class probabilities included) give the same tables: --report-only after resume. */
    @Test
    void reportOnlyRebuildsTheSameTablesFromTheSavedRuns() throws Exception {
        Path copy = dir.resolve("cmp-copy"); // the other tests keep reading the original report
        try (var walk = Files.walk(out)) {
            for (Path p : walk.toList()) Files.copy(p, copy.resolve(out.relativize(p).toString()));
        }
        CliRun again = CliRun.of("compare", yaml.toString(), "--methods", "tagllm,probe,prompt-tuning,lora", "--seeds", "2",
                "--ablations", "no-function-tag", "-o", copy.toString(), "--report-only", "-q");
        assertEquals(0, again.exit(), again.err());
        assertEquals(JSON.readTree(out.resolve("report.json").toFile()).path("tasks"), JSON.readTree(copy.resolve("report.json").toFile()).path("tasks"));
    }

    @Test
    void aTaskCompareCannotScoreIsRefusedByName() throws Exception {
        Path text = dir.resolve("text.yaml");
        Files.writeString(text, Files.readString(yaml).replace("stages:", """
                  describe:
                    type: text
                    template: "Molecule <SMILES> {smiles} is <Describe> {grade}"
                    tags: {SMILES: domain, Describe: function}
                    output: grade
                    data: {path: %s, max_train: 8, max_eval: 8}
                stages:""".formatted(dir.resolve("grades.csv"))).replace("tasks: [bbbp, grade]", "tasks: [bbbp, grade, describe]"));
        CliRun r = CliRun.of("compare", text.toString(), "--methods", "probe", "--seeds", "1", "-o", dir.resolve("refused").toString(), "-q");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("task describe") && r.err().contains("text-generation"), r.err());
        assertFalse(Files.exists(dir.resolve("refused/runs")), "refused before any run");
    }

    /** The page in a real browser: it loads without script errors and every plot (ROC, calibration, curves) is drawn. */
    @Test
    void reportPageDrawsItsPlotsInHeadlessChromium() throws Exception {
        String chromium = HeadlessChromium.find();
        assumeTrue(chromium != null, "no chromium on PATH (apt-get install chromium): the browser check is skipped");
        HeadlessChromium.Page page = HeadlessChromium.render(chromium, out.resolve("report.html"));
        JsonNode s = page.status();
        String dom = page.dom();
        assertEquals(0, s.path("errors").size(), "no script errors: " + s);
        assertEquals(0, s.path("blank").asInt(), "every chart drew pixels: " + s);
        // ROC + calibration for 2 tasks x 6 variants, and at least one curve per trained run
        assertTrue(s.path("charts").asInt() >= 2 * 2 * 6 + 2 * 2, "charts drawn: " + s);
        assertTrue(dom.contains("ROC curves and calibration"), "the classification section is on the page");
        assertFalse(dom.contains("bbbp: probe'"), "no predicted-vs-true scatter for classes");
        assertTrue(s.path("unused_axes").isArray() && s.path("unused_axes").isEmpty(), "every axis carries points: " + s);
    }

    /** The share of (positive, negative) pairs whose positive scores higher, ties counting one half. */
    static double pairAuroc(double[][] prob, int[] gold, int positive) {
        double right = 0;
        long pairs = 0;
        for (int i = 0; i < gold.length; i++) {
            if (gold[i] != positive) continue;
            for (int j = 0; j < gold.length; j++) {
                if (gold[j] == positive) continue;
                pairs++;
                double a = prob[i][positive], b = prob[j][positive];
                right += a > b ? 1 : a == b ? 0.5 : 0;
            }
        }
        return right / pairs;
    }

    /** One vs rest per class present, then the plain mean (scikit-learn's macro "ovr"). */
    static double macroAuroc(double[][] prob, int[] gold, int k) {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < k; c++) {
            final int cc = c;
            if (java.util.Arrays.stream(gold).noneMatch(g -> g == cc)) continue;
            sum += pairAuroc(prob, gold, c);
            present++;
        }
        return sum / present;
    }

    static double accuracy(double[][] prob, int[] gold) {
        int right = 0;
        for (int i = 0; i < gold.length; i++) {
            int best = 0;
            for (int c = 1; c < prob[i].length; c++) if (prob[i][c] > prob[i][best]) best = c;
            if (best == gold[i]) right++;
        }
        return (double) right / gold.length;
    }

    static double logLoss(double[][] prob, int[] gold) {
        double s = 0;
        for (int i = 0; i < gold.length; i++) s -= Math.log(prob[i][gold[i]]);
        return s / gold.length;
    }

    private static List<String> names(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
