package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tagllm.compare.DemoPreset;
import tagllm.eval.RegressionMetrics;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;
import tagllm.train.Experiment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * tagllm demo on the shared model and data: it is compare on its preset experiment, so its report holds every
 * task × method, its numbers are the runs' own predictions of the data files' own test labels, and the demo.yaml it
 * writes reproduces it through tagllm compare.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TASKS = List.of("qed", "descriptor", "dc", "ba");
    private static final List<String> METHODS = List.of("tagllm", "probe", "prompt-tuning", "lora");
    /** compare runs the model-free baseline (the training mean) beside every method list. */
    private static final List<String> WITH_BASELINE = List.of("tagllm", "probe", "prompt-tuning", "lora", "baseline");
    @TempDir
    static Path dir;
    Path out;
    CliRun run;
    JsonNode report;

    @BeforeAll
    void quickDemoOnce() throws Exception {
        out = dir.resolve("demo");
        run = CliRun.of("demo", "--model", Shared.model("stories260K").toString(), "--data", Shared.root().resolve("data").toString(),
                "-o", out.toString(), "--quick", "--quiet");
        assertEquals(0, run.exit(), run.err());
        report = JSON.readTree(out.resolve("report.json").toFile());
    }

    @Test
    void theReportHoldsEveryTaskAndMethodWithFiniteMetrics() {
        for (String f : new String[]{"demo.yaml", "report.json", "report.html", "inputs.json"}) assertTrue(Files.isRegularFile(out.resolve(f)), f);
        assertEquals(TASKS, names(report.path("tasks")));
        assertEquals(METHODS, JSON.convertValue(report.path("about").path("methods"), List.class));
        assertEquals(List.of(42), JSON.convertValue(report.path("about").path("seeds"), List.class), "quick: one seed, the experiment's");
        for (String task : TASKS) {
            JsonNode t = report.path("tasks").path(task);
            assertTrue(t.path("test_rows").asInt() > 0, task);
            assertTrue(names(t.path("variants")).containsAll(METHODS), task + ": " + names(t.path("variants")));
            for (String m : METHODS) {
                JsonNode v = t.path("variants").path(m);
                assertTrue(v.path("params").asLong() > 0, task + " " + m);
                for (String metric : new String[]{"mse", "mae", "rmse"}) {
                    assertTrue(Double.isFinite(v.path("mean").path(metric).asDouble(Double.NaN)), task + " " + m + " " + metric);
                }
            }
        }
        // the paper's metric per task (Table 2): MAE for DC, Pearson for BA, MSE for QED and Descriptor
        assertEquals("mae", report.path("tasks").path("dc").path("metric").asText());
        assertEquals("pearson", report.path("tasks").path("ba").path("metric").asText());
        // stdout is compare's table, under a line saying what ran
        String o = run.out();
        assertTrue(o.startsWith("Tag-LLM demo: tagllm compare on "), o);
        for (String task : TASKS) assertTrue(o.contains("\n" + task + " ("), o);
        for (String m : METHODS) assertTrue(o.contains("| " + m + " |"), o);
        assertTrue(o.contains("report.html"), o);
    }

    /**
     * Each variant's metrics are those of its predictions against the gold values, and the gold values are the
     * label column of the data file at the lines the run scored, all of them in the file's test split.
     */
    @Test
    void metricsAreThePredictionsAgainstTheTestLabelsOfTheDataFiles() throws Exception {
        Map<String, String[]> fileAndLabel = Map.of("qed", new String[]{DemoPreset.ZINC, "qed"}, "descriptor", new String[]{DemoPreset.DEEPSOL, "blosum1"},
                "dc", new String[]{DemoPreset.ONEIL, "score"}, "ba", new String[]{DemoPreset.DAVIS, "affinity"});
        Map<String, JsonNode> results = new HashMap<>();
        for (String m : WITH_BASELINE) results.put(m, JSON.readTree(out.resolve("runs").resolve(m + "-seed42").resolve("result.json").toFile()));
        for (String task : TASKS) {
            List<String> file = Files.readAllLines(Shared.data(fileAndLabel.get(task)[0]));
            List<String> header = List.of(file.getFirst().split(","));
            int label = header.indexOf(fileAndLabel.get(task)[1]), split = header.indexOf("split");
            // the report scores the rows every method predicted (a tagged prompt is longer: it may skip a row the others keep)
            java.util.Set<Long> common = null;
            for (String m : WITH_BASELINE) {
                java.util.Set<Long> s = new java.util.LinkedHashSet<>();
                for (long l : JSON.convertValue(results.get(m).path("tasks").path(task).path("lines"), long[].class)) s.add(l);
                if (common == null) common = s;
                else common.retainAll(s);
            }
            assertEquals(report.path("tasks").path(task).path("test_rows").asInt(), common.size(), task);
            for (String m : WITH_BASELINE) {
                JsonNode o = results.get(m).path("tasks").path(task);
                long[] lines = JSON.convertValue(o.path("lines"), long[].class);
                double[] gold = JSON.convertValue(o.path("gold"), double[].class), pred = JSON.convertValue(o.path("pred"), double[].class);
                assertTrue(lines.length > 0 && lines.length == gold.length && gold.length == pred.length, task + " " + m);
                List<Double> g = new ArrayList<>(), p = new ArrayList<>();
                for (int i = 0; i < lines.length; i++) {
                    String[] row = file.get((int) lines[i] - 1).split(",", -1); // line numbers count the header as line 1
                    assertEquals("test", row[split], task + " line " + lines[i]);
                    assertEquals(Double.parseDouble(row[label]), gold[i], 0, task + " line " + lines[i]);
                    if (common.contains(lines[i])) {
                        g.add(gold[i]);
                        p.add(pred[i]);
                    }
                }
                JsonNode seed = report.path("tasks").path(task).path("variants").path(m).path("seeds").get(0);
                RegressionMetrics r = RegressionMetrics.compute(p.stream().mapToDouble(Double::doubleValue).toArray(),
                        g.stream().mapToDouble(Double::doubleValue).toArray());
                assertEquals(r.mse(), seed.path("metrics").path("mse").asDouble(), 1e-12, task + " " + m);
                assertEquals(r.mae(), seed.path("metrics").path("mae").asDouble(), 1e-12, task + " " + m);
                assertEquals(r.pearson(), seed.path("metrics").path("pearson").asDouble(Double.NaN), 1e-12, task + " " + m);
            }
        }
    }

    /** The baseline predicts the mean of the training labels: for QED and DC the first 32 of the file's train split (all fit). */
    @Test
    void theBaselineIsTheTrainingMean() throws Exception {
        JsonNode baseline = JSON.readTree(out.resolve("runs/baseline-seed42/result.json").toFile()).path("tasks");
        for (String[] t : new String[][]{{"qed", DemoPreset.ZINC, "qed"}, {"dc", DemoPreset.ONEIL, "score"}}) {
            List<String> file = Files.readAllLines(Shared.data(t[1]));
            List<String> header = List.of(file.getFirst().split(","));
            int label = header.indexOf(t[2]), split = header.indexOf("split");
            double sum = 0;
            int n = 0;
            for (String line : file.subList(1, file.size())) {
                String[] row = line.split(",", -1);
                if (!row[split].equals("train")) continue;
                sum += Double.parseDouble(row[label]);
                if (++n == DemoPreset.Sizes.quick().trainRows()) break;
            }
            for (JsonNode p : baseline.path(t[0]).path("pred")) assertEquals(sum / n, p.asDouble(), 1e-12, t[0]);
        }
        assertTrue(report.path("about").path("command").asText().startsWith("tagllm compare " + out.resolve("demo.yaml") + " --methods"),
                "report.json names the compare command that reruns it: " + report.path("about").path("command").asText());
    }

    /** demo.yaml is the experiment that ran: compare on it, from its own folder's relative paths, repeats the probe exactly. */
    @Test
    void theWrittenExperimentReproducesTheDemoThroughCompare() throws Exception {
        String yaml = Files.readString(out.resolve("demo.yaml"));
        var paths = java.util.regex.Pattern.compile("(?:model|path): \"([^\"]+)\"").matcher(yaml).results().map(m -> m.group(1)).toList();
        assertEquals(7, paths.size(), "the model and six tasks' data files:\n" + yaml);
        for (String p : paths) assertFalse(Path.of(p).isAbsolute(), "paths the user gave are written relative to demo.yaml: " + p);
        Experiment e = Experiment.load(out.resolve("demo.yaml"));
        assertEquals(Shared.data(DemoPreset.ONEIL), e.data().get("dc").path().toAbsolutePath().normalize(), "resolved against the file's folder");
        assertEquals(3, e.stages().size());
        assertEquals(List.of("qed", "descriptor", "dc"), e.stages().get(1).tasks());
        assertTrue(e.stages().get(1).enrich(), "the robust recipe: stage 2 enriches the domain tags");
        assertEquals(tagllm.tag.FunctionInit.PROMPT, e.functionInit());

        Path again = dir.resolve("again");
        CliRun r = CliRun.of("compare", out.resolve("demo.yaml").toString(), "--methods", "probe", "--seeds", "1", "-o", again.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        JsonNode demoProbe = JSON.readTree(out.resolve("runs/probe-seed42/result.json").toFile()).path("tasks");
        JsonNode rerun = JSON.readTree(again.resolve("runs/probe-seed42/result.json").toFile()).path("tasks");
        for (String task : TASKS) {
            for (String f : new String[]{"lines", "gold", "pred"}) {
                assertEquals(demoProbe.path(task).path(f), rerun.path(task).path(f), task + " " + f + ": the same rows and predictions");
            }
        }
    }

    /** The default demo on the shared files: what Tag-LLM must at least achieve at the demo's sizes. */
    @Test
    @Tag("slow")
    void standardDemoBeatsTheMeanPredictor() throws Exception {
        Path std = dir.resolve("standard");
        CliRun r = CliRun.of("demo", "--model", Shared.model("stories260K").toString(), "--data", Shared.root().resolve("data").toString(),
                "-o", std.toString(), "--quiet");
        assertEquals(0, r.exit(), r.err());
        System.out.println(r.out());
        JsonNode rep = JSON.readTree(std.resolve("report.json").toFile());
        JsonNode tasks = rep.path("tasks");
        for (String task : List.of("qed", "descriptor")) {
            double mse = tasks.path(task).path("variants").path("tagllm").path("mean").path("mse").asDouble();
            double mean = tasks.path(task).path("variants").path("baseline").path("mean").path("mse").asDouble();
            assertTrue(mse < mean, task + ": Tag-LLM MSE " + mse + " vs the training mean's " + mean);
        }
        assertTrue(tasks.path("ba").path("variants").path("tagllm").path("mean").path("pearson").asDouble() > 0, "BA Pearson > 0");
        assertTrue(r.out().contains("--seeds 3"), "says how to run the full comparison:\n" + r.out());
    }

    private static List<String> names(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
