package tagllm.robustness;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.chem.SmilesException;
import tagllm.chem.SmilesReader;
import tagllm.data.Dataset;
import tagllm.data.DatasetException;
import tagllm.data.Format;
import tagllm.data.RowIssues;
import tagllm.head.RegressionHead;
import tagllm.model.ModelConfig;
import tagllm.model.ModelFormatException;
import tagllm.serve.PredictorService;
import tagllm.serve.ServerOptions;
import tagllm.serve.TagServer;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.Presets;
import tagllm.testutil.Shared;
import tagllm.train.Experiment;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded, bounded fuzzing of every input format: mutated SMILES, CSV and FASTA rows, tag files, config.json,
 * experiment YAML and HTTP request bodies. Each input must be accepted or refused with the format's own exception
 * (a message for the user); any other throwable is a crash, and each family runs under a time limit (no hangs).
 * Seed 13; counts are fixed, so a failure reproduces.
 */
class FuzzTest {
    private static final long SEED = 13;
    private static final String NOISE = "()[]=#@+-\\/%.:;,0123456789cCnNoOsSpPFlBr*HhXxZz \"'{}\t\n\u00e9\u0000";

    @TempDir
    Path dir;

    private static String mutate(String s, Random r) {
        StringBuilder b = new StringBuilder(s);
        int edits = 1 + r.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int i = b.isEmpty() ? 0 : r.nextInt(b.length() + 1);
            switch (r.nextInt(4)) {
                case 0 -> b.insert(i, NOISE.charAt(r.nextInt(NOISE.length())));
                case 1 -> { if (i < b.length()) b.deleteCharAt(i); }
                case 2 -> { if (i < b.length()) b.setCharAt(i, NOISE.charAt(r.nextInt(NOISE.length()))); }
                default -> { // duplicate a slice: nesting and repetition
                    int j = Math.min(b.length(), i + r.nextInt(8));
                    b.insert(i, b.substring(i, j));
                }
            }
        }
        return b.toString();
    }

    private interface Attempt {
        void run() throws Throwable;
    }

    /** Runs the attempt; the allowed exception types are refusals, anything else is recorded as a crash. */
    private static void expectOnly(List<String> crashes, String input, Set<Class<? extends Throwable>> allowed, Attempt a) {
        try {
            a.run();
        } catch (Throwable t) {
            for (Class<? extends Throwable> c : allowed) if (c.isInstance(t)) return;
            crashes.add(t + " on " + (input.length() > 80 ? input.substring(0, 80) + "..." : input));
        }
    }

    @Test
    void smilesCsvAndFastaNeverCrash() throws Exception {
        Random r = new Random(SEED);
        List<String> smiles = Files.readAllLines(Shared.data("smiles/esol.csv")).stream().skip(1).map(l -> l.split(",")[0]).limit(300).toList();
        List<String> crashes = new ArrayList<>();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            SmilesReader reader = new SmilesReader();
            for (int i = 0; i < 2000; i++) {
                String m = mutate(smiles.get(r.nextInt(smiles.size())), r);
                expectOnly(crashes, m, Set.of(SmilesException.class), () -> reader.parse(m));
            }
            for (int i = 0; i < 60; i++) {
                StringBuilder csv = new StringBuilder("id,smiles\n");
                for (int k = 0; k < 20; k++) csv.append(k).append(',').append(mutate(smiles.get(r.nextInt(smiles.size())), r)).append('\n');
                String text = mutate(csv.toString(), r);
                Path f = dir.resolve("f" + i + ".csv");
                Files.writeString(f, text);
                expectOnly(crashes, text, Set.of(DatasetException.class), () -> Dataset.scan(f, Format.CSV, RowIssues.skipping(), row -> { }));
                String fasta = mutate(">p1 x\nMKWFGGA\nKLKLL\n>p2\nACDEFGHIKLMNPQRSTVWY\n", r);
                Path g = dir.resolve("f" + i + ".fasta");
                Files.writeString(g, fasta);
                expectOnly(crashes, fasta, Set.of(DatasetException.class), () -> Dataset.scan(g, Format.FASTA, RowIssues.skipping(), row -> { }));
            }
        });
        assertEquals(List.of(), crashes, crashes.size() + " crashes");
    }

    @Test
    void tagFilesConfigsAndExperimentsNeverCrash() throws Exception {
        Random r = new Random(SEED + 1);
        List<String> crashes = new ArrayList<>();
        // a valid tag file, then its bytes flipped, cut and duplicated
        TagSet s = new TagSet("m", "f00d");
        s.put(new Tag("<A>", TagKind.FUNCTION, 2, 8, new float[16]));
        s.putHead(new RegressionHead("<A>", 1, 8, new float[8], new float[1], new double[]{0}, new double[]{1}));
        s.tasks().put("QED", Presets.get("QED", "test").toJson());
        Path valid = dir.resolve("valid.tags.safetensors");
        TagFile.write(s, valid);
        byte[] bytes = Files.readAllBytes(valid);
        String config = Files.readString(Shared.model("stories260K").resolve("config.json"));
        String yaml = """
                model: %s
                tag_length: {domain: 2, function: 3}
                defaults: {lr: 0.001, max_steps: 2, batch_size: 4}
                tasks:
                  qed: {preset: QED, data: {path: %s}}
                stages:
                  - {name: qed, stage: 2, tasks: [qed]}
                """.formatted(Shared.model("stories260K").toString().replace("\\", "/"), Shared.data("smiles/esol.csv").toString().replace("\\", "/"));
        ObjectMapper om = new ObjectMapper();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < 300; i++) {
                byte[] b = bytes.clone();
                int kind = r.nextInt(3);
                if (kind == 0) {
                    for (int k = 0; k < 1 + r.nextInt(4); k++) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                } else if (kind == 1) {
                    b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
                } else { // in the JSON header: the part parsers trust most
                    int headerLen = (int) java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
                    String header = new String(bytes, 8, headerLen, StandardCharsets.UTF_8);
                    byte[] h = mutate(header, r).getBytes(StandardCharsets.UTF_8);
                    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(8 + h.length + bytes.length - 8 - headerLen).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    out.putLong(h.length).put(h).put(bytes, 8 + headerLen, bytes.length - 8 - headerLen);
                    b = out.array();
                }
                Path f = dir.resolve("m" + i + ".tags.safetensors");
                Files.write(f, b);
                expectOnly(crashes, "tag file mutation " + i, Set.of(IOException.class, ModelFormatException.class, IllegalArgumentException.class),
                        () -> TagFile.read(f));
            }
            for (int i = 0; i < 300; i++) {
                String c = mutate(config, r);
                expectOnly(crashes, c, Set.of(IOException.class, ModelFormatException.class, IllegalArgumentException.class),
                        () -> ModelConfig.fromJson(om.readTree(c), "config.json"));
            }
            for (int i = 0; i < 200; i++) {
                String y = mutate(yaml, r);
                Path f = dir.resolve("e" + i + ".yaml");
                Files.writeString(f, y);
                expectOnly(crashes, y, Set.of(IOException.class, IllegalArgumentException.class), () -> Experiment.load(f));
            }
        });
        assertEquals(List.of(), crashes, crashes.size() + " crashes:\n" + String.join("\n", crashes));
    }

    @Test
    void httpBodiesNeverGet500OrAReset() throws Exception {
        Random r = new Random(SEED + 2);
        var model = tagllm.model.Model.load(Shared.model("stories260K"));
        TagSet s = tagllm.testutil.QedTags.of(model, false);
        Path tags = dir.resolve("qed.tags.safetensors");
        TagFile.write(s, tags);
        List<String> bodies = List.of("{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}, {\"smiles\": \"c1ccccc1O\"}]}",
                "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CC(=O)Oc1ccccc1C(=O)O\", \"id\": 3}]}",
                "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"hi\"}], \"max_tokens\": 4, \"temperature\": 0.7, \"seed\": 1}");
        List<String> crashes = new ArrayList<>();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try (PredictorService service = PredictorService.load(model, List.of(tags), Duration.ofSeconds(30));
             TagServer server = TagServer.start(service, ServerOptions.defaults().withPort(0).withMaxBodyBytes(64 * 1024))) {
            assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
                for (int i = 0; i < 300; i++) {
                    String body = mutate(bodies.get(r.nextInt(bodies.size())), r);
                    String path = r.nextInt(10) == 0 ? "/v1/generate" : "/v1/predict";
                    HttpResponse<String> resp;
                    try {
                        resp = client.send(HttpRequest.newBuilder(server.uri().resolve(path)).timeout(Duration.ofSeconds(20))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    } catch (IOException e) {
                        crashes.add("no answer (" + e + ") to " + body);
                        continue;
                    }
                    int st = resp.statusCode();
                    if (st != 200 && st != 400 && st != 413) crashes.add(st + " " + resp.body() + " to " + body);
                    else if (!resp.body().startsWith("{")) crashes.add("not JSON: " + resp.body());
                }
            });
        }
        assertEquals(List.of(), crashes, crashes.size() + " bad answers:\n" + String.join("\n", crashes.subList(0, Math.min(10, crashes.size()))));
    }
}
