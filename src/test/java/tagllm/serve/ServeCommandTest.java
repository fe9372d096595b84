package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tagllm.cli.Main;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/** `tagllm serve` in-process: it starts, prints its URL, answers, stops on interrupt; bad options fail fast. */
class ServeCommandTest {
    private static final Pattern URL = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");

    @Test
    void servesUntilInterrupted(@TempDir Path dir) throws Exception {
        Path qed = qedTags(dir), tr = translateTags(dir);
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = new Thread(() -> exit.set(cl.execute("serve", "--model", Shared.model("stories260K").toString(),
                "--tags", qed.toString(), "--tags", tr.toString(), "--port", "0", "--max-body", "1KiB")));
        t.start();
        try {
            URI base = null;
            for (int i = 0; i < 600 && base == null && t.isAlive(); i++) {
                Matcher m = URL.matcher(out.toString());
                if (m.find()) base = URI.create(m.group(1));
                else Thread.sleep(50);
            }
            assertNotNull(base, "no URL printed: " + out + err);
            assertTrue(out.toString().contains("task QED (regression, from tag file), fields: smiles"), out.toString());
            assertTrue(err.toString().contains("note: task SMILES is not served"), err.toString());
            Reply h = get(base, "/health");
            assertEquals(200, h.status(), h.body());
            assertEquals(model().fingerprint(), h.json().path("fingerprint").asText());
            Reply p = post(base, "/v1/predict", "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CCO\"}]}");
            assertEquals(200, p.status(), p.body());
            assertEquals(referencePredictor(List.of(qed, tr)).predict("QED", Map.of("smiles", "CCO")),
                    p.json().path("predictions").get(0).asDouble(), ServeApiTest.TOLERANCE);
            Reply big = post(base, "/v1/predict", json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", "C".repeat(1100))))));
            assertEquals(413, big.status(), "--max-body 1KiB applies: " + big.body());
            assertTrue(err.toString().contains("POST /v1/predict 200"), "access log on stderr: " + err);
        } finally {
            t.interrupt();
            t.join(10_000);
        }
        assertFalse(t.isAlive());
        assertEquals(0, exit.get(), err.toString());
    }

    @Test
    void badOptionsAreRefusedBeforeLoading() throws Exception {
        CliRun r = CliRun.withDeadline(Duration.ofSeconds(30), "serve", "--model", "nowhere", "--tags", "x.tags.safetensors", "--port", "70000");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--port: expected 0..65535, got 70000"), r.err());
        r = CliRun.withDeadline(Duration.ofSeconds(30), "serve", "--model", "nowhere", "--tags", "x.tags.safetensors", "--max-body", "8XB");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("'8XB' is not a size"), r.err());
        r = CliRun.withDeadline(Duration.ofSeconds(30), "serve", "--model", "nowhere", "--tags", "x.tags.safetensors", "--threads", "0");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--threads: expected 1..1024, got 0"), r.err());
        r = CliRun.withDeadline(Duration.ofSeconds(30), "serve", "--model", "nowhere");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--tags"), r.err());
    }

    @Test
    void aMissingTagFileIsNamed(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.tags.safetensors");
        CliRun r = CliRun.withDeadline(Duration.ofSeconds(30), "serve", "--model", Shared.model("stories260K").toString(), "--tags", missing.toString(), "--port", "0");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(missing.toString()) && r.err().contains("tag file not found"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void tagsOfAnotherModelAreRefused(@TempDir Path dir) throws Exception {
        Path own = qedTags(dir);
        TagSet other = TagFile.read(own);
        other.bindModel("some-other-model", "0".repeat(64));
        Path foreign = dir.resolve("foreign.tags.safetensors");
        TagFile.write(other, foreign);
        CliRun r = CliRun.withDeadline(Duration.ofSeconds(30), "serve", "--model", Shared.model("stories260K").toString(), "--tags", foreign.toString(), "--port", "0");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("foreign.tags.safetensors") && r.err().contains("some-other-model")
                && r.err().contains(model().fingerprint()), r.err());
    }

    /**
     * A port another process holds: one error line saying so (the JDK's reason, not Jetty's bare 'Failed to bind'),
     * exit 1, and no tag-set listing on stdout as if the server were coming up.
     */
    @Test
    void aPortInUseIsOneClearLineAndExit1(@TempDir Path dir) throws Exception {
        Path qed = qedTags(dir);
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            CliRun r = CliRun.withDeadline(Duration.ofSeconds(60), "serve", "--model", Shared.model("stories260K").toString(),
                    "--tags", qed.toString(), "--port", Integer.toString(port));
            assertEquals(1, r.exit(), r.err());
            List<String> lines = r.err().lines().filter(l -> !l.isBlank() && !l.startsWith("note:")).toList();
            assertEquals(List.of("error: cannot listen on 127.0.0.1:" + port + ": Address already in use (another process holds the port; "
                    + "choose another with --port, or 0 for a free one)"), lines, r.err());
            assertFalse(r.out().contains("tag set"), "nothing printed as if serving: " + r.out());
        }
    }
}
