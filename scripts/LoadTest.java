import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The load client of scripts/load-test.sh (JDK only, run as a source file: java scripts/LoadTest.java ...).
 * Bounded in clients and time. Each client is a thread with one keep-alive HTTP/1.1 connection (raw sockets, so
 * that a reset is seen as a reset and not retried by a library) sending one-molecule QED requests back to back.
 * At the same time: slow-loris sockets that send a partial request and then one byte now and then, a /health probe
 * every second (its latency is what a load balancer would see), and the server's RSS from /proc every second.
 *
 * Usage: java LoadTest.java URL CLIENTS SECONDS LORIS SERVER_PID [WARMUP_SECONDS [TAG_SETS]]
 *
 * With TAG_SETS n > 1 the server holds sets set1..setn and client c sends "tag_set": "set((c mod n) + 1)".
 */
public class LoadTest {
    static final String BODY = "{\"task\": \"QED\", \"inputs\": [{\"smiles\": \"CC(=O)Oc1ccccc1C(=O)O\"}]}";

    /** The request body of client c: BODY, naming a tag set when the server holds several. */
    static String body(int c, int tagSets) {
        return tagSets <= 1 ? BODY : BODY.replace("{\"task\"", "{\"tag_set\": \"set" + (c % tagSets + 1) + "\", \"task\"");
    }

    public static void main(String[] a) throws Exception {
        URI url = URI.create(a[0]);
        int clients = Integer.parseInt(a[1]), seconds = Integer.parseInt(a[2]), loris = Integer.parseInt(a[3]);
        long pid = Long.parseLong(a[4]);
        int warmup = a.length > 5 ? Integer.parseInt(a[5]) : 0;
        int tagSets = a.length > 6 ? Integer.parseInt(a[6]) : 1;
        String host = url.getHost();
        int port = url.getPort();
        // warm-up: one client, sequential, not counted (the JIT compiles the model's loops meanwhile)
        long warmEnd = System.nanoTime() + warmup * 1_000_000_000L;
        int warmed = 0;
        while (System.nanoTime() < warmEnd) {
            String wbody = body(warmed, tagSets);
            int wlen = wbody.getBytes(StandardCharsets.UTF_8).length;
            request(host, port, "POST /v1/predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " + wlen + "\r\n\r\n" + wbody, 30_000);
            warmed++;
        }
        if (warmup > 0) System.out.printf(Locale.ROOT, "warm-up: %d sequential requests in %d s (not counted)%n", warmed, warmup);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ConcurrentHashMap<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        LongAdder resets = new LongAdder(), reconnects = new LongAdder();
        List<long[]> latencies = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            long[] lat = new long[20_000];
            latencies.add(lat);
            String mine = body(c, tagSets);
            threads.add(Thread.ofPlatform().start(() -> client(host, port, end, statuses, resets, reconnects, lat, mine)));
        }
        // slow loris: partial requests, one more byte every 5 s
        List<Socket> lorisSockets = new ArrayList<>();
        LongAdder lorisDropped = new LongAdder();
        Thread lorisThread = Thread.ofPlatform().daemon(true).start(() -> {
            try {
                for (int i = 0; i < loris; i++) {
                    Socket s = new Socket(host, port);
                    s.getOutputStream().write("POST /v1/predict HTTP/1.1\r\nHost: x\r\nX-A: ".getBytes(StandardCharsets.US_ASCII));
                    lorisSockets.add(s);
                }
                while (System.nanoTime() < end) {
                    Thread.sleep(5000);
                    for (int i = 0; i < lorisSockets.size(); i++) {
                        try {
                            lorisSockets.get(i).getOutputStream().write('a');
                        } catch (IOException e) { // dropped by the server: open a new one, as an attacker would
                            lorisDropped.increment();
                            Socket s = new Socket(host, port);
                            s.getOutputStream().write("GE".getBytes(StandardCharsets.US_ASCII));
                            lorisSockets.set(i, s);
                        }
                    }
                }
            } catch (Exception e) {
                System.err.println("loris: " + e);
            }
        });
        // health probes and RSS
        List<Double> health = new ArrayList<>();
        long maxRss = 0;
        int healthFailures = 0;
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            try {
                int st = request(host, port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
                if (st != 200) healthFailures++;
                health.add((System.nanoTime() - t0) / 1e6);
            } catch (IOException e) {
                healthFailures++;
            }
            maxRss = Math.max(maxRss, rssKb(pid));
            long sleep = 1000 - (System.nanoTime() - t0) / 1_000_000;
            if (sleep > 0) Thread.sleep(sleep);
        }
        for (Thread t : threads) t.join();
        maxRss = Math.max(maxRss, rssKb(pid));
        for (Socket s : lorisSockets) s.close();
        long total = 0, n = 0;
        List<Long> all = new ArrayList<>();
        for (long[] lat : latencies) for (long v : lat) if (v > 0) all.add(v);
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        for (var e : statuses.entrySet()) total += e.getValue().sum();
        double[] h = health.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "clients %d, %d s, slow-loris sockets %d%n", clients, seconds, loris);
        System.out.printf(Locale.ROOT, "responses %d (%.0f/s): %s%n", total, total / (double) seconds, statuses.entrySet().stream()
                .sorted(java.util.Map.Entry.comparingByKey()).map(e -> e.getKey() + ": " + e.getValue().sum()).toList());
        System.out.printf(Locale.ROOT, "resets (connection closed without an answer) %d; client timeouts (no answer in 30 s) %d; reconnects after Connection: close %d%n",
                resets.sum(), timeouts.sum(), reconnects.sum());
        System.out.printf(Locale.ROOT, "latency of 200s: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", pct(sorted, 0.5) / 1e6, pct(sorted, 0.99) / 1e6,
                sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
        System.out.printf(Locale.ROOT, "/health during the run: %d probes, %d failed, max %.1f ms%n", h.length, healthFailures,
                h.length == 0 ? 0 : h[h.length - 1]);
        System.out.printf(Locale.ROOT, "slow-loris sockets dropped by the server: %d%n", lorisDropped.sum());
        System.out.printf(Locale.ROOT, "server RSS max %.0f MB%n", maxRss / 1024.0);
    }

    static double pct(long[] s, double p) { return s.length == 0 ? 0 : s[Math.min(s.length - 1, (int) Math.floor(p * s.length))]; }

    static long rssKb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    static final LongAdder timeouts = new LongAdder();

    static void client(String host, int port, long end, ConcurrentHashMap<Integer, LongAdder> statuses, LongAdder resets,
                       LongAdder reconnects, long[] lat, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        byte[] req = ("POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n" + text)
                .getBytes(StandardCharsets.UTF_8);
        int n = 0;
        Socket s = null;
        while (System.nanoTime() < end) {
            try {
                if (s == null) {
                    s = new Socket(host, port);
                    s.setSoTimeout(30_000);
                }
                long t0 = System.nanoTime();
                s.getOutputStream().write(req);
                Response r = read(s.getInputStream());
                statuses.computeIfAbsent(r.status, k -> new LongAdder()).increment();
                if (r.status == 200 && n < lat.length) lat[n++] = System.nanoTime() - t0;
                if (r.close) {
                    s.close();
                    s = null;
                    reconnects.increment();
                }
                if (r.status == 503) Thread.sleep(r.retryAfterMs);
            } catch (java.net.SocketTimeoutException e) {
                timeouts.increment(); // no answer within the client's 30 s: the server is slower than the load
                try {
                    s.close();
                } catch (IOException ignored) {
                }
                s = null;
            } catch (IOException e) {
                resets.increment();
                if (resets.sum() <= 3) System.err.println("reset: " + e);
                try {
                    if (s != null) s.close();
                } catch (IOException ignored) {
                }
                s = null;
            } catch (InterruptedException e) {
                return;
            }
        }
        try {
            if (s != null) s.close();
        } catch (IOException ignored) {
        }
    }

    record Response(int status, boolean close, long retryAfterMs) {}

    /** One HTTP/1.1 response with a Content-Length body; an end of stream before it is complete is a reset. */
    static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) throw new IOException("closed without an answer");
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        int length = 0;
        boolean close = false;
        long retry = 0;
        for (String h; (h = line(in)) != null && !h.isEmpty(); ) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) length = Integer.parseInt(h.substring(15).trim());
            if (lower.startsWith("connection:") && lower.contains("close")) close = true;
            if (lower.startsWith("retry-after:")) retry = Long.parseLong(h.substring(12).trim()) * 1000;
        }
        if (in.readNBytes(length).length != length) throw new IOException("answer cut short");
        return new Response(status, close, Math.min(retry, 1000));
    }

    static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') return b.toString().strip();
            b.append((char) c);
        }
        return b.isEmpty() ? null : b.toString();
    }

    static int request(String host, int port, String raw, int timeoutMs) throws IOException {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(timeoutMs);
            OutputStream out = s.getOutputStream();
            out.write(raw.getBytes(StandardCharsets.US_ASCII));
            return read(s.getInputStream()).status;
        }
    }
}
