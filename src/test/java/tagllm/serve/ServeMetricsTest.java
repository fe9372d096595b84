package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/**
 * GET /metrics read as a Prometheus scraper reads it: every family has its HELP and TYPE, histogram buckets are
 * cumulative and end in +Inf equal to _count, and the counts are exactly the requests this test made.
 */
class ServeMetricsTest {
    @TempDir
    Path dir;

    @Test
    void countsAreTheRequestsMadeAndEachRefusalIsCountedOnce() throws Exception {
        ServerOptions o = ServerOptions.defaults().withPort(0).withMaxBodyBytes(1024).withLog(line -> { })
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(1));
        try (TagServer s = TagServer.start(service(List.of(qedTags(dir))), o)) {
            for (int i = 0; i < 3; i++) assertEquals(200, get(s.uri(), "/health").status());
            String one = json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", "CCO"), Map.of("smiles", "CCN"))));
            for (int i = 0; i < 2; i++) assertEquals(200, post(s.uri(), "/v1/predict", one).status());
            assertEquals(404, get(s.uri(), "/nope").status());
            assertEquals(405, get(s.uri(), "/v1/predict").status());
            // a body declared over the limit that then stops arriving: one refusal, too_large; the body drained
            // after it timing out is no second one
            assertTrue(stalledPost(s.port(), 5000, 100).startsWith("HTTP/1.1 413 "));
            // a body within the limit that stops arriving: one refusal, timeout
            assertTrue(stalledPost(s.port(), 500, 100).startsWith("HTTP/1.1 408 "));

            // every answer is counted before it is written: one scrape right after the last answer sees them all
            String text = get(s.uri(), "/metrics").body();
            Map<String, Double> v = samples(text);
            assertEquals(3.0, v.get("tagllm_http_requests_total{endpoint=\"/health\",status=\"200\"}"), text);
            assertEquals(2.0, v.get("tagllm_http_requests_total{endpoint=\"/v1/predict\",status=\"200\"}"), text);
            assertEquals(1.0, v.get("tagllm_http_requests_total{endpoint=\"/v1/predict\",status=\"405\"}"), text);
            assertEquals(1.0, v.get("tagllm_http_requests_total{endpoint=\"/v1/predict\",status=\"413\"}"), text);
            assertEquals(1.0, v.get("tagllm_http_requests_total{endpoint=\"/v1/predict\",status=\"408\"}"), text);
            assertEquals(1.0, v.get("tagllm_http_requests_total{endpoint=\"other\",status=\"404\"}"), text);
            assertEquals(5.0, v.get("tagllm_http_request_duration_seconds_count{endpoint=\"/v1/predict\"}"), text);
            assertEquals(4.0, v.get("tagllm_inputs_total{tag_set=\"qed\",task=\"QED\"}"), text);
            assertEquals(1.0, v.get("tagllm_http_refused_total{reason=\"too_large\"}"), text);
            assertEquals(1.0, v.get("tagllm_http_refused_total{reason=\"timeout\"}"), text);
            assertEquals(0.0, v.get("tagllm_http_requests_in_flight"), text);
            assertWellFormed(text);
            // the HELP a dashboard author reads names every reason the server counts (docs/serve.md lists the same)
            String help = text.lines().filter(l -> l.startsWith("# HELP tagllm_http_refused_total ")).findFirst().orElseThrow();
            for (String reason : List.of("busy", "memory", "too_large", "timeout", "header_timeout", "unauthorized")) {
                assertTrue(help.matches(".*[(, ]" + reason + "[,)].*"), reason + " in " + help);
            }
        }
    }

    /**
     * Every answer is counted in /metrics before the write that completes it, so a client that has read its answer
     * finds it counted in its next scrape. The server counted after the write, so such a scrape could miss it (a
     * 408 was missing from one under load). Checked where it cannot race: a wrapper around the API's handler
     * scrapes the metrics as each last write begins, before the client can have any of it.
     */
    @Test
    void eachAnswerIsCountedBeforeItIsWritten() throws Exception {
        ServerOptions o = ServerOptions.defaults().withPort(0).withMaxTokens(4).withLog(line -> { });
        Admission admission = new Admission(o.queue(), o.bodyBudgetBytes());
        ServerMetrics metrics = new ServerMetrics(admission::inFlight, admission::bytesHeld);
        ApiHandler api = new ApiHandler(service(List.of(qedTags(dir), translateTags(dir))), o, admission, metrics);
        List<String> unCounted = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger lastWrites = new java.util.concurrent.atomic.AtomicInteger();
        org.eclipse.jetty.server.Handler checking = new org.eclipse.jetty.server.Handler.Wrapper(api) {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) throws Exception {
                String what = request.getMethod() + " " + request.getHttpURI().getPath();
                return super.handle(request, new org.eclipse.jetty.server.Response.Wrapper(request, response) {
                    @Override
                    public void write(boolean last, java.nio.ByteBuffer content, org.eclipse.jetty.util.Callback cb) {
                        if (last) {
                            int n = lastWrites.incrementAndGet();
                            double counted = samples(new String(metrics.scrape(), StandardCharsets.UTF_8)).entrySet().stream()
                                    .filter(e -> e.getKey().startsWith("tagllm_http_requests_total{")).mapToDouble(Map.Entry::getValue).sum();
                            if (counted != n) unCounted.add(what + " " + getStatus() + ": " + counted + " counted as answer " + n + " is written");
                        }
                        super.write(last, content, cb);
                    }
                }, callback);
            }
        };
        org.eclipse.jetty.server.Server jetty = new org.eclipse.jetty.server.Server();
        org.eclipse.jetty.server.ServerConnector connector = new org.eclipse.jetty.server.ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        jetty.addConnector(connector);
        jetty.setHandler(checking);
        jetty.start();
        try {
            java.net.URI u = java.net.URI.create("http://127.0.0.1:" + connector.getLocalPort());
            String one = json(Map.of("task", "QED", "inputs", List.of(Map.of("smiles", "CCO"))));
            assertEquals(200, get(u, "/health").status());
            assertEquals(404, get(u, "/nope").status());
            assertEquals(405, get(u, "/v1/predict").status());
            assertEquals(200, post(u, "/v1/predict", one).status());
            assertEquals(400, post(u, "/v1/predict", "{").status());
            assertEquals(204, send(java.net.http.HttpRequest.newBuilder(u.resolve("/health"))
                    .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())).status());
            Reply stream = post(u, "/v1/generate", "{\"task\": \"Translate:en-fr\", \"inputs\": [{\"src\": \"Hi\"}], \"stream\": true}");
            assertEquals(200, stream.status());
            assertTrue(stream.body().contains("event: done"), stream.body());
            assertEquals(200, get(u, "/metrics").status());
            assertEquals(8, lastWrites.get());
            assertEquals(List.of(), unCounted);
        } finally {
            jetty.stop();
        }
    }

    /** A POST declaring {@code declared} body bytes that sends {@code sent} and stops; the status line of its answer. */
    private static String stalledPost(int port, int declared, int sent) throws Exception {
        try (Socket k = new Socket("127.0.0.1", port)) {
            k.setSoTimeout(20_000);
            k.getOutputStream().write(("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + declared + "\r\n\r\n" + " ".repeat(sent)).getBytes(StandardCharsets.US_ASCII));
            k.getOutputStream().flush();
            InputStream in = k.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) >= 0 && c != '\n'; ) line.append((char) c);
            return line.toString();
        }
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");

    /** name{labels} -> value, as the exposition writes them. */
    private static Map<String, Double> samples(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String l : text.split("\n")) {
            if (l.isEmpty() || l.startsWith("#")) continue;
            Matcher m = SAMPLE.matcher(l);
            assertTrue(m.matches(), "not a sample line: " + l);
            out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3).replace("+Inf", "Infinity")));
        }
        return out;
    }

    /** HELP and TYPE once per family before its samples; histograms cumulative, +Inf bucket = _count. */
    private static void assertWellFormed(String text) {
        assertTrue(text.endsWith("\n"), "the exposition ends with a newline");
        Map<String, String> type = new HashMap<>();
        List<String> help = new ArrayList<>();
        for (String l : text.split("\n")) {
            if (l.startsWith("# HELP ")) help.add(l.split(" ")[2]);
            else if (l.startsWith("# TYPE ")) assertNull(type.put(l.split(" ")[2], l.split(" ")[3]), "TYPE twice: " + l);
        }
        assertEquals(type.keySet(), new java.util.HashSet<>(help), "every family has HELP and TYPE");
        Map<String, Double> v = samples(text);
        for (String name : v.keySet()) {
            String family = name.replaceAll("\\{.*", "");
            String base = family.replaceAll("_(bucket|count|sum)$", "");
            assertTrue(type.containsKey(family) || "histogram".equals(type.get(base)), "no TYPE for " + name);
        }
        for (var e : type.entrySet()) {
            if (!e.getValue().equals("histogram")) continue;
            Map<String, List<double[]>> buckets = new LinkedHashMap<>();
            for (var s : v.entrySet()) {
                if (!s.getKey().startsWith(e.getKey() + "_bucket{")) continue;
                Matcher le = Pattern.compile(",?le=\"([^\"]+)\"").matcher(s.getKey());
                assertTrue(le.find(), s.getKey());
                String series = s.getKey().substring(e.getKey().length() + "_bucket".length()).replace(le.group(), "").replace("{,", "{");
                buckets.computeIfAbsent(series, k -> new ArrayList<>())
                        .add(new double[]{Double.parseDouble(le.group(1).replace("+Inf", "Infinity")), s.getValue()});
            }
            assertFalse(buckets.isEmpty(), e.getKey());
            for (var b : buckets.entrySet()) {
                List<double[]> list = b.getValue();
                for (int i = 1; i < list.size(); i++) {
                    assertTrue(list.get(i)[0] > list.get(i - 1)[0] && list.get(i)[1] >= list.get(i - 1)[1], e.getKey() + b.getKey() + " not cumulative");
                }
                assertEquals(Double.POSITIVE_INFINITY, list.getLast()[0], e.getKey() + b.getKey());
                String count = e.getKey() + "_count" + (b.getKey().equals("{}") ? "" : b.getKey());
                assertEquals(v.get(count), list.getLast()[1], count);
            }
        }
    }
}
