package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/results.md's tables are typed from the stored runs (docs/results-*.json); nothing regenerates them, so a
 * mistyped or doubly rounded number (a 4-decimal printout rounded again to 3) would stand unnoticed. Every number of
 * the four tables that come from those files is checked against the file: it must be the stored value to within half
 * a unit of its last printed digit, and bold must mark exactly the intervals that exclude zero (in the validation
 * table, the lowest score). The reference is the JSON the runs wrote, not code of this project.
 */
class ResultsDocNumbersTest {
    private static final Pattern NUMBER = Pattern.compile("[+\\-−]?\\d[\\d,]*(?:\\.\\d+)?");
    private static final String[] METHODS = {"tagllm", "probe", "prompt-tuning", "lora"};

    private static String md;
    private static JsonNode shared, ablations, moleculenetCompare, suite;
    private final List<String> mismatches = new ArrayList<>();
    private int checked;

    @BeforeAll
    static void read() throws IOException {
        md = Files.readString(Path.of("docs/results.md"));
        ObjectMapper json = new ObjectMapper();
        shared = json.readTree(Path.of("docs/results-compare-shared.json").toFile());
        ablations = json.readTree(Path.of("docs/results-compare-ablations.json").toFile());
        moleculenetCompare = json.readTree(Path.of("docs/results-compare-moleculenet.json").toFile());
        suite = json.readTree(Path.of("docs/results-moleculenet.json").toFile());
    }

    @Test
    void sharedDataCompareTableIsTheStoredReport() {
        JsonNode t = shared.path("tasks");
        String task = null;
        for (List<String> r : tableAfter("| task (metric) | test rows | Tag-LLM | probe | prompt tuning | LoRA (r 8, q and v) |")) {
            String name = r.get(0);
            if (name.equals("trainable parameters")) {
                List<Double> want = new ArrayList<>();
                for (String m : METHODS) {
                    want.add(t.path("qed").path("variants").path(m).path("params").asDouble());
                    double ba = t.path("ba").path("variants").path(m).path("params").asDouble();
                    if (ba != want.getLast()) want.add(ba);
                }
                compare(numbers(join(r, 1)), want, "shared: trainable parameters");
            } else if (name.startsWith("Δ")) {
                JsonNode task0 = t.path(task);
                String metric = task0.path("metric").asText();
                List<Double> want = new ArrayList<>();
                for (int i = 1; i < METHODS.length; i++) {
                    JsonNode d = task0.path("variants").path(METHODS[i]).path("vs_tagllm").path(metric);
                    want.add(d.path("diff").asDouble());
                    want.add(d.path("lo").asDouble());
                    want.add(d.path("hi").asDouble());
                    boldMarksExclusion(r.get(i + 2), d, "shared: " + task + " " + METHODS[i] + " Δ");
                }
                compare(numbers(join(r, 2)), want, "shared: " + task + " Δ");
            } else if (name.startsWith("kept steps")) {
                List<Double> want = new ArrayList<>();
                for (String m : new String[]{"tagllm", "prompt-tuning", "lora"}) {
                    for (JsonNode s : t.path(task).path("variants").path(m).path("seeds")) want.add(s.path("kept_step").asDouble());
                }
                compare(numbers(join(r, 1)), want, "shared: " + task + " kept steps");
            } else {
                task = name.split(" ")[0].toLowerCase();
                JsonNode task0 = t.path(task);
                String metric = task0.path("metric").asText();
                List<Double> want = new ArrayList<>(List.of(task0.path("test_rows").asDouble()));
                for (String m : METHODS) {
                    JsonNode v = task0.path("variants").path(m);
                    want.add(v.path("mean").path(metric).asDouble());
                    if (!m.equals("probe")) want.add(v.path("std").path(metric).asDouble());
                }
                compare(numbers(join(r, 1)), want, "shared: " + task + " " + metric);
            }
        }
        for (List<String> r : tableAfter("Mean validation score of the kept checkpoints (the number each method chose by")) {
            String v = r.get(0).split(" ")[0].toLowerCase();
            List<Double> want = new ArrayList<>();
            for (String m : METHODS) want.add(meanOf(t.path(v).path("variants").path(m).path("seeds"), "valid_mse"));
            compare(numbers(join(r, 1)), want, "shared: validation " + v);
            int best = 0;
            for (int i = 1; i < want.size(); i++) if (want.get(i) < want.get(best)) best = i;
            for (int i = 0; i < want.size(); i++) {
                if (r.get(i + 1).contains("**") != (i == best)) mismatches.add("shared: validation " + v + ": bold should mark " + METHODS[best]);
            }
        }
        done(64);
    }

    @Test
    void ablationTableIsTheStoredReport() {
        JsonNode t = ablations.path("tasks");
        String[] variants = {"", "no-domain-tags", "no-function-tag", "function-p=1", "function-p=10", "domain-p=10", "enrich=off",
                "isolation=off", "head-init=embedding", "standardize=off"};
        String[] tasks = {"qed", "descriptor", "dc", "ba"};
        List<List<String>> rows = tableAfter("| variant | params | QED MSE Δ (valid)");
        assertEquals(variants.length, rows.size(), "rows of the ablation table");
        for (int i = 0; i < variants.length; i++) {
            String v = variants[i].isEmpty() ? "tagllm" : "tagllm " + variants[i];
            List<String> r = rows.get(i);
            double pq = t.path("qed").path("variants").path(v).path("params").asDouble(), pb = t.path("ba").path("variants").path(v).path("params").asDouble();
            compare(numbers(r.get(1)), pq == pb ? List.of(pq) : List.of(pq, pb), "ablations: " + v + " params");
            for (int k = 0; k < tasks.length; k++) {
                JsonNode variant = t.path(tasks[k]).path("variants").path(v);
                String metric = t.path(tasks[k]).path("metric").asText();
                double valid = meanOf(variant.path("seeds"), "valid_mse");
                String where = "ablations: " + v + " " + tasks[k];
                if (variants[i].isEmpty()) {
                    compare(numbers(r.get(k + 2)), List.of(variant.path("mean").path(metric).asDouble(), valid), where);
                } else {
                    JsonNode d = variant.path("vs_tagllm").path(metric);
                    compare(numbers(r.get(k + 2)), List.of(d.path("diff").asDouble(), d.path("lo").asDouble(), d.path("hi").asDouble(), valid), where);
                    boldMarksExclusion(r.get(k + 2), d, where);
                }
            }
        }
        done(150);
    }

    @Test
    void moleculeNetSuiteTablesAreTheStoredResults() {
        String[][] tasks = {{"BBBP", "bbbp"}, {"DeepSol solubility", "solubility"}, {"Solubility", "solubility"}, {"ESOL", "esol"},
                {"FreeSolv", "freesolv"}, {"Lipophilicity", "lipophilicity"}};
        String task = null;
        for (List<String> r : tableAfter("Mean ± sample standard deviation over seeds 0, 1, 2 (test split)")) {
            if (!r.get(0).isEmpty()) {
                task = key(tasks, r.get(0));
                List<Double> rows = new ArrayList<>();
                for (JsonNode x : suiteRuns(task)) rows.add(x.path("test_rows").asDouble());
                double lo = rows.stream().mapToDouble(d -> d).min().orElseThrow(), hi = rows.stream().mapToDouble(d -> d).max().orElseThrow();
                compare(numbers(r.get(2)), lo == hi ? List.of(lo) : List.of(lo, hi), "suite: " + task + " test rows");
            }
            String metric = switch (r.get(3)) {
                case "R²" -> "r2";
                default -> r.get(3).toLowerCase();
            };
            List<Double> want = new ArrayList<>();
            for (String m : new String[]{"tag_llm", "probe", reference(task)}) {
                List<Double> v = new ArrayList<>();
                for (JsonNode x : suiteRuns(task)) v.add(x.path(m).path(metric).asDouble());
                want.add(v.stream().mapToDouble(d -> d).average().orElseThrow());
                want.add(sampleStd(v));
            }
            compare(numbers(join(r, 4)), want, "suite: " + task + " " + metric);
        }
        for (List<String> r : tableAfter("Per seed (main metric, Tag-LLM / probe / majority or mean)")) {
            String[] head = r.get(0).split(" ");
            String t = key(tasks, head[0]), metric = head[1].toLowerCase();
            List<Double> want = new ArrayList<>();
            for (JsonNode x : suiteRuns(t)) {
                for (String m : new String[]{"tag_llm", "probe", reference(t)}) want.add(x.path(m).path(metric).asDouble());
            }
            compare(numbers(join(r, 1)), want, "suite per seed: " + t);
        }
        done(100);
    }

    @Test
    void moleculeNetCompareTableIsTheStoredReport() {
        JsonNode t = moleculenetCompare.path("tasks");
        String header = md.substring(md.indexOf("| task (metric) | test rows | Tag-LLM (577)")).lines().findFirst().orElseThrow();
        List<Double> params = new ArrayList<>();
        for (String m : METHODS) params.add(t.path("bbbp").path("variants").path(m).path("params").asDouble());
        compare(numbers(header).subList(0, 4), params, "MoleculeNet compare: parameters in the header");
        for (List<String> r : tableAfter("| task (metric) | test rows | Tag-LLM (577)")) {
            String task = r.get(0).split(" ")[0].toLowerCase();
            JsonNode task0 = t.path(task);
            String metric = task0.path("metric").asText();
            compare(numbers(r.get(1)), List.of(task0.path("test_rows").asDouble()), "MoleculeNet compare: " + task + " test rows");
            JsonNode own = task0.path("variants").path("tagllm");
            compare(numbers(r.get(2)), List.of(own.path("mean").path(metric).asDouble(), own.path("std").path(metric).asDouble()),
                    "MoleculeNet compare: " + task + " Tag-LLM");
            String[] others = {"probe", "prompt-tuning", "lora", "baseline"};
            for (int i = 0; i < others.length; i++) {
                JsonNode v = task0.path("variants").path(others[i]), d = v.path("vs_tagllm").path(metric);
                List<Double> want = new ArrayList<>(List.of(v.path("mean").path(metric).asDouble()));
                if (others[i].equals("prompt-tuning") || others[i].equals("lora")) want.add(v.path("std").path(metric).asDouble());
                want.addAll(List.of(d.path("diff").asDouble(), d.path("lo").asDouble(), d.path("hi").asDouble()));
                String where = "MoleculeNet compare: " + task + " " + others[i];
                compare(numbers(r.get(i + 3)), want, where);
                boldMarksExclusion(r.get(i + 3), d, where);
            }
        }
        done(100);
    }

    // ---------------------------------------------------------------------------------------------------------------

    private List<JsonNode> suiteRuns(String task) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode x : suite) if (x.path("task").asText().equals(task)) out.add(x);
        out.sort((a, b) -> Integer.compare(a.path("seed").asInt(), b.path("seed").asInt()));
        return out;
    }

    private static String reference(String task) {
        return task.equals("bbbp") || task.equals("solubility") ? "majority" : "mean";
    }

    private static String key(String[][] names, String cell) {
        for (String[] n : names) if (cell.equals(n[0]) || cell.startsWith(n[0] + " ")) return n[1];
        throw new AssertionError("no task named " + cell);
    }

    /** The doc's ± is the sample standard deviation (n − 1), computed here, not by the project's Stats. */
    private static double sampleStd(List<Double> v) {
        double m = v.stream().mapToDouble(d -> d).average().orElseThrow(), ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return Math.sqrt(ss / (v.size() - 1));
    }

    private static double meanOf(JsonNode seeds, String field) {
        double s = 0;
        for (JsonNode x : seeds) s += x.path(field).asDouble();
        return s / seeds.size();
    }

    private void boldMarksExclusion(String cell, JsonNode interval, String where) {
        boolean excludesZero = interval.path("lo").asDouble() > 0 || interval.path("hi").asDouble() < 0;
        if (cell.contains("**") != excludesZero) {
            mismatches.add(where + ": the interval " + (excludesZero ? "excludes" : "spans") + " zero, the cell " + (excludesZero ? "is not" : "is") + " bold");
        }
    }

    /** Each printed number must be the stored value rounded to as many decimals as the doc prints. */
    private void compare(List<String> printed, List<Double> stored, String where) {
        if (printed.size() != stored.size()) {
            mismatches.add(where + ": " + printed.size() + " numbers in the doc " + printed + ", " + stored.size() + " in the file " + stored);
            return;
        }
        for (int i = 0; i < printed.size(); i++) {
            checked++;
            if (!roundsTo(stored.get(i), printed.get(i))) mismatches.add(where + ": the doc says " + printed.get(i) + ", the file " + stored.get(i));
        }
    }

    /**
     * Within half a unit of the printed number's last digit. A tie counts either way: the stored numbers have 6
     * significant digits, so a mean of three can be exactly 0.4525, which a sum in doubles makes 0.45249999999999996.
     */
    static boolean roundsTo(double stored, String printed) {
        BigDecimal p = new BigDecimal(printed.replace("−", "-").replace(",", "").replace("+", ""));
        double halfUnit = 0.5 * Math.pow(10, -Math.max(p.scale(), 0));
        return Math.abs(p.doubleValue() - stored) <= halfUnit * (1 + 1e-9);
    }

    private static List<String> numbers(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = NUMBER.matcher(s);
        while (m.find()) out.add(m.group());
        return out;
    }

    private static String join(List<String> r, int from) {
        return String.join(" | ", r.subList(from, r.size()));
    }

    /** The body rows (header and --- line dropped) of the first table after the first line containing marker. */
    private static List<List<String>> tableAfter(String marker) {
        int at = md.indexOf(marker);
        assertTrue(at >= 0, "docs/results.md has no \"" + marker + "\"");
        List<String> lines = md.substring(at).lines().toList();
        int i = 0;
        while (!lines.get(i).startsWith("|")) i++;
        List<List<String>> rows = new ArrayList<>();
        for (i += 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String l = lines.get(i).strip();
            List<String> cells = new ArrayList<>();
            for (String c : l.substring(1, l.length() - 1).split("\\|", -1)) cells.add(c.strip());
            rows.add(cells);
        }
        return rows;
    }

    private void done(int atLeast) {
        assertTrue(mismatches.isEmpty(), "docs/results.md against the stored runs:\n" + String.join("\n", mismatches));
        assertTrue(checked >= atLeast, "only " + checked + " numbers were compared: a table was not found or not parsed");
    }
}
