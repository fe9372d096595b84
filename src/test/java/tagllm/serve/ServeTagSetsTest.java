package tagllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.task.TagPredictor;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/**
 * Several tag sets on one base model, chosen per request: two "runs" of the same task (QED) stay apart, each
 * answering as its tag file alone does (the Java facade over that one file: what tagllm predict runs).
 */
class ServeTagSetsTest {
    static final List<String> SMILES = List.of("CCO", "c1ccccc1", "CC(=O)O", "CCN", "OCC(O)CO", "C1CCCCC1", "CC(C)O");

    @Test
    void twoRunsOfOneTaskAreServedApartAndListed(@TempDir Path dir) throws Exception {
        Path a = qedTags(dir.resolve("run-a/final.tags.safetensors"), 0), b = qedTags(dir.resolve("qed-b.tags.safetensors"), 0.9);
        Path tr = translateTags(dir);
        TagPredictor refA = referencePredictor(List.of(a)), refB = referencePredictor(List.of(b));
        try (TagServer s = TagServer.start(service(List.of(a, b, tr)), ServerOptions.defaults().withPort(0))) {
            for (String smiles : SMILES.subList(0, 3)) {
                double wantA = refA.predict("QED", Map.of("smiles", smiles)), wantB = refB.predict("QED", Map.of("smiles", smiles));
                assertNotEquals(wantA, wantB, 1e-4, "the two runs differ, so a mix-up would show");
                Reply ra = post(s.uri(), "/v1/predict", json(Map.of("task", "QED", "tag_set", "run-a", "inputs", List.of(Map.of("smiles", smiles)))));
                Reply rb = post(s.uri(), "/v1/predict", json(Map.of("task", "qed", "tag_set", "qed-b", "inputs", List.of(Map.of("smiles", smiles)))));
                assertEquals(200, ra.status(), ra.body());
                assertEquals(200, rb.status(), rb.body());
                assertEquals("run-a", ra.json().path("tag_set").asText());
                assertEquals(wantA, ra.json().path("predictions").get(0).asDouble(), ServeApiTest.TOLERANCE);
                assertEquals(wantB, rb.json().path("predictions").get(0).asDouble(), ServeApiTest.TOLERANCE);
            }
            // the same task in two sets: the request must say which
            Reply both = post(s.uri(), "/v1/predict", json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", "CCO")))));
            assertEquals(400, both.status(), both.body());
            assertTrue(both.error().contains("several tag sets (run-a, qed-b)") && both.error().contains("tag_set"), both.error());
            // a task only one set serves needs no tag_set (backward compatible)
            Reply t = post(s.uri(), "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"The sun\"}], \"max_tokens\": 3}");
            assertEquals(200, t.status(), t.body());
            assertEquals("translate", t.json().path("tag_set").asText());
            // unknown set: 404 naming the loaded ones; a set without the task: 400 naming what it serves
            Reply unknown = post(s.uri(), "/v1/predict", json(Map.of("task", "QED", "tag_set", "run-c", "inputs", List.of(Map.of("smiles", "CCO")))));
            assertEquals(404, unknown.status(), unknown.body());
            assertTrue(unknown.error().contains("'run-c'") && unknown.error().contains("loaded: run-a, qed-b, translate"), unknown.error());
            Reply wrong = post(s.uri(), "/v1/predict", json(Map.of("task", "QED", "tag_set", "translate", "inputs", List.of(Map.of("smiles", "CCO")))));
            assertEquals(400, wrong.status(), wrong.body());
            assertTrue(wrong.error().contains("tag set translate") && wrong.error().contains("Translate:en-fr"), wrong.error());

            JsonNode sets = get(s.uri(), "/v1/tag-sets").json().path("tag_sets");
            assertEquals(3, sets.size(), sets.toString());
            assertEquals("run-a", sets.get(0).path("name").asText());
            assertEquals(a.toString(), sets.get(0).path("files").get(0).asText());
            assertEquals("[\"QED\"]", sets.get(1).path("tasks").toString());
            assertTrue(sets.get(0).path("not_served").has("SMILES"), sets.toString());
            // the reason names every kind of task the API serves (it left out classification, which /v1/predict serves)
            assertEquals("a language-model (stage-1 domain text) task; the API runs regression, classification and text tasks",
                    sets.get(0).path("not_served").path("SMILES").asText());
            JsonNode tasks = get(s.uri(), "/v1/tasks").json().path("tasks");
            List<String> pairs = new ArrayList<>();
            for (JsonNode n : tasks) pairs.add(n.path("tag_set").asText() + "/" + n.path("name").asText());
            assertEquals(List.of("run-a/QED", "qed-b/QED", "translate/Translate:en-fr", "translate/Translate:fr-en"), pairs);
            JsonNode health = get(s.uri(), "/health").json();
            assertEquals("[\"run-a\",\"qed-b\",\"translate\"]", health.path("tag_sets").toString());
            JsonNode api = get(s.uri(), "/openapi.json").json();
            JsonNode predictProps = api.path("components").path("schemas").path("PredictRequest").path("properties");
            assertEquals("[\"run-a\",\"qed-b\",\"translate\"]", predictProps.path("tag_set").path("enum").toString());
            assertEquals("[\"QED\"]", predictProps.path("task").path("enum").toString(), "a task two sets serve is listed once");
            assertTrue(api.path("paths").has("/v1/tag-sets"));
            String metrics = get(s.uri(), "/metrics").body();
            assertTrue(metrics.contains("tagllm_inputs_total{tag_set=\"run-a\",task=\"QED\"} 3.0"), metrics);
            assertTrue(metrics.contains("tagllm_predict_batch_prompts_count{tag_set=\"qed-b\"}"), metrics);
        }
    }

    /**
     * Concurrent requests of both sets are batched per set; every value equals the same request sent alone (to the
     * rounding of the few-row product path, {@link ServeApiTest#TOLERANCE}; the two sets differ by far more).
     */
    @Test
    void batchingAcrossSetsChangesNoBit(@TempDir Path dir) throws Exception {
        Path a = qedTags(dir.resolve("a.tags.safetensors"), 0), b = qedTags(dir.resolve("b.tags.safetensors"), 0.9);
        try (TagServer s = TagServer.start(service(List.of(a, b)), ServerOptions.defaults().withPort(0).withThreads(2))) {
            String[] sets = {"a", "b"};
            double[][] alone = new double[2][SMILES.size()];
            for (int k = 0; k < 2; k++) {
                for (int i = 0; i < SMILES.size(); i++) {
                    Reply r = post(s.uri(), "/v1/predict", json(Map.of("task", "QED", "tag_set", sets[k], "inputs", List.of(Map.of("smiles", SMILES.get(i))))));
                    assertEquals(200, r.status(), r.body());
                    alone[k][i] = r.json().path("predictions").get(0).asDouble();
                }
            }
            for (int i = 0; i < SMILES.size(); i++) assertNotEquals(alone[0][i], alone[1][i], 1e-4, "the sets differ: a mix-up would show");
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < 24; c++) {
                    int client = c;
                    done.add(pool.submit(() -> {
                        int k = client % 2, from = client % SMILES.size(), n = 1 + client % 4;
                        List<Map<String, String>> inputs = new ArrayList<>();
                        for (int j = 0; j < n; j++) inputs.add(Map.of("smiles", SMILES.get((from + j) % SMILES.size())));
                        Reply r = post(s.uri(), "/v1/predict", json(Map.of("task", "QED", "tag_set", sets[k], "inputs", inputs)));
                        assertEquals(200, r.status(), r.body());
                        for (int j = 0; j < n; j++) {
                            assertEquals(alone[k][(from + j) % SMILES.size()], r.json().path("predictions").get(j).asDouble(), ServeApiTest.TOLERANCE,
                                    "set " + sets[k] + ", molecule " + (from + j) % SMILES.size());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void tagSetNamesAndFolders(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        Path x = qedTags(runs.resolve("x.tags.safetensors"), 0), y = qedTags(runs.resolve("y.tags.safetensors"), 0.5);
        Files.writeString(runs.resolve("notes.txt"), "not a tag file");
        Path fin = qedTags(dir.resolve("my run/final.tags.safetensors"), 0.2);
        assertEquals(List.of(new TagSetFiles("x", List.of(x)), new TagSetFiles("y", List.of(y)), new TagSetFiles("my-run", List.of(fin))),
                TagSetFiles.resolve(List.of(runs.toString(), fin.toString())));
        Path tr = translateTags(dir);
        assertEquals(List.of(new TagSetFiles("both", List.of(x, tr))), TagSetFiles.resolve(List.of("both=" + x + "," + tr)));
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class, () -> TagSetFiles.resolve(List.of(x.toString(), runs.toString())));
        assertTrue(same.getMessage().contains("'x' is already loaded (from " + x + ")") && same.getMessage().contains("NAME=FILE"), same.getMessage());
        IllegalArgumentException badName = assertThrows(IllegalArgumentException.class, () -> TagSetFiles.resolve(List.of("a b=" + x)));
        assertTrue(badName.getMessage().contains("tag set name 'a b'"), badName.getMessage());
        Path none = Files.createDirectories(dir.resolve("empty"));
        java.io.IOException empty = assertThrows(java.io.IOException.class, () -> TagSetFiles.resolve(List.of(none.toString())));
        assertEquals("--tags " + none + ": the folder holds no *.tags.safetensors file (expected at least one directly in it, "
                + "each served as a tag set; a run's file is RUN/final.tags.safetensors)", empty.getMessage());
    }

    /**
     * An empty --tags folder is a failure on what was read, as a missing tag file is (README: exit 1 with one error
     * line); before, it exited 2 and printed the whole usage, as for an unknown option.
     */
    @Test
    void anEmptyFolderExits1WithOneErrorLine(@TempDir Path dir) throws Exception {
        Path none = Files.createDirectories(dir.resolve("empty"));
        CliRun r = CliRun.withDeadline(Duration.ofSeconds(60), "serve", "--model", Shared.model("stories260K").toString(), "--tags", none.toString(), "--port", "0");
        assertEquals(1, r.exit(), r.err());
        assertEquals("error: --tags " + none + ": the folder holds no *.tags.safetensors file (expected at least one directly in it, "
                + "each served as a tag set; a run's file is RUN/final.tags.safetensors)", r.err().strip());
    }

    @Test
    void aForeignFileInAFolderIsNamedAtStart(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        Path own = qedTags(runs.resolve("own.tags.safetensors"), 0);
        TagSet other = TagFile.read(own);
        other.bindModel("some-other-model", "0".repeat(64));
        TagFile.write(other, runs.resolve("foreign.tags.safetensors"));
        CliRun r = CliRun.withDeadline(Duration.ofSeconds(60), "serve", "--model", Shared.model("stories260K").toString(), "--tags", runs.toString(), "--port", "0");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("foreign.tags.safetensors") && r.err().contains("some-other-model"), r.err());
    }

    /**
     * Tag files are read once, at start: a file added to a served folder is not served (the 404 says a restart
     * loads it), and a served file overwritten meanwhile changes no answer. There is no reload.
     */
    @Test
    void tagFilesAreReadOnceAtStart(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        Path x = qedTags(runs.resolve("x.tags.safetensors"), 0);
        String body = "{\"task\": \"QED\", \"tag_set\": \"x\", \"inputs\": [{\"smiles\": \"CCO\"}]}";
        try (PredictorService service = service(List.of(runs));
             TagServer s = TagServer.start(service, ServerOptions.defaults().withPort(0))) {
            Reply before = post(s.uri(), "/v1/predict", body);
            assertEquals(200, before.status(), before.body());
            qedTags(runs.resolve("y.tags.safetensors"), 0.5);
            Files.write(x, new byte[]{1, 2, 3}); // no longer a tag file
            Reply sets = get(s.uri(), "/v1/tag-sets");
            assertEquals(1, sets.json().path("tag_sets").size(), sets.body());
            Reply y = post(s.uri(), "/v1/predict", body.replace("\"x\"", "\"y\""));
            assertEquals(404, y.status(), y.body());
            assertEquals("tag_set: no tag set 'y' is loaded (loaded: x; tag files are read once, at start: restart the server to serve "
                    + "a new or changed file)", y.error());
            Reply after = post(s.uri(), "/v1/predict", body);
            assertEquals(before.body(), after.body(), "the file read at start still answers");
        }
    }

    /**
     * One experiment may train tasks "qed" and "QED" (names differ only in case; `tagllm train` takes them). The
     * server listed both but answered "qed" and "QED" alike, with the prompt of the one stored last: its lower-cased
     * index kept one. Each exact name must run its own task (as the task alone in a file does), and a name that
     * matches both only ignoring case is refused naming them, by the server and by the Java API alike.
     */
    @Test
    void tasksDifferingOnlyInCaseEachRunTheirOwnPrompt(@TempDir Path dir) throws Exception {
        Path base = qedTags(dir.resolve("base.tags.safetensors"), 0);
        var other = tagllm.task.Presets.get("QED", "test").toJson();
        other.put("template", "Molecule <SMILES> {smiles} scores <QED> {label}");
        TagSet both = TagFile.read(base);
        both.tasks().put("qed", other.deepCopy()); // stored after QED: the old index answered "QED" with this prompt
        Path collide = dir.resolve("collide.tags.safetensors");
        TagFile.write(both, collide);
        TagSet alone = TagFile.read(base); // the reference: the same prompt as the only task of its name
        alone.tasks().put("Other", other.deepCopy());
        Path single = dir.resolve("single.tags.safetensors");
        TagFile.write(alone, single);
        TagPredictor ref = referencePredictor(List.of(single));
        try (PredictorService service = service(List.of(collide));
             TagServer s = TagServer.start(service, ServerOptions.defaults().withPort(0))) {
            for (String smiles : SMILES.subList(0, 3)) {
                double wantOther = ref.predict("Other", Map.of("smiles", smiles)), wantQed = ref.predict("QED", Map.of("smiles", smiles));
                assertNotEquals(wantOther, wantQed, 1e-4, "the two prompts differ, so a mix-up would show");
                Reply lower = post(s.uri(), "/v1/predict", json(Map.of("task", "qed", "inputs", List.of(Map.of("smiles", smiles)))));
                assertEquals(200, lower.status(), lower.body());
                assertEquals("qed", lower.json().path("task").asText(), lower.body());
                assertEquals(wantOther, lower.json().path("predictions").get(0).asDouble(), ServeApiTest.TOLERANCE);
                Reply upper = post(s.uri(), "/v1/predict", json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", smiles)))));
                assertEquals(200, upper.status(), upper.body());
                assertEquals(wantQed, upper.json().path("predictions").get(0).asDouble(), ServeApiTest.TOLERANCE);
            }
            Reply mixed = post(s.uri(), "/v1/predict", json(Map.of("task", "Qed", "inputs", List.of(Map.of("smiles", "CCO")))));
            assertEquals(400, mixed.status(), mixed.body());
            assertTrue(mixed.error().contains("'Qed'") && mixed.error().contains("QED, qed") && mixed.error().contains("exact name"),
                    mixed.error());
        }
        TagPredictor java = referencePredictor(List.of(collide));
        assertEquals(ref.predict("Other", Map.of("smiles", "CCO")), java.predict("qed", Map.of("smiles", "CCO")), 1e-9);
        var e = assertThrows(tagllm.config.ConfigException.class, () -> java.task("Qed"));
        assertTrue(e.getMessage().contains("QED, qed") && e.getMessage().contains("exact name"), e.getMessage());
    }

    /**
     * Without tag_set, a name one set serves exactly is that task, though another set holds tasks equal to it only
     * ignoring case: 'Qed' was refused as 'matches several tasks of tag set collide that differ only in case (QED, qed):
     * give the exact name', while set mixed serves a task named exactly 'Qed' (each set already prefers the exact name).
     */
    @Test
    void anExactNameInOneSetWinsOverCaseVariantsInAnother(@TempDir Path dir) throws Exception {
        Path base = qedTags(dir.resolve("base.tags.safetensors"), 0);
        var other = tagllm.task.Presets.get("QED", "test").toJson();
        other.put("template", "Molecule <SMILES> {smiles} scores <QED> {label}");
        TagSet both = TagFile.read(base);
        both.tasks().put("qed", other.deepCopy());
        Path collide = dir.resolve("collide.tags.safetensors");
        TagFile.write(both, collide);
        TagSet mixed = TagFile.read(qedTags(dir.resolve("m.tags.safetensors"), 0.9));
        mixed.tasks().put("Qed", other.deepCopy());
        Path mixedFile = dir.resolve("mixed.tags.safetensors");
        TagFile.write(mixed, mixedFile);
        TagPredictor ref = referencePredictor(List.of(mixedFile));
        try (PredictorService service = service(List.of(collide, mixedFile));
             TagServer s = TagServer.start(service, ServerOptions.defaults().withPort(0))) {
            Reply r = post(s.uri(), "/v1/predict", json(Map.of("task", "Qed", "inputs", List.of(Map.of("smiles", "CCO")))));
            assertEquals(200, r.status(), r.body());
            assertEquals("mixed", r.json().path("tag_set").asText(), r.body());
            assertEquals("Qed", r.json().path("task").asText(), r.body());
            assertEquals(ref.predict("Qed", Map.of("smiles", "CCO")), r.json().path("predictions").get(0).asDouble(), ServeApiTest.TOLERANCE);
            // a name no set serves exactly, matching tasks of one set only ignoring case: still refused naming them
            Reply amb = post(s.uri(), "/v1/predict", json(Map.of("task", "qED", "inputs", List.of(Map.of("smiles", "CCO")))));
            assertEquals(400, amb.status(), amb.body());
        }
    }

    /** The same answers as tagllm predict with each tag file alone, through the command line on both sides. */
    @Test
    void servedTogetherEqualsPredictAlone(@TempDir Path dir) throws Exception {
        Path a = qedTags(dir.resolve("a.tags.safetensors"), 0), b = qedTags(dir.resolve("b.tags.safetensors"), 0.9);
        Path input = dir.resolve("in.csv");
        Files.writeString(input, "smiles\nCCO\nc1ccccc1\n");
        double[][] cli = new double[2][];
        Path[] files = {a, b};
        for (int k = 0; k < 2; k++) {
            Path out = dir.resolve("pred" + k + ".csv");
            CliRun p = CliRun.of("predict", "--model", Shared.model("stories260K").toString(), "--tags", files[k].toString(), "--task", "QED",
                    "--input", input.toString(), "-o", out.toString());
            assertEquals(0, p.exit(), p.err());
            List<String> lines = Files.readAllLines(out);
            int col = List.of(lines.getFirst().split(",")).indexOf("prediction");
            cli[k] = lines.subList(1, lines.size()).stream().mapToDouble(l -> Double.parseDouble(l.split(",")[col])).toArray();
        }
        try (PredictorService service = PredictorService.load(Shared.model("stories260K").toString(), List.of(dir), Duration.ofSeconds(60))) {
            for (int k = 0; k < 2; k++) {
                TaskInfo task = service.task(k == 0 ? "a" : "b", "QED");
                double[] got = service.predict(task, List.of(Map.of("smiles", "CCO"), Map.of("smiles", "c1ccccc1"))).values();
                assertArrayEquals(cli[k], got, 2e-6, "tag set "  + task.tagSet());
            }
        }
    }
}
