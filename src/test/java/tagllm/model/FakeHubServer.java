package tagllm.model;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small stand-in for the Hugging Face Hub on 127.0.0.1, answering like huggingface.co does:
 * {@code /ORG/NAME/resolve/REV/FILE} with X-Repo-Commit and an ETag; .safetensors files are "LFS" files that
 * redirect (302, X-Linked-Etag = SHA-256, X-Linked-Size) to a second server, the "CDN", which honours Range.
 * The CDN can be told to break off transfers after some bytes.
 */
final class FakeHubServer implements AutoCloseable {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    record Request(String server, String method, String path, String range, String authorization, long atNanos) {}

    final Map<String, Map<String, byte[]>> repos = new LinkedHashMap<>();
    final List<Request> requests = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The CDN cuts this many GETs short, after cutAfter bytes of their body each. */
    final AtomicInteger cutsLeft = new AtomicInteger();
    volatile long cutAfter;
    final AtomicInteger cdnBytesSent = new AtomicInteger();
    /** Revisions the hub knows besides main and COMMIT (a branch, a tag, "refs/pr/1"). */
    final java.util.Set<String> revisions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** An answer the hub gives to every request whose file name is file, instead of the file. */
    record Refusal(String file, int status, String errorCode) {}
    volatile Refusal refusal;
    /** How many more requests the refusal answers (then the file is served); the Retry-After it sends, if any. */
    final AtomicInteger refusalsLeft = new AtomicInteger(Integer.MAX_VALUE);
    volatile String refusalRetryAfter;
    /** The CDN sends bodies in 16 KiB pieces this many ms apart (0: at once), so that downloads overlap. */
    volatile long cdnPieceDelayMs;
    /** When the CDN last began sending the last piece of a body (System.nanoTime): the transfer was not over before. */
    volatile long cdnLastPieceNanos;
    /** HEAD answers for plain files leave out Content-Length (the size is then unknown to the client). */
    volatile boolean headWithoutLength;
    /** The hub's GET of this file sends this many bytes of it, then drops the connection. */
    volatile String cutFile;
    volatile int cutFileAfter;

    /**
     * The hub's HEAD of this file, while dropsLeft lasts, closes the connection without an answer (a reset) or, with
     * dropHangMs above 0, answers only after that long (a client's read timeout).
     */
    volatile String dropFile;
    final AtomicInteger dropsLeft = new AtomicInteger();
    volatile long dropHangMs;

    /** The X-Linked-Size the hub announces for LFS files instead of their length (-1: the true length). */
    volatile long linkedSize = -1;
    /** A status the CDN answers every request with instead of the file (0: none); with refusalRetryAfter if set. */
    volatile int cdnStatus;

    private final HttpServer hub;
    private final HttpServer cdn;

    FakeHubServer() throws IOException {
        hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        cdn = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.start();
        cdn.start();
    }

    String endpoint() { return "http://127.0.0.1:" + hub.getAddress().getPort(); }

    private String cdnBase() { return "http://127.0.0.1:" + cdn.getAddress().getPort(); }

    List<Request> requests(String server) {
        synchronized (requests) {
            return requests.stream().filter(r -> r.server().equals(server)).toList();
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha1(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void record(String server, HttpExchange x) {
        requests.add(new Request(server, x.getRequestMethod(), x.getRequestURI().getRawPath(),
                x.getRequestHeaders().getFirst("Range"), x.getRequestHeaders().getFirst("Authorization"), System.nanoTime()));
    }

    private void hub(HttpExchange x) throws IOException {
        record("hub", x);
        try (x) {
            // split the raw path: a revision such as refs/pr/1 arrives as refs%2Fpr%2F1
            String[] p = x.getRequestURI().getRawPath().split("/", 6); // "", org, name, "resolve", rev, file
            for (int i = 0; i < p.length; i++) p[i] = java.net.URLDecoder.decode(p[i].replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
            if (p.length == 6 && p[5].equals(dropFile) && x.getRequestMethod().equals("HEAD") && dropsLeft.getAndDecrement() > 0) {
                if (dropHangMs <= 0) throw new IOException("simulated connection reset at the HEAD of " + p[5]);
                sleepQuietly(dropHangMs);
            }
            Refusal r = refusal;
            if (r != null && p.length == 6 && p[5].equals(r.file()) && refusalsLeft.getAndDecrement() > 0) {
                if (refusalRetryAfter != null) x.getResponseHeaders().add("Retry-After", refusalRetryAfter);
                empty(x, r.status(), r.errorCode());
                return;
            }
            if (p.length < 6 || !p[3].equals("resolve")) {
                empty(x, 404, "EntryNotFound");
                return;
            }
            Map<String, byte[]> repo = repos.get(p[1] + "/" + p[2]);
            if (repo == null) {
                empty(x, 401, "RepoNotFound");
                return;
            }
            if (!p[4].equals("main") && !p[4].equals(COMMIT) && !revisions.contains(p[4])) {
                empty(x, 404, "RevisionNotFound");
                return;
            }
            byte[] body = repo.get(p[5]);
            if (body == null) {
                empty(x, 404, "EntryNotFound");
                return;
            }
            x.getResponseHeaders().add("X-Repo-Commit", COMMIT);
            if (p[5].endsWith(".safetensors")) {
                String sha = sha256(body);
                x.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
                x.getResponseHeaders().add("X-Linked-Size", Long.toString(linkedSize >= 0 ? linkedSize : body.length));
                x.getResponseHeaders().add("ETag", "\"" + sha1(("redirect" + sha).getBytes()) + "\"");
                x.getResponseHeaders().add("Location", cdnBase() + "/blobs/" + sha);
                x.sendResponseHeaders(302, -1);
                return;
            }
            x.getResponseHeaders().add("ETag", "\"" + sha1(body) + "\"");
            if (x.getRequestMethod().equals("HEAD")) {
                if (!headWithoutLength) x.getResponseHeaders().add("Content-Length", Long.toString(body.length));
                x.sendResponseHeaders(200, -1);
                return;
            }
            x.sendResponseHeaders(200, body.length);
            if (p[5].equals(cutFile)) {
                x.getResponseBody().write(body, 0, Math.min(cutFileAfter, body.length));
                x.getResponseBody().flush();
                throw new IOException("simulated network failure in " + p[5]);
            }
            x.getResponseBody().write(body);
        }
    }

    private void cdn(HttpExchange x) throws IOException {
        record("cdn", x);
        if (cdnStatus != 0) {
            if (refusalRetryAfter != null) x.getResponseHeaders().add("Retry-After", refusalRetryAfter);
            empty(x, cdnStatus, null);
            x.close();
            return;
        }
        String sha = x.getRequestURI().getPath().substring("/blobs/".length());
        byte[] body = null;
        for (Map<String, byte[]> repo : repos.values()) {
            for (byte[] b : repo.values()) if (sha256(b).equals(sha)) body = b;
        }
        if (body == null) {
            empty(x, 404, null);
            x.close();
            return;
        }
        int from = 0;
        String range = x.getRequestHeaders().getFirst("Range");
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            if (from >= body.length) {
                x.getResponseHeaders().add("Content-Range", "bytes */" + body.length);
                empty(x, 416, null);
                x.close();
                return;
            }
            x.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            x.sendResponseHeaders(206, body.length - from);
        } else {
            x.sendResponseHeaders(200, body.length);
        }
        OutputStream out = x.getResponseBody();
        int len = body.length - from;
        if (cutsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            int part = (int) Math.min(len, cutAfter);
            out.write(body, from, part);
            out.flush();
            cdnBytesSent.addAndGet(part);
            // Drop the connection mid-body, as a network failure would: the server closes a connection whose
            // handler fails.
            throw new IOException("simulated network failure after " + part + " bytes");
        }
        long delay = cdnPieceDelayMs;
        for (int at = from, end = from + len; at < end; ) {
            int piece = delay > 0 ? Math.min(16384, end - at) : end - at;
            if (at + piece == end) cdnLastPieceNanos = System.nanoTime(); // before the client can have the whole body
            out.write(body, at, piece);
            out.flush();
            at += piece;
            if (delay > 0 && at < end) sleepQuietly(delay);
        }
        cdnBytesSent.addAndGet(len);
        x.close();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void empty(HttpExchange x, int code, String errorCode) throws IOException {
        if (errorCode != null) x.getResponseHeaders().add("X-Error-Code", errorCode);
        x.sendResponseHeaders(code, -1);
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
    }
}
