package tagllm.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Downloads from a local stand-in for the Hub (127.0.0.1 only) into the standard cache layout, with resume. */
class HubDownloadTest {
    static final String CONFIG = """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32, "intermediate_size": 48,
             "num_hidden_layers": 2, "num_attention_heads": 2, "vocab_size": 300, "tie_word_embeddings": false,
             "bos_token_id": 1, "eos_token_id": 2}""";

    @TempDir
    Path tmp;
    FakeHubServer server;
    Path cache;
    Map<String, byte[]> files;
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @TempDir
    static Path source;
    static Map<String, byte[]> sourceFiles;

    @BeforeAll
    static void makeModel() throws IOException {
        RandomInit.createModel((ObjectNode) new ObjectMapper().readTree(CONFIG), "config.json", source, 9, SafeTensors.DType.F32, null);
        sourceFiles = new LinkedHashMap<>();
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json", "model.safetensors")) {
            sourceFiles.put(f, Files.readAllBytes(source.resolve(f)));
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        server = new FakeHubServer();
        cache = tmp.resolve("hub-cache");
        files = new LinkedHashMap<>(sourceFiles);
        server.repos.put("org/tiny", files);
    }

    @AfterEach
    void tearDown() { server.close(); }

    private ModelLocator locator(String... extra) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HF_HUB_CACHE", cache.toString());
        env.put("HF_HOME", tmp.resolve("no-hf-home").toString()); // no saved token of the machine's user
        env.put("HF_ENDPOINT", server.endpoint() + "/");
        for (int i = 0; i < extra.length; i += 2) env.put(extra[i], extra[i + 1]);
        ModelLocator l = new ModelLocator(env, new PrintStream(progress, true));
        l.downloaderSettings = d -> d.pauses(ms -> {}); // a refused connection is retried: without the real waits
        return l;
    }

    private HubDownloader downloader(String token) {
        return new HubDownloader(java.net.URI.create(server.endpoint()), token, cache, new PrintStream(progress, true))
                .timeouts(5_000, 5_000, 5, 0);
    }

    Path repoDir() { return cache.resolve("models--org--tiny"); }

    @Test
    void downloadsIntoTheHubCacheLayout() throws IOException {
        Path snap = locator("HF_TOKEN", "hf_secret").resolve("org/tiny");
        assertEquals(repoDir().resolve("snapshots").resolve(FakeHubServer.COMMIT), snap);
        assertEquals(FakeHubServer.COMMIT, Files.readString(repoDir().resolve("refs/main")));
        for (var f : files.entrySet()) {
            Path p = snap.resolve(f.getKey());
            assertArrayEquals(f.getValue(), Files.readAllBytes(p), f.getKey());
            if (Files.isSymbolicLink(p)) {
                Path target = Files.readSymbolicLink(p);
                assertEquals(Path.of("..", "..", "blobs"), target.getParent(), "relative link into blobs/ like huggingface_hub");
            }
        }
        String sha = FakeHubServer.sha256(files.get("model.safetensors"));
        assertTrue(Files.isRegularFile(repoDir().resolve("blobs").resolve(sha)), "LFS blobs are named by their SHA-256");
        assertFalse(Files.exists(snap.resolve("special_tokens_map.json")), "optional files the repo lacks are skipped");
        // the token goes to the Hub, never to the CDN the weights are redirected to
        assertTrue(server.requests("hub").stream().allMatch(r -> "Bearer hf_secret".equals(r.authorization())));
        assertFalse(server.requests("cdn").isEmpty());
        assertTrue(server.requests("cdn").stream().allMatch(r -> r.authorization() == null));
        assertTrue(progress.toString().contains("model.safetensors") && progress.toString().contains("100%"), progress.toString());
        ModelConfig c = ModelConfig.load(snap.resolve("config.json"));
        Weights w = Weights.load(c, snap);
        assertEquals(2, w.layers().length);
    }

    /** What --model org/name resolves to names its repository and the commit the cache's refs/main file names (tag files record them). */
    @Test
    void theResolvedSnapshotNamesItsRepoAndTheCommitOfItsRef() throws IOException {
        Path snap = locator().resolve("org/tiny");
        String ref = Files.readString(repoDir().resolve("refs").resolve("main")).trim();
        assertEquals(FakeHubServer.COMMIT, ref);
        assertEquals(java.util.Optional.of(new HubDownloader.Snapshot("org/tiny", ref)), HubDownloader.snapshotOf(snap));
        assertEquals(java.util.Optional.empty(), HubDownloader.snapshotOf(source), "a local folder is no snapshot");
        assertEquals(java.util.Optional.empty(), HubDownloader.snapshotOf(repoDir()));
    }

    @Test
    void aCachedModelNeedsNoNetwork() throws IOException {
        Path first = locator().resolve("org/tiny");
        int before = server.requests.size();
        assertEquals(first, locator().resolve("org/tiny"));
        assertEquals(before, server.requests.size(), "no request for a complete cached snapshot");
        server.close();
        assertEquals(first, locator("HF_HUB_OFFLINE", "1").resolve("org/tiny"));
        assertEquals(first, locator("HF_HUB_OFFLINE", "1").resolve("org/tiny@" + FakeHubServer.COMMIT));
    }

    @Test
    void offlineWithoutACachedCopyIsAClearError() {
        var e = assertThrows(ModelFormatException.class, () -> locator("HF_HUB_OFFLINE", "1").resolve("org/tiny"));
        assertTrue(e.getMessage().contains("org/tiny") && e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
        assertTrue(server.requests.isEmpty(), "offline means no request at all");
    }

    @Test
    void unreachableHubSuggestsTheRevisionAskedFor() throws IOException {
        int port;
        try (var sock = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = sock.getLocalPort();
        } // closed again: connecting is refused, as with no network
        ModelLocator l = locator("HF_ENDPOINT", "http://127.0.0.1:" + port);
        var e = assertThrows(ModelFormatException.class, () -> l.resolve("acme/tiny@v1"));
        assertTrue(e.getMessage().contains("`hf download acme/tiny --revision v1`"), e.getMessage());
        var main = assertThrows(ModelFormatException.class, () -> l.resolve("acme/tiny"));
        assertTrue(main.getMessage().contains("`hf download acme/tiny`"), main.getMessage());
    }

    @Test
    void resumesATransferThatBreaksOff() throws IOException {
        byte[] weights = files.get("model.safetensors");
        server.cutAfter = weights.length / 3;
        server.cutsLeft.set(2);
        Path snap = downloader(null).download(HubId.parse("org/tiny").orElseThrow());
        assertArrayEquals(weights, Files.readAllBytes(snap.resolve("model.safetensors")));
        List<FakeHubServer.Request> gets = server.requests("cdn").stream().filter(r -> r.method().equals("GET")).toList();
        assertEquals(3, gets.size(), "two broken transfers, then the rest");
        assertNull(gets.get(0).range());
        long third = weights.length / 3;
        assertEquals("bytes=" + third + "-", gets.get(1).range());
        assertEquals("bytes=" + 2 * third + "-", gets.get(2).range());
        assertEquals(weights.length, server.cdnBytesSent.get(), "no byte sent twice");
        assertEquals(2, progress.toString().lines().filter(l -> l.startsWith("model.safetensors: the transfer broke off (") && l.contains("; trying again in ")).count(),
                "each wait is said: " + progress);
        assertFalse(Files.exists(repoDir().resolve("blobs").resolve(FakeHubServer.sha256(weights) + ".incomplete")));
    }

    /** A full disk (the partial file is a link to Linux's /dev/full: ENOSPC) stops at once, naming the path; no retries. */
    @Test
    void aFullDiskIsNamedAndNotRetried() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/full")), "/dev/full is absent or not writable here");
        byte[] weights = files.get("model.safetensors");
        Path part = repoDir().resolve("blobs").resolve(FakeHubServer.sha256(weights) + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.createSymbolicLink(part, Path.of("/dev/full"));
        IOException e = assertThrows(IOException.class, () -> downloader(null).download(HubId.parse("org/tiny").orElseThrow()));
        assertTrue(e.getMessage().startsWith("cannot write " + part + " (downloading model.safetensors): No space left on device"), e.getMessage());
        long gets = server.requests("cdn").stream().filter(r -> r.method().equals("GET")).count();
        assertEquals(1, gets, "a local write error is not a broken connection: no retry");
    }

    @Test
    void resumesThePartialFileOfAnEarlierProcess() throws IOException {
        byte[] weights = files.get("model.safetensors");
        String sha = FakeHubServer.sha256(weights);
        Path part = repoDir().resolve("blobs").resolve(sha + ".incomplete");
        Files.createDirectories(part.getParent());
        int have = weights.length / 2 + 3;
        Files.write(part, java.util.Arrays.copyOf(weights, have));
        Path snap = locator().resolve("org/tiny");
        assertArrayEquals(weights, Files.readAllBytes(snap.resolve("model.safetensors")));
        List<FakeHubServer.Request> gets = server.requests("cdn").stream().filter(r -> r.method().equals("GET")).toList();
        assertEquals(1, gets.size());
        assertEquals("bytes=" + have + "-", gets.getFirst().range());
        assertEquals(weights.length - have, server.cdnBytesSent.get());
    }

    @Test
    void aCorruptPartialFileIsDetectedAndRemoved() throws IOException {
        byte[] weights = files.get("model.safetensors");
        String sha = FakeHubServer.sha256(weights);
        Path part = repoDir().resolve("blobs").resolve(sha + ".incomplete");
        Files.createDirectories(part.getParent());
        byte[] wrong = java.util.Arrays.copyOf(weights, 100);
        wrong[50] ^= 1;
        Files.write(part, wrong);
        var e = assertThrows(IOException.class, () -> locator().resolve("org/tiny"));
        assertTrue(e.getMessage().contains("SHA-256") && e.getMessage().contains("model.safetensors"), e.getMessage());
        assertFalse(Files.exists(part));
        assertArrayEquals(weights, Files.readAllBytes(locator().resolve("org/tiny").resolve("model.safetensors")));
    }

    @Test
    void givesUpWithAClearMessageWhenTheNetworkKeepsFailing() {
        server.cutAfter = 10;
        server.cutsLeft.set(100);
        var e = assertThrows(IOException.class, () -> downloader(null).timeouts(5_000, 5_000, 3, 0)
                .download(HubId.parse("org/tiny").orElseThrow()));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("resume"), e.getMessage());
        String sha = FakeHubServer.sha256(files.get("model.safetensors"));
        assertTrue(Files.exists(repoDir().resolve("blobs").resolve(sha + ".incomplete")), "kept for the next run");
        assertFalse(Files.exists(repoDir().resolve("refs/main")), "an incomplete download is not a cached model");
    }

    @Test
    void downloadsShardsListedInTheIndex() throws IOException {
        Path src = source;
        Map<String, byte[]> sharded = new LinkedHashMap<>(files);
        sharded.remove("model.safetensors");
        ObjectNode index = new ObjectMapper().createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        SafeTensorsWriter a = new SafeTensorsWriter(), b = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(src.resolve("model.safetensors"))) {
            for (var e : st.entries().values()) {
                boolean first = !e.name().startsWith("model.layers.1") && !e.name().startsWith("lm_head");
                String shard = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
                (first ? a : b).addF32(e.name(), st.readF32(e.name()), e.shape());
                map.put(e.name(), shard);
            }
        }
        sharded.put("model-00001-of-00002.safetensors", a.toBytes());
        sharded.put("model-00002-of-00002.safetensors", b.toBytes());
        sharded.put("model.safetensors.index.json", index.toString().getBytes());
        server.repos.put("org/sharded", sharded);
        Path snap = locator().resolve("org/sharded");
        ModelConfig c = ModelConfig.load(snap.resolve("config.json"));
        Weights w = Weights.load(c, snap);
        try (SafeTensors st = SafeTensors.open(src.resolve("model.safetensors"))) {
            assertArrayEquals(st.readF32("lm_head.weight"), w.lmHead().toF32());
            assertArrayEquals(st.readF32("model.layers.0.mlp.up_proj.weight"), w.layers()[0].up().toF32());
        }
    }

    @Test
    void hubErrorsSayWhatIsWrong() throws IOException {
        var missing = assertThrows(IOException.class, () -> locator().resolve("org/unknown"));
        assertTrue(missing.getMessage().contains("org/unknown") && missing.getMessage().contains("not found")
                && missing.getMessage().contains("HF_TOKEN"), missing.getMessage());
        var rev = assertThrows(IOException.class, () -> locator().resolve("org/tiny@v9"));
        assertTrue(rev.getMessage().contains("revision 'v9'"), rev.getMessage());
        Map<String, byte[]> noWeights = new LinkedHashMap<>(files);
        noWeights.remove("model.safetensors");
        server.repos.put("org/pickle", noWeights);
        var pickle = assertThrows(ModelFormatException.class, () -> locator().resolve("org/pickle"));
        assertTrue(pickle.getMessage().contains("safetensors"), pickle.getMessage());
        var notAnId = assertThrows(ModelFormatException.class, () -> locator().resolve("./no/such/dir"));
        assertTrue(notAnId.getMessage().contains("no such model folder"), notAnId.getMessage());
    }

    @Test
    void modelLoadTakesAHubId() throws IOException {
        Model m = Model.load("org/tiny", locator());
        assertEquals("org/tiny", m.name());
        assertEquals(repoDir().resolve("snapshots").resolve(FakeHubServer.COMMIT), m.dir());
        assertEquals(32, m.config().hiddenSize());
        assertEquals(m.fingerprint(), Model.load(source).fingerprint(), "the same model as the one served");
    }

    @Test
    void cacheLocationFollowsTheHuggingFaceVariables() {
        assertEquals(Path.of("/a/hub"), new ModelLocator(Map.of("HF_HOME", "/a"), null).cacheDir());
        assertEquals(Path.of("/b"), new ModelLocator(Map.of("HF_HOME", "/a", "HF_HUB_CACHE", "/b"), null).cacheDir());
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub"),
                new ModelLocator(Map.of(), null).cacheDir());
        assertTrue(new ModelLocator(Map.of("HF_HUB_OFFLINE", "true"), null).offline());
        assertFalse(new ModelLocator(Map.of("HF_HUB_OFFLINE", "0"), null).offline());
        assertEquals("https://huggingface.co", new ModelLocator(Map.of(), null).endpoint().toString());
    }

    @Test
    void tokenFromTheEnvironmentOrTheSavedLogin() throws IOException {
        Path home = tmp.resolve("hf-home");
        Files.createDirectories(home);
        assertNull(new ModelLocator(Map.of("HF_HOME", home.toString()), null).token());
        Files.writeString(home.resolve("token"), "hf_saved\n");
        assertEquals("hf_saved", new ModelLocator(Map.of("HF_HOME", home.toString()), null).token());
        assertEquals("hf_env", new ModelLocator(Map.of("HF_HOME", home.toString(), "HF_TOKEN", "hf_env"), null).token());
        Path other = tmp.resolve("other-token");
        Files.writeString(other, "hf_path");
        assertEquals("hf_path", new ModelLocator(Map.of("HF_HOME", home.toString(), "HF_TOKEN_PATH", other.toString()), null).token());
    }

    @Test
    void hubIdsAreParsedStrictly() {
        assertEquals(new HubId("HuggingFaceTB", "SmolLM2-135M", "main"), HubId.parse("HuggingFaceTB/SmolLM2-135M").orElseThrow());
        assertEquals("v1.0", HubId.parse("meta-llama/Llama-3.2-1B@v1.0").orElseThrow().revision());
        assertEquals("models--Qwen--Qwen2-0.5B", HubId.parse("Qwen/Qwen2-0.5B").orElseThrow().cacheFolder());
        for (String bad : new String[]{"gpt2", "a/b/c", "../x", "a/..", "/abs/path", "org/na me", "org--x/y", "a/b@"}) {
            assertTrue(HubId.parse(bad).isEmpty(), bad);
        }
    }

    /**
     * Each refusal of the Hub (docs/models.md: tokens, gated repos) stops the download with an error naming the
     * repository, what was refused and the URL; nothing is left that a later run could take for the model.
     */
    @Test
    void eachRefusalOfTheHubIsNamedAndLeavesNoModel() {
        record Case(FakeHubServer.Refusal refusal, String token, String says) {}
        List<Case> cases = List.of(
                new Case(new FakeHubServer.Refusal("config.json", 401, null), null, "repository org/tiny not found"),
                new Case(new FakeHubServer.Refusal("config.json", 401, "GatedRepo"), null, "org/tiny is gated or private"),
                new Case(new FakeHubServer.Refusal("config.json", 403, null), "hf_x", "the HF_TOKEN given was refused"),
                new Case(new FakeHubServer.Refusal("tokenizer.json", 404, "EntryNotFound"), null,
                        "file 'tokenizer.json' not found in org/tiny at " + FakeHubServer.COMMIT),
                new Case(new FakeHubServer.Refusal("config.json", 429, null), null, "HTTP 429 for config.json (rate-limited"),
                new Case(new FakeHubServer.Refusal("model.safetensors", 500, null), null, "HTTP 500 for model.safetensors (server error)"));
        for (Case c : cases) {
            cache = tmp.resolve("hub-cache-" + c.refusal().status() + "-" + c.refusal().file()); // each case from an empty cache
            server.refusal = c.refusal();
            var e = assertThrows(IOException.class, () -> downloader(c.token()).download(HubId.parse("org/tiny").orElseThrow()),
                    c.toString());
            assertTrue(e.getMessage().startsWith("org/tiny: ") && e.getMessage().contains(c.says())
                    && e.getMessage().contains(server.endpoint() + "/org/tiny/resolve/"), c + ": " + e.getMessage());
            assertFalse(Files.exists(repoDir().resolve("refs/main")), c.toString());
            assertFalse(Files.exists(repoDir().resolve("snapshots").resolve(FakeHubServer.COMMIT).resolve(c.refusal().file())), c.toString());
        }
    }

    /** org/name@refs/pr/1: asked for by that revision (encoded as one path segment), then pinned to its commit. */
    @Test
    void aRevisionIsPinnedToItsCommitAndCachedUnderItsRef() throws IOException {
        server.revisions.add("refs/pr/1");
        Path snap = locator().resolve("org/tiny@refs/pr/1");
        assertEquals(repoDir().resolve("snapshots").resolve(FakeHubServer.COMMIT), snap);
        assertEquals(FakeHubServer.COMMIT, Files.readString(repoDir().resolve("refs/refs/pr/1")), "huggingface_hub's layout");
        assertFalse(Files.exists(repoDir().resolve("refs/main")));
        List<String> hubPaths = server.requests("hub").stream().map(FakeHubServer.Request::path).toList();
        assertEquals("/org/tiny/resolve/refs%2Fpr%2F1/config.json", hubPaths.getFirst());
        assertTrue(hubPaths.stream().filter(q -> !q.endsWith("/config.json"))
                        .allMatch(q -> q.startsWith("/org/tiny/resolve/" + FakeHubServer.COMMIT + "/")),
                "every other file at the commit config.json's answer named: " + hubPaths);
        int before = server.requests.size();
        assertEquals(snap, locator("HF_HUB_OFFLINE", "1").resolve("org/tiny@refs/pr/1"));
        assertEquals(before, server.requests.size());
        var other = assertThrows(ModelFormatException.class, () -> locator("HF_HUB_OFFLINE", "1").resolve("org/tiny@v2"));
        assertTrue(other.getMessage().contains("org/tiny@v2") && other.getMessage().contains("HF_HUB_OFFLINE"), other.getMessage());
    }

    /**
     * A file whose size the HEAD did not give, cut short on every attempt: the download fails and nothing in the
     * snapshot points at the partial bytes (the client knows the GET's Content-Length, so a short body is no file).
     */
    @Test
    void aCutShortFileOfUnknownSizeIsNeverUsed() {
        server.headWithoutLength = true;
        server.cutFile = "tokenizer.json";
        server.cutFileAfter = 100;
        var e = assertThrows(IOException.class, () -> downloader(null).timeouts(5_000, 5_000, 2, 0).download(HubId.parse("org/tiny").orElseThrow()));
        // the connection's own error ("Premature EOF") names nothing: the message says which repo, file and URL, and what to do
        assertTrue(e.getMessage().startsWith("org/tiny: tokenizer.json: ") && e.getMessage().contains("after 2 attempts")
                && e.getMessage().contains(server.endpoint() + "/org/tiny/resolve/" + FakeHubServer.COMMIT + "/tokenizer.json")
                && e.getMessage().contains("run again"), e.getMessage());
        Path snap = repoDir().resolve("snapshots").resolve(FakeHubServer.COMMIT);
        assertFalse(Files.exists(snap.resolve("tokenizer.json")));
        assertTrue(Files.exists(snap.resolve("config.json")), "the file before it is complete");
        assertFalse(Files.exists(repoDir().resolve("refs/main")));
        server.cutFile = null;
        assertDoesNotThrow(() -> assertArrayEquals(files.get("tokenizer.json"),
                Files.readAllBytes(locator().resolve("org/tiny").resolve("tokenizer.json"))));
    }

    /**
     * Two processes resolving the same id at once (two CLI commands started together): the weights are fetched once
     * (the second waits on the blob's lock file, then finds the blob), and both get the complete model.
     */
    @Test
    void twoProcessesDownloadingAtOnceFetchTheWeightsOnce() throws Exception {
        int pieces = (files.get("model.safetensors").length + 16383) / 16384;
        server.cdnPieceDelayMs = 4000 / pieces; // the weights take about 4 s, so that the two JVMs (started together) overlap
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> ps = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ps.add(new ProcessBuilder(javaBin, "-Xmx64m", "-cp", System.getProperty("java.class.path"), HubDownloadMain.class.getName(),
                    server.endpoint(), cache.toString(), "org/tiny").redirectErrorStream(true).start());
        }
        List<String> outs = new java.util.ArrayList<>();
        for (Process p : ps) {
            String out = new String(p.getInputStream().readAllBytes()).trim();
            assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertEquals(repoDir().resolve("snapshots").resolve(FakeHubServer.COMMIT).toString(), out.lines().reduce((x, y) -> y).orElse(""), out);
            assertFalse(out.contains("\r"), "stderr is a pipe here: plain lines, no redraws: " + out);
            outs.add(out);
        }
        String lock = cache.resolve(".locks/models--org--tiny").resolve(FakeHubServer.sha256(files.get("model.safetensors")) + ".lock").toString();
        assertTrue(outs.stream().anyMatch(o -> o.lines().anyMatch(l -> l.equals("model.safetensors: another process is downloading it (lock "
                + lock + "); waiting for that download to finish"))), "the waiting process says why it waits: " + outs);
        long weightGets = server.requests("cdn").stream().filter(r -> r.method().equals("GET")).count();
        assertEquals(1, weightGets, "the weights are fetched once");
        List<Long> weightHeads = server.requests("hub").stream()
                .filter(r -> r.method().equals("HEAD") && r.path().endsWith("/model.safetensors")).map(FakeHubServer.Request::atNanos).toList();
        assertEquals(2, weightHeads.size());
        assertTrue(weightHeads.stream().allMatch(t -> t < server.cdnLastPieceNanos),
                "both asked for the weights while they were still arriving, so the second waited for the first: HEADs "
                        + weightHeads.stream().map(t -> (t - server.cdnLastPieceNanos) / 1_000_000 + " ms").toList()
                        + " from the last piece");
        Path snap = repoDir().resolve("snapshots").resolve(FakeHubServer.COMMIT);
        for (var f : files.entrySet()) assertArrayEquals(f.getValue(), Files.readAllBytes(snap.resolve(f.getKey())), f.getKey());
        try (var blobs = Files.list(repoDir().resolve("blobs"))) {
            assertTrue(blobs.noneMatch(b -> b.toString().endsWith(".incomplete")));
        }
    }

    /**
     * 429 and 5xx are the Hub's passing trouble: asked again (5 attempts in all), waiting as Retry-After says but at
     * most a minute, else 1, 2, 3, 4 retry delays; the file is then downloaded. When every attempt is refused, the
     * error says what the server answered and to run again later.
     */
    @Test
    void rateLimitsAndServerErrorsAreRetriedHonouringRetryAfter() throws IOException {
        List<Long> waits = new java.util.ArrayList<>();
        server.refusal = new FakeHubServer.Refusal("config.json", 429, null);
        server.refusalRetryAfter = "7";
        server.refusalsLeft.set(2);
        Path snap = downloader(null).timeouts(5_000, 5_000, 5, 1_000).pauses(waits::add).download(HubId.parse("org/tiny").orElseThrow());
        assertArrayEquals(files.get("config.json"), Files.readAllBytes(snap.resolve("config.json")));
        assertEquals(List.of(7_000L, 7_000L), waits, "Retry-After: 7 (seconds), twice");
        assertTrue(progress.toString().startsWith("config.json: HTTP 429 (rate-limited: too many requests); trying again in 7 s (attempt 2 of 5)\n"
                + "config.json: HTTP 429 (rate-limited: too many requests); trying again in 7 s (attempt 3 of 5)\n"), "each wait is said: " + progress);

        waits.clear();
        cache = tmp.resolve("hub-cache-503");
        server.refusal = new FakeHubServer.Refusal("tokenizer.json", 503, null);
        server.refusalRetryAfter = "3600";
        server.refusalsLeft.set(1);
        downloader(null).timeouts(5_000, 5_000, 5, 1_000).pauses(waits::add).download(HubId.parse("org/tiny").orElseThrow());
        assertEquals(List.of(60_000L), waits, "an hour asked for is capped at a minute");

        waits.clear();
        cache = tmp.resolve("hub-cache-429");
        server.refusal = new FakeHubServer.Refusal("config.json", 429, null);
        server.refusalRetryAfter = null;
        server.refusalsLeft.set(Integer.MAX_VALUE);
        int before = server.requests("hub").size();
        var e = assertThrows(IOException.class, () -> downloader(null).timeouts(5_000, 5_000, 5, 1_000).pauses(waits::add)
                .download(HubId.parse("org/tiny").orElseThrow()));
        assertEquals(5, server.requests("hub").size() - before, "5 attempts");
        assertEquals(List.of(1_000L, 2_000L, 3_000L, 4_000L), waits, "no Retry-After: growing delays");
        assertTrue(e.getMessage().startsWith("org/tiny: ") && e.getMessage().contains("HTTP 429") && e.getMessage().contains("rate-limited")
                && e.getMessage().contains("run again later") && e.getMessage().contains(server.endpoint() + "/org/tiny/resolve/main/config.json"),
                e.getMessage());
        assertFalse(Files.exists(repoDir().resolve("refs/main")));
    }

    @Test
    void retryAfterIsReadAsSecondsOrAsAnHttpDate() {
        assertEquals(120_000, HubDownloader.retryAfterMs("120", 0));
        assertEquals(30_000, HubDownloader.retryAfterMs("Thu, 01 Jan 1970 00:00:30 GMT", 0));
        assertEquals(-1, HubDownloader.retryAfterMs("soon", 0));
        assertEquals(-1, HubDownloader.retryAfterMs(null, 0));
    }

    /**
     * The Hub announces a size (X-Linked-Size) that the CDN's body does not have: running again would get the same
     * answer, so the download stops at the first GET, says the sizes disagree, and keeps nothing.
     */
    @Test
    void aBodyOfAnotherSizeThanTheHubAnnouncedStopsAtOnce() {
        int real = files.get("model.safetensors").length;
        for (long announced : new long[]{real / 2, real + 1000}) {
            cache = tmp.resolve("hub-cache-" + announced);
            server.linkedSize = announced;
            server.requests.clear();
            var e = assertThrows(IOException.class, () -> downloader(null).download(HubId.parse("org/tiny").orElseThrow()));
            assertTrue(e.getMessage().startsWith("org/tiny: model.safetensors: ") && e.getMessage().contains(Long.toString(announced))
                    && e.getMessage().contains("disagree") && e.getMessage().contains("/blobs/"), e.getMessage());
            assertEquals(1, server.requests("cdn").size(), "not retried: " + announced);
            try (var blobs = Files.list(repoDir().resolve("blobs"))) {
                assertTrue(blobs.noneMatch(b -> b.getFileName().toString().startsWith(FakeHubServer.sha256(files.get("model.safetensors")))),
                        "neither the blob nor a partial file is kept");
            } catch (IOException x) {
                throw new AssertionError(x);
            }
            assertFalse(Files.exists(repoDir().resolve("snapshots").resolve(FakeHubServer.COMMIT).resolve("model.safetensors")));
            assertFalse(Files.exists(repoDir().resolve("refs/main")));
        }
    }

    /** On a terminal the bar is redrawn in place, and a failed download ends its line: the error starts on its own. */
    @Test
    void aFailedDownloadEndsTheProgressLineBeforeTheError() {
        server.cutAfter = 40_000;
        server.cutsLeft.set(100);
        assertThrows(IOException.class, () -> downloader(null).timeouts(5_000, 5_000, 2, 0).progressOnTerminal(true)
                .download(HubId.parse("org/tiny").orElseThrow()));
        String out = progress.toString();
        assertTrue(out.contains("\rmodel.safetensors"), "a bar drawn in place: " + out);
        assertTrue(out.endsWith("\n"), "the bar's line is ended before the caller prints the error: " + out.substring(out.lastIndexOf('\r')));
    }

    /** Into a log (stderr not a terminal): no carriage returns, one plain line per file when it is done. */
    @Test
    void intoALogEachFileGetsOneLine() throws IOException {
        downloader(null).progressOnTerminal(false).download(HubId.parse("org/tiny").orElseThrow());
        String out = progress.toString();
        assertFalse(out.contains("\r"), out);
        List<String> lines = out.lines().toList();
        assertEquals(files.size(), lines.size(), out);
        for (String f : files.keySet()) {
            assertEquals(1, lines.stream().filter(l -> l.startsWith(f + " ")).count(), f + " in " + out);
        }
        assertTrue(lines.stream().filter(l -> l.startsWith("model.safetensors ")).allMatch(l -> l.contains("100%")), out);
    }

    /**
     * Two processes finishing the same model link the same snapshot file at once: the file is never missing for a
     * reader, stays a link (no fallback copy), and no temporary name is left behind.
     */
    @Test
    void linkingTheSameFileConcurrentlyIsAtomic() throws Exception {
        Path blob = Files.createDirectories(tmp.resolve("repo/blobs")).resolve("abc");
        Files.writeString(blob, "content");
        Path snap = Files.createDirectories(tmp.resolve("repo/snapshots/c1"));
        Path at = snap.resolve("config.json");
        HubDownloader.link(at, blob);
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        var problems = java.util.Collections.synchronizedList(new java.util.ArrayList<String>());
        List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < 3; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 400 && problems.isEmpty(); i++) {
                    try {
                        HubDownloader.link(at, blob);
                    } catch (IOException e) {
                        problems.add("link failed: " + e);
                    }
                    if (!Files.isSymbolicLink(at)) problems.add("not a link after link(): a copy or missing");
                }
            }));
        }
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!stop.get() && problems.isEmpty()) {
                if (!Files.exists(at)) problems.add("missing while being relinked");
            }
        });
        for (Thread t : threads) t.join();
        stop.set(true);
        reader.join();
        assertEquals(List.of(), problems);
        assertTrue(Files.isSymbolicLink(at));
        assertEquals("content", Files.readString(at));
        try (var names = Files.list(snap)) {
            assertEquals(List.of("config.json"), names.map(p -> p.getFileName().toString()).toList(), "no temporary name left");
        }
    }

    /** A cache folder that cannot be used is named as the Hugging Face cache, with the variable that chose it and why. */
    @Test
    void anUnusableCacheFolderIsNamedWithTheVariableThatChoseIt() throws IOException {
        Path aFile = Files.writeString(tmp.resolve("a-file"), "x");
        var under = assertThrows(IOException.class, () -> locator("HF_HUB_CACHE", aFile.resolve("hub").toString()).resolve("org/tiny"));
        assertTrue(under.getMessage().startsWith("the Hugging Face cache folder " + aFile.resolve("hub") + " (set by HF_HUB_CACHE) cannot be used: it cannot be created"),
                under.getMessage());

        Path home = Files.createDirectories(tmp.resolve("hf-home"));
        Files.writeString(home.resolve("hub"), "not a folder");
        Map<String, String> env = Map.of("HF_HOME", home.toString(), "HF_ENDPOINT", server.endpoint());
        var file = assertThrows(IOException.class, () -> new ModelLocator(env, null).resolve("org/tiny"));
        assertEquals("the Hugging Face cache folder " + home.resolve("hub") + " ($HF_HOME/hub, HF_HOME being " + home
                + ") cannot be used: it is a file, not a folder; set HF_HUB_CACHE (or HF_HOME) to a folder you can write", file.getMessage());
        assertEquals(0, server.requests.size(), "checked before asking the Hub");
    }

    /** The CDN answering 503 to the weights' GET: retried like the Hub's own, honouring Retry-After, then "run again later". */
    @Test
    void aCdnServerErrorIsRetriedAndCalledTemporary() {
        List<Long> waits = new java.util.ArrayList<>();
        server.cdnStatus = 503;
        server.refusalRetryAfter = "2";
        var e = assertThrows(IOException.class, () -> downloader(null).timeouts(5_000, 5_000, 3, 1_000).pauses(waits::add)
                .download(HubId.parse("org/tiny").orElseThrow()));
        assertEquals(3, server.requests("cdn").size());
        assertEquals(List.of(2_000L, 2_000L), waits);
        assertTrue(e.getMessage().startsWith("org/tiny: model.safetensors: ") && e.getMessage().contains("HTTP 503 (service unavailable)")
                && e.getMessage().contains("usually temporary, run again later") && !e.getMessage().contains("check the network"), e.getMessage());
    }

    /**
     * A network blip on a HEAD request (the connection reset, or no answer within the read timeout), in the middle of
     * a model's files, is asked again with the same growing delays as a 503, each wait said; the download completes.
     * The old downloader retried only 429/5xx answers: one dropped connection failed the whole command.
     */
    @Test
    void aResetOrTimedOutHeadIsRetriedAndTheDownloadCompletes() throws IOException {
        List<Long> waits = new java.util.ArrayList<>();
        server.dropFile = "tokenizer.json";
        server.dropsLeft.set(1);
        server.dropHangMs = 1_500;
        // the fake Hub answers one request at a time: the retry waits (for real) until the hung answer is over
        Path snap = downloader(null).timeouts(5_000, 300, 5, 1_000).pauses(ms -> {
            waits.add(ms);
            Thread.sleep(1_500);
        }).download(HubId.parse("org/tiny").orElseThrow());
        assertArrayEquals(files.get("tokenizer.json"), Files.readAllBytes(snap.resolve("tokenizer.json")));
        assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(snap.resolve("model.safetensors")));
        assertEquals(List.of(1_000L), waits);
        assertTrue(progress.toString().contains("tokenizer.json: timed out (Read timed out); trying again in 1 s (attempt 2 of 5)\n"),
                progress.toString());

        waits.clear();
        progress.reset();
        cache = tmp.resolve("hub-cache-reset");
        server.dropFile = "model.safetensors";
        server.dropsLeft.set(4); // the JDK itself asks once more on a connection closed without an answer
        server.dropHangMs = 0;
        snap = downloader(null).timeouts(5_000, 5_000, 5, 1_000).pauses(waits::add).download(HubId.parse("org/tiny").orElseThrow());
        assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(snap.resolve("model.safetensors")));
        assertFalse(waits.isEmpty(), "a reset is waited on");
        assertEquals(List.of(1_000L, 2_000L, 3_000L, 4_000L).subList(0, waits.size()), waits, "growing delays");
        assertTrue(progress.toString().contains("model.safetensors: unexpected end of file from server; trying again in 1 s (attempt 2 of 5)\n"),
                progress.toString());
    }

    /**
     * A refused connection is tried maxAttempts times with growing delays, each said, then named with the attempts
     * (still a ConnectException, which ModelLocator turns into "cannot be reached"); an unknown host fails at once.
     */
    @Test
    void aRefusedConnectionIsRetriedAndAnUnknownHostIsNot() throws IOException {
        int port;
        try (var sock = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = sock.getLocalPort();
        }
        List<Long> waits = new java.util.ArrayList<>();
        var e = assertThrows(java.net.ConnectException.class, () -> new HubDownloader(java.net.URI.create("http://127.0.0.1:" + port), null,
                cache, new PrintStream(progress, true)).timeouts(5_000, 5_000, 5, 1_000).pauses(waits::add)
                .download(HubId.parse("org/tiny").orElseThrow()));
        assertEquals(List.of(1_000L, 2_000L, 3_000L, 4_000L), waits);
        assertTrue(e.getMessage().startsWith("org/tiny: config.json: connection refused on each of 5 attempts; check the network"), e.getMessage());
        assertEquals(4, progress.toString().lines().filter(l -> l.startsWith("config.json: connection refused; trying again in ")).count(),
                progress.toString());

        waits.clear();
        assertThrows(java.net.UnknownHostException.class, () -> new HubDownloader(java.net.URI.create("http://no-such-host.invalid"), null,
                cache, new PrintStream(progress, true)).timeouts(5_000, 5_000, 5, 1_000).pauses(waits::add)
                .download(HubId.parse("org/tiny").orElseThrow()));
        assertEquals(List.of(), waits, "an unknown host is no blip: not waited on");
    }

    /**
     * Two downloads of one model in one process, on a terminal: the second, waiting for the weights the first is
     * fetching, says so on a line of its own. The old downloader printed it straight after the first's bar, which
     * is drawn in place with its line left open: "model.safetensors  23% [###  ] ...model.safetensors: another ...".
     */
    @Test
    void waitingForAnotherDownloadEndsItsOpenBarLineFirst() throws Exception {
        server.cdnPieceDelayMs = 300; // about 3 s for the weights: the second download arrives while the bar is open
        PrintStream shared = new PrintStream(progress, true);
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable download = () -> {
            try {
                new HubDownloader(java.net.URI.create(server.endpoint()), null, cache, shared).progressOnTerminal(true)
                        .download(HubId.parse("org/tiny").orElseThrow());
            } catch (Throwable t) {
                failed.set(t);
            }
        };
        Thread first = Thread.ofPlatform().start(download);
        long until = System.nanoTime() + 10_000_000_000L;
        while (!progress.toString().contains("\rmodel.safetensors") && System.nanoTime() < until) Thread.sleep(5);
        Thread second = Thread.ofPlatform().start(download);
        first.join();
        second.join();
        assertNull(failed.get());
        String out = progress.toString();
        int at = out.indexOf("model.safetensors: another process is downloading it");
        assertTrue(at > 0, out);
        assertEquals('\n', out.charAt(at - 1), "the waiting line starts a line of its own: " + out.substring(out.lastIndexOf('\r', at), at + 60));
    }
}
