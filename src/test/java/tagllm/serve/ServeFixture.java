package tagllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.Presets;
import tagllm.task.TagPredictor;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.time.Duration;
import java.util.List;

/**
 * Real tag files for ../shared/models/stories260K, built without training: tags from the paper's
 * initialisation nudged by a fixed pattern (so tags differ from each other), a QED head with known weights,
 * and the task definitions the trainer would store. Plus a small HTTP client for the tests.
 */
final class ServeFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    private static Model model;

    private ServeFixture() {}

    static synchronized Model model() throws IOException {
        if (model == null) model = Model.load(Shared.model("stories260K"));
        return model;
    }

    private static Tag tag(String name, TagKind kind, int p, float[] init, double phase) {
        Tag t = TagInit.newTag(name, kind, p, init);
        float[] v = t.values();
        for (int k = 0; k < v.length; k++) v[k] += (float) (0.05 * Math.sin(0.37 * k + phase));
        return t;
    }

    /** <SMILES> (domain, p=2), <QED> (function, p=1) with a head, the QED task, and the stage-1 SMILES task. */
    static Path qedTags(Path dir) throws IOException { return qedTags(dir.resolve("qed.tags.safetensors"), 0); }

    /** The same layout with tags and head moved by {@code shift} (another "training run" of the same task). */
    static Path qedTags(Path f, double shift) throws IOException { return qedTags(f, shift, 1, 0.2); }

    /**
     * qedTags' layout with a head whose every output overflows a double: weights 1e10 times larger and a label scale
     * of 1e300. Every number is finite, so TagFile takes the file, but the prediction is ±Infinity for any molecule.
     */
    static Path overflowingQedTags(Path dir) throws IOException {
        return qedTags(dir.resolve("qed-overflow.tags.safetensors"), 0, 1e10, 1e300);
    }

    private static Path qedTags(Path f, double shift, double weightScale, double labelScale) throws IOException {
        Model m = model();
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(tag("<SMILES>", TagKind.DOMAIN, 2, init, 0.1 + shift));
        s.put(tag("<QED>", TagKind.FUNCTION, 1, init, 1.3 + shift));
        int d = m.config().hiddenSize();
        float[] w = new float[d];
        for (int k = 0; k < d; k++) w[k] = (float) (weightScale * 0.08 * Math.cos(0.7 * k + 0.3 + shift));
        s.putHead(new RegressionHead("<QED>", 1, d, w, null, new double[]{0.5}, new double[]{labelScale}));
        s.tasks().put("QED", Presets.get("QED", "test").toJson());
        s.tasks().put("SMILES", Presets.get("SMILES", "test").toJson());
        java.nio.file.Files.createDirectories(f.toAbsolutePath().getParent());
        TagFile.write(s, f);
        return f;
    }

    /** <EN>, <FR> (domain, p=1), <Translate> (function, p=2) and the Translate:en-fr task. */
    static Path translateTags(Path dir) throws IOException {
        Model m = model();
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(tag("<EN>", TagKind.DOMAIN, 1, init, 2.0));
        s.put(tag("<FR>", TagKind.DOMAIN, 1, init, 2.9));
        s.put(tag("<Translate>", TagKind.FUNCTION, 2, init, 4.1));
        s.tasks().put("Translate:en-fr", Presets.get("Translate:en-fr", "test").toJson());
        Path f = dir.resolve("translate.tags.safetensors");
        TagFile.write(s, f);
        return f;
    }

    /** The Java facade built directly from the same files: the reference the server must agree with. */
    /** A classification set: task BBBP (classes 0 and 1) on a fixed linear head. */
    static Path bbbpTags(Path dir) throws IOException {
        Model m = model();
        float[] init = tagllm.tag.TagInit.initialVector(m.weights().embedTokens());
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(tagllm.tag.TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        s.put(tagllm.tag.TagInit.newTag("<BBBP>", TagKind.FUNCTION, 1, init));
        int d = m.config().hiddenSize();
        float[] w = new float[d];
        for (int k = 0; k < d; k++) w[k] = (float) (0.3 * Math.cos(0.7 * k + 0.3));
        s.putHead(new tagllm.head.RegressionHead("<BBBP>", 1, d, w, new float[]{0.1f}, null, null));
        s.tasks().put("BBBP", tagllm.task.Presets.get("BBBP", "test").toJson());
        Path f = dir.resolve("bbbp.tags.safetensors");
        TagFile.write(s, f);
        return f;
    }

    static TagPredictor referencePredictor(List<Path> files) throws IOException {
        Model m = model();
        TagSet tags = TagFile.read(files.getFirst());
        for (Path f : files.subList(1, files.size())) tags.merge(TagFile.read(f), f.toString());
        return new TagPredictor(new Transformer(m.weights()), m.tokenizer(), tags, id -> m.generation().isEos(id));
    }

    static PredictorService service(List<Path> files) throws IOException {
        return PredictorService.load(Shared.model("stories260K").toString(), files, Duration.ofSeconds(60));
    }

    // ------------------------------------------------------------------ HTTP

    record Reply(int status, String body, HttpHeaders headers) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        String error() { return json().path("error").asText(); }
    }

    /**
     * HTTP/1.1, the protocol the server speaks: the JDK client's default (HTTP/2) sent h2c upgrade headers
     * (Connection: Upgrade, HTTP2-Settings; Upgrade: h2c) on every request, so the tests never sent the plain
     * requests real HTTP/1.1 clients send.
     */
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    static Reply send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpResponse<String> r = CLIENT.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r.headers());
    }

    static Reply get(URI base, String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    static Reply post(URI base, String path, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /**
     * A POST sent whole on a connection of its own, the answer left unread: for tests that hold connections open, hang
     * up on them, or read the answer later (30 s read timeout).
     */
    static java.net.Socket rawPost(int port, String path, String body) throws IOException {
        java.net.Socket k = new java.net.Socket("127.0.0.1", port);
        k.setSoTimeout(30_000);
        writePost(k, path, body);
        return k;
    }

    /** Writes a whole JSON POST on a connected socket. */
    static void writePost(java.net.Socket k, String path, String body) throws IOException {
        byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        k.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        k.getOutputStream().write(b);
        k.getOutputStream().flush();
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a request for task X runs, given its inputs and its cancellation. */
    interface Work {
        TagService.Predictions run(List<Map<String, String>> inputs, Cancellation cancel);
    }

    /** A stand-in service of one regression task X whose predictions are work (its other calls are not used). */
    static TagService taskX(Work work) {
        return new TagService() {
            public String modelName() { return "m"; }

            public String modelFingerprint() { return "f"; }

            public List<TaskInfo> tasks() { return List.of(); }

            public TaskInfo task(String name) {
                return new TaskInfo("X", tagllm.task.TaskType.REGRESSION, "<X>", Map.of("<X>", "function"), List.of(), "test");
            }

            public Predictions predict(TaskInfo task, List<Map<String, String>> inputs, Cancellation cancel) { return work.run(inputs, cancel); }

            public Predictions predict(String task, List<Map<String, String>> inputs) { return work.run(inputs, new Cancellation()); }

            public Generations generate(String task, List<Map<String, String>> inputs, int maxTokens) { throw new UnsupportedOperationException(); }
        };
    }
}
