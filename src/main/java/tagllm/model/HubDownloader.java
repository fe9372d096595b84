package tagllm.model;

import tagllm.util.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads a model from the Hugging Face Hub into the standard cache layout, the one huggingface_hub writes
 * and reads: {@code models--ORG--NAME/blobs/ETAG} holds each file once, {@code snapshots/COMMIT/FILE} links to
 * it (a copy where links are not allowed), {@code refs/REVISION} names the commit.
 *
 * <p>Files come from {@code ENDPOINT/ORG/NAME/resolve/REV/FILE}: a HEAD request (without following a redirect
 * to another host) gives the commit, the ETag (the SHA-256 of LFS files) and the size; the body goes to
 * {@code blobs/ETAG.incomplete} and is moved into place when complete. A transfer that breaks off — within this
 * call or in an earlier process — is resumed with an HTTP Range request. SHA-256 ETags are verified.
 * The bearer token is sent to the endpoint only, never to the CDN a file may be redirected to.
 */
public final class HubDownloader {
    static final List<String> REQUIRED = List.of("config.json", "tokenizer.json");
    private static final Pattern SNAPSHOT_COMMIT = Pattern.compile("[0-9a-f]{40}");

    /** A Hub repository ("org/name") and the commit of one of its snapshots. */
    public record Snapshot(String repo, String revision) {}

    /**
     * The Hub repository and commit of a cache snapshot folder ({@code models--ORG--NAME/snapshots/COMMIT}, as this class
     * and huggingface_hub lay it out; the commit is the one the cache's refs/ file named when the model was resolved), or
     * empty for any other folder. Read from the path alone, links not followed: snapshot files link into blobs/.
     */
    public static java.util.Optional<Snapshot> snapshotOf(Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        Path commit = abs.getFileName(), snapshots = abs.getParent(), repo = snapshots == null ? null : snapshots.getParent();
        if (commit == null || repo == null || repo.getFileName() == null || !snapshots.getFileName().toString().equals("snapshots")
                || !SNAPSHOT_COMMIT.matcher(commit.toString()).matches()) {
            return java.util.Optional.empty();
        }
        String cache = repo.getFileName().toString();
        if (!cache.startsWith("models--")) return java.util.Optional.empty();
        String[] orgName = cache.substring("models--".length()).split("--", -1);
        if (orgName.length != 2 || orgName[0].isEmpty() || orgName[1].isEmpty()) return java.util.Optional.empty();
        return java.util.Optional.of(new Snapshot(orgName[0] + "/" + orgName[1], commit.toString()));
    }
    static final List<String> OPTIONAL = List.of("tokenizer_config.json", "generation_config.json", "special_tokens_map.json");
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final URI endpoint;
    private final String token;
    private final Path cacheDir;
    private final PrintStream progress;
    private boolean progressOnTerminal;
    private int connectTimeoutMs = 15_000;
    private int readTimeoutMs = 60_000;
    private int maxAttempts = 5;
    private long retryDelayMs = 1_000;
    private Pause pause = Thread::sleep;

    /** How the downloader waits between attempts; tests record the waits instead of sleeping. */
    @FunctionalInterface
    interface Pause {
        void sleep(long ms) throws InterruptedException;
    }

    /** The longest wait a Retry-After header may ask for: a server asking for more is waited on this long. */
    static final long MAX_RETRY_AFTER_MS = 60_000;

    /** An answer worth retrying (429 Too Many Requests, or 500, 502, 503, 504: the server's own trouble). */
    static final class TransientHttpException extends IOException {
        final int code;
        final long retryAfterMs; // -1: the server did not say
        final URI url;

        TransientHttpException(String message, int code, long retryAfterMs, URI url) {
            super(message);
            this.code = code;
            this.retryAfterMs = retryAfterMs;
            this.url = url;
        }
    }

    /** The body's length disagrees with the size the Hub announced: retrying the same answer cannot help. */
    static final class SizeMismatchException extends IOException {
        SizeMismatchException(String message) { super(message); }
    }

    /** Metadata of one file from its HEAD response(s). */
    record Meta(String commit, String etag, long size, URI download) {}

    public HubDownloader(URI endpoint, String token, Path cacheDir, PrintStream progress) {
        this.endpoint = endpoint;
        this.token = token;
        this.cacheDir = cacheDir;
        this.progress = progress == null ? null : LineEnds.of(progress);
        this.progressOnTerminal = progress != null && progress == System.err && tagllm.util.Terminal.stderr();
    }

    /**
     * A progress stream that knows whether its last line is still open (a bar drawn in place, its line ended only
     * when its file is done), one per stream a process writes progress to: another thread's message (waiting for
     * the download that thread runs, a retry) ends that line first instead of continuing the bar's.
     */
    static final class LineEnds extends java.io.FilterOutputStream {
        private static final java.util.Map<PrintStream, PrintStream> BY_STREAM = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
        private volatile boolean open;

        private LineEnds(OutputStream out) { super(out); }

        static PrintStream of(PrintStream stream) {
            return BY_STREAM.computeIfAbsent(stream, s -> new TrackedStream(new LineEnds(s), s.charset()));
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            open = b != '\n';
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            if (len > 0) open = b[off + len - 1] != '\n';
        }
    }

    private static final class TrackedStream extends PrintStream {
        private final LineEnds ends;

        TrackedStream(LineEnds ends, java.nio.charset.Charset charset) {
            super(ends, true, charset);
            this.ends = ends;
        }
    }

    /** Prints a line of its own: after ending a line another download's bar left open on the same stream. */
    private void say(String line) {
        if (progress == null) return;
        synchronized (progress) {
            if (progress instanceof TrackedStream t && t.ends.open) progress.println();
            progress.println(line);
            progress.flush();
        }
    }

    /** Whether the progress stream is a terminal (a bar redrawn in place) or a log (plain lines); tests set it. */
    HubDownloader progressOnTerminal(boolean terminal) {
        this.progressOnTerminal = terminal;
        return this;
    }

    /** Timeouts and retries; tests shorten them. */
    HubDownloader timeouts(int connectMs, int readMs, int attempts, long retryDelayMs) {
        this.connectTimeoutMs = connectMs;
        this.readTimeoutMs = readMs;
        this.maxAttempts = attempts;
        this.retryDelayMs = retryDelayMs;
        return this;
    }

    HubDownloader pauses(Pause pause) {
        this.pause = pause;
        return this;
    }

    /** Downloads config, tokenizer files and weights (single or sharded) of id; returns the snapshot folder. */
    public Path download(HubId id) throws IOException {
        Path repo = cacheDir.resolve(id.cacheFolder());
        Meta config = head(id, id.revision(), "config.json", true);
        String commit = config.commit() != null ? config.commit() : id.revisionIsCommit() ? id.revision() : null;
        if (commit == null || !SAFE_NAME.matcher(commit).matches()) {
            throw new IOException(endpoint + ": the response for " + id + "/config.json names no commit (X-Repo-Commit: "
                    + config.commit() + "); is HF_ENDPOINT a Hugging Face Hub?");
        }
        Path snapshot = repo.resolve("snapshots").resolve(commit);
        Files.createDirectories(snapshot);
        // Every further file is asked for at the commit, so that a push during the download cannot mix revisions.
        fetch(id, repo, snapshot, "config.json", config);
        for (String f : REQUIRED.subList(1, REQUIRED.size())) fetch(id, repo, snapshot, f, head(id, commit, f, true));
        for (String f : OPTIONAL) {
            Meta m = head(id, commit, f, false);
            if (m != null) fetch(id, repo, snapshot, f, m);
        }
        Meta single = head(id, commit, TensorSource.SINGLE, false);
        if (single != null) {
            fetch(id, repo, snapshot, TensorSource.SINGLE, single);
        } else {
            Meta index = head(id, commit, TensorSource.INDEX, false);
            if (index == null) {
                throw new ModelFormatException(id + ": the repository has no " + TensorSource.SINGLE + " or " + TensorSource.INDEX
                        + " (tagllm reads safetensors weights only)");
            }
            fetch(id, repo, snapshot, TensorSource.INDEX, index);
            for (String shard : TensorSource.shardNames(snapshot.resolve(TensorSource.INDEX))) {
                fetch(id, repo, snapshot, shard, head(id, commit, shard, true));
            }
        }
        if (!id.revisionIsCommit()) {
            Path ref = repo.resolve("refs").resolve(id.revision());
            tagllm.util.AtomicFiles.writeString(ref, commit);
        }
        return snapshot;
    }

    URI resolveUrl(HubId id, String revision, String file) {
        return URI.create(endpoint + "/" + id.org() + "/" + id.name() + "/resolve/" + encode(revision) + "/" + encode(file));
    }

    private static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (x & 0xFF);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) b.append(c);
            else b.append('%').append(String.format("%02X", x & 0xFF));
        }
        return b.toString();
    }

    /**
     * HEAD the file; null when it does not exist and is optional. A transient answer (429, 5xx) is asked again, up to
     * maxAttempts in all, waiting as Retry-After says (at most MAX_RETRY_AFTER_MS), else 1, 2, 3... retry delays.
     */
    Meta head(HubId id, String revision, String file, boolean required) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return headOnce(id, revision, file, required);
            } catch (TransientHttpException e) {
                if (attempt >= maxAttempts) {
                    throw new IOException(id + ": the Hub answered HTTP " + e.code + " for " + file + " (" + transientReason(e.code)
                            + ") on each of " + maxAttempts + " attempts; this is usually temporary, run again later [" + e.url + "]", e);
                }
                long wait = retryWait(e, attempt);
                retryNotice(file, e, wait, attempt + 1);
                sleep(wait);
            } catch (java.net.SocketException | java.net.SocketTimeoutException e) {
                // refused, timed out, reset: a blip of the network is asked again like the Hub's own trouble, so that
                // one dropped connection between files does not fail a download of many; an unknown host is no blip
                if (attempt >= maxAttempts) throw networkGaveUp(id, file, resolveUrl(id, revision, file), e);
                long wait = retryWait(e, attempt);
                retryNotice(file, e, wait, attempt + 1);
                sleep(wait);
            }
        }
    }

    /** Why a connection failed, in words: "connection refused", "timed out (Read timed out)", "connection reset". */
    static String networkReason(IOException e) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (e instanceof java.net.ConnectException && msg.toLowerCase(Locale.ROOT).contains("refused")) return "connection refused";
        if (e instanceof java.net.SocketTimeoutException) return "timed out" + (msg.isEmpty() ? "" : " (" + msg + ")");
        if (!(e instanceof java.net.SocketException)) return "the transfer broke off" + (msg.isEmpty() ? "" : " (" + msg + ")");
        return msg.isEmpty() ? e.getClass().getSimpleName() : msg.substring(0, 1).toLowerCase(Locale.ROOT) + msg.substring(1);
    }

    /**
     * The last attempt's failure, of the same class (the caller tells a Hub that cannot be reached by it) and saying
     * how often it was tried.
     */
    private IOException networkGaveUp(HubId id, String file, URI url, IOException e) {
        String msg = id + ": " + file + ": " + networkReason(e) + " on each of " + maxAttempts + " attempts; check the network and run again ["
                + url + "]";
        IOException out = e instanceof java.net.ConnectException ? new java.net.ConnectException(msg)
                : e instanceof java.net.SocketTimeoutException ? new java.net.SocketTimeoutException(msg)
                : new java.net.SocketException(msg);
        out.initCause(e);
        return out;
    }

    private long retryWait(IOException e, int attempt) {
        if (e instanceof TransientHttpException t && t.retryAfterMs >= 0) return Math.min(t.retryAfterMs, MAX_RETRY_AFTER_MS);
        return retryDelayMs * attempt;
    }

    static boolean isTransient(int code) {
        return code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
    }

    static String transientReason(int code) {
        return switch (code) {
            case 429 -> "rate-limited: too many requests";
            case 502 -> "bad gateway";
            case 503 -> "service unavailable";
            case 504 -> "gateway timeout";
            default -> "server error";
        };
    }

    /** Retry-After in ms: delay-seconds or an HTTP date (RFC 9110); -1 when absent or unreadable. */
    static long retryAfterMs(String header, long nowMillis) {
        if (header == null || header.isBlank()) return -1;
        String h = header.trim();
        try {
            return Math.max(0, Math.multiplyExact(Long.parseLong(h), 1000L));
        } catch (NumberFormatException | ArithmeticException e) {
            // not a number of seconds: an HTTP date
        }
        try {
            long at = java.time.ZonedDateTime.parse(h, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            return Math.max(0, at - nowMillis);
        } catch (java.time.format.DateTimeParseException e) {
            return -1;
        }
    }

    private Meta headOnce(HubId id, String revision, String file, boolean required) throws IOException {
        URI url = resolveUrl(id, revision, file);
        String commit = null, etag = null;
        long size = -1;
        for (int hop = 0; hop < 10; hop++) {
            HttpURLConnection c = open(url, "HEAD", -1);
            try {
                int code = c.getResponseCode();
                if (commit == null) commit = c.getHeaderField("X-Repo-Commit");
                if (etag == null) etag = firstNonNull(c.getHeaderField("X-Linked-Etag"), c.getHeaderField("ETag"));
                if (size < 0) size = parseLong(c.getHeaderField("X-Linked-Size"));
                // A redirect's Content-Length is that of its own short body, not of the file.
                if (size < 0 && code >= 200 && code < 300) size = parseLong(c.getHeaderField("Content-Length"));
                if (code >= 300 && code < 400) {
                    URI next = location(url, c);
                    // Follow moves within the Hub (a renamed repo); stop at a redirect to a CDN: the metadata is in hand.
                    if (!sameAuthority(next, url)) return meta(id, file, commit, etag, size, next);
                    url = next;
                    continue;
                }
                if (code >= 200 && code < 300) return meta(id, file, commit, etag, size, url);
                if (code == 404 && !required && !"RepoNotFound".equals(c.getHeaderField("X-Error-Code"))
                        && !"RevisionNotFound".equals(c.getHeaderField("X-Error-Code"))) {
                    return null;
                }
                if (isTransient(code)) {
                    throw new TransientHttpException(id + ": HTTP " + code + " for " + file + " [" + url + "]", code,
                            retryAfterMs(c.getHeaderField("Retry-After"), System.currentTimeMillis()), url);
                }
                throw httpError(id, revision, file, url, c, code);
            } finally {
                c.disconnect();
            }
        }
        throw new IOException(url + ": too many redirects");
    }

    private Meta meta(HubId id, String file, String commit, String etag, long size, URI download) throws IOException {
        if (etag == null) throw new IOException(download + ": no ETag for " + id + "/" + file + "; is HF_ENDPOINT a Hugging Face Hub?");
        return new Meta(commit, normaliseEtag(etag), size, download);
    }

    private IOException httpError(HubId id, String revision, String file, URI url, HttpURLConnection c, int code) {
        String err = c.getHeaderField("X-Error-Code");
        String why;
        if ("RepoNotFound".equals(err) || (code == 401 && err == null)) {
            why = "repository " + id.repo() + " not found on " + endpoint + (token == null
                    ? " (if it is private or gated, set HF_TOKEN)" : " (or HF_TOKEN has no access to it)");
        } else if ("RevisionNotFound".equals(err)) {
            why = "revision '" + revision + "' of " + id.repo() + " not found";
        } else if ("GatedRepo".equals(err) || code == 401 || code == 403) {
            why = id.repo() + " is gated or private: accept its license on the Hub and set HF_TOKEN"
                    + (token == null ? "" : " (the HF_TOKEN given was refused)");
        } else if (code == 404) {
            why = "file '" + file + "' not found in " + id.repo() + " at " + revision;
        } else {
            why = "HTTP " + code + " for " + file;
        }
        return new IOException(id + ": " + why + " [" + url + "]");
    }

    private static String normaliseEtag(String etag) {
        String e = etag.trim();
        if (e.startsWith("W/")) e = e.substring(2);
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) e = e.substring(1, e.length() - 1);
        if (SAFE_NAME.matcher(e).matches()) return e;
        // An ETag that is no safe file name still identifies the content: name the blob by its hash.
        return "etag-" + Sha256.hex(e.getBytes(StandardCharsets.UTF_8));
    }

    /** Makes snapshot/file point at blobs/ETAG, downloading the blob unless the cache already has it. */
    private void fetch(HubId id, Path repo, Path snapshot, String file, Meta m) throws IOException {
        Path blobs = repo.resolve("blobs");
        Files.createDirectories(blobs);
        Path blob = blobs.resolve(m.etag());
        if (!Files.isRegularFile(blob)) {
            Path lockFile = cacheDir.resolve(".locks").resolve(repo.getFileName().toString()).resolve(m.etag() + ".lock");
            Files.createDirectories(lockFile.getParent());
            ReentrantLock local = IN_PROCESS.computeIfAbsent(lockFile.toAbsolutePath(), k -> new ReentrantLock());
            // Say so when another download holds the file: otherwise a second command sits silent for as long as it takes.
            boolean waited = !local.tryLock();
            if (waited) {
                waitingFor(file, lockFile);
                local.lock();
            }
            try (FileChannel lc = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock held = lc.tryLock();
                if (held == null) {
                    if (!waited) waitingFor(file, lockFile);
                    held = lc.lock();
                }
                try {
                    if (!Files.isRegularFile(blob)) downloadBlob(id, file, m, blob);
                } finally {
                    held.release();
                }
            } finally {
                local.unlock();
            }
        }
        link(snapshot.resolve(file), blob);
    }

    /** A wait the server asked for can be a minute: say why nothing moves meanwhile. */
    private void retryNotice(String file, IOException e, long waitMs, int nextAttempt) {
        String why = e instanceof TransientHttpException t ? "HTTP " + t.code + " (" + transientReason(t.code) + ")" : networkReason(e);
        say(file + ": " + why + "; trying again in " + (waitMs + 999) / 1000 + " s (attempt " + nextAttempt + " of " + maxAttempts + ")");
    }

    private void waitingFor(String file, Path lockFile) {
        say(file + ": another process is downloading it (lock " + lockFile + "); waiting for that download to finish");
    }

    /**
     * Points snapshot/file at the blob: the link (or copy) is made under a temporary name and renamed over the old
     * one, so a reader never finds the file missing, and two processes linking at once cannot collide (deleting and
     * recreating in place let the second's create fail and fall back to a copy).
     */
    static void link(Path at, Path blob) throws IOException {
        Path tmp = at.resolveSibling("." + at.getFileName() + ".link-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()));
        try {
            try {
                Files.createSymbolicLink(tmp, at.getParent().relativize(blob));
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(blob, tmp); // file systems without links (e.g. Windows without rights)
            }
            try {
                Files.move(tmp, at, StandardCopyOption.ATOMIC_MOVE); // rename(2): replaces the old entry in one step
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, at, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void downloadBlob(HubId id, String file, Meta m, Path blob) throws IOException {
        Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
        DownloadProgress bar = new DownloadProgress(progress, progressOnTerminal, file, m.size(),
                Files.isRegularFile(part) ? Files.size(part) : 0);
        try {
            transferWithRetries(id, file, m, blob, part, bar);
        } catch (IOException | RuntimeException e) {
            bar.abandon();
            throw e;
        }
    }

    private void transferWithRetries(HubId id, String file, Meta m, Path blob, Path part, DownloadProgress bar) throws IOException {
        IOException last = null;
        long have;
        boolean done = false;
        for (int attempt = 1; attempt <= maxAttempts && !done; attempt++) {
            have = Files.isRegularFile(part) ? Files.size(part) : 0;
            if (m.size() >= 0 && have > m.size()) {
                Files.delete(part); // longer than the file: not a prefix of it
                have = 0;
            }
            if (m.size() >= 0 && have == m.size()) break;
            IOException failed = null;
            try {
                done = transfer(file, m, part, have, bar);
            } catch (tagllm.util.AtomicFiles.WriteFailedException e) {
                throw e; // the local disk, not the connection
            } catch (SizeMismatchException e) {
                Files.deleteIfExists(part); // not the file the Hub described: nothing of it may be resumed or linked
                throw new IOException(id + ": " + file + ": " + e.getMessage() + " [" + m.download() + "]; the Hub's metadata and the file"
                        + " disagree, so nothing was kept and running again at once will not help: try later, or tell the repository's owners", e);
            } catch (IOException e) {
                last = failed = e; // a broken connection or a transient answer: resume from what arrived
            }
            if (!done && attempt < maxAttempts) {
                long wait = failed != null ? retryWait(failed, attempt) : retryDelayMs * attempt;
                if (failed != null) {
                    bar.abandon();
                    retryNotice(file, failed, wait, attempt + 1);
                }
                sleep(wait);
            }
        }
        have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if ((m.size() >= 0 && have != m.size()) || (m.size() < 0 && !done)) {
            String arrived = m.size() >= 0 ? have + " of " + m.size() + " bytes arrived" : have + " bytes arrived, the Hub gave no size";
            IOException e = new IOException(id + ": " + file + ": download incomplete after " + maxAttempts + " attempts (" + arrived
                    + ") [" + m.download() + "]" + (last != null ? ": " + last.getMessage() : "")
                    + (last instanceof TransientHttpException ? "; the server's trouble is usually temporary, run again later"
                            : "; check the network and run again")
                    + (have > 0 ? " (what arrived is kept in " + part + " and resumed where the server allows)" : ""));
            if (last != null) e.addSuppressed(last);
            throw e;
        }
        bar.finish(have);
        if (SHA256.matcher(m.etag()).matches()) {
            String got = Sha256.hex(part);
            if (!got.equals(m.etag())) {
                Files.delete(part);
                throw new IOException(file + ": downloaded content has SHA-256 " + got + " but the Hub announced " + m.etag()
                        + "; the partial file was removed, run again");
            }
        }
        try {
            Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, blob, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** One GET from offset have; true when the body ended normally and the file is complete (as far as known). */
    private boolean transfer(String file, Meta m, Path part, long have, DownloadProgress bar) throws IOException {
        URI url = m.download();
        for (int hop = 0; hop < 10; hop++) {
            HttpURLConnection c = open(url, "GET", have);
            try {
                int code = c.getResponseCode();
                if (code >= 300 && code < 400) {
                    url = location(url, c);
                    continue;
                }
                boolean append;
                if (code == 206) {
                    Matcher r = CONTENT_RANGE.matcher(String.valueOf(c.getHeaderField("Content-Range")));
                    if (!r.matches() || Long.parseLong(r.group(1)) != have) {
                        Files.deleteIfExists(part); // a range we did not ask for: start over
                        return false;
                    }
                    if (m.size() >= 0 && !r.group(3).equals("*") && Long.parseLong(r.group(3)) != m.size()) {
                        throw new SizeMismatchException("the server gives the file's size as " + r.group(3) + " bytes (Content-Range)"
                                + " where the Hub announced " + m.size());
                    }
                    append = true;
                } else if (code == 200) {
                    append = false; // the server ignored Range: the body is the whole file
                    have = 0;
                    long length = c.getContentLengthLong();
                    if (m.size() >= 0 && length >= 0 && length != m.size()) {
                        throw new SizeMismatchException("the server sends " + length + " bytes (Content-Length) where the Hub announced "
                                + m.size());
                    }
                } else if (code == 416 && m.size() >= 0 && have == m.size()) {
                    return true;
                } else if (code == 416) {
                    Files.deleteIfExists(part);
                    return false;
                } else if (isTransient(code)) {
                    throw new TransientHttpException(file + ": HTTP " + code + " (" + transientReason(code) + ") from " + url, code,
                            retryAfterMs(c.getHeaderField("Retry-After"), System.currentTimeMillis()), url);
                } else {
                    throw new IOException(file + ": HTTP " + code + " from " + url);
                }
                try (InputStream in = c.getInputStream();
                     FileChannel ch = openLocal(file, part, append);
                     OutputStream out = Channels.newOutputStream(ch)) {
                    byte[] buf = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        try {
                            out.write(buf, 0, n);
                        } catch (IOException e) {
                            throw localWriteFailed(file, part, e);
                        }
                        have += n;
                        if (m.size() >= 0 && have > m.size()) {
                            throw new SizeMismatchException("the server sent more than the " + m.size() + " bytes the Hub announced");
                        }
                        bar.update(have);
                    }
                }
                return m.size() < 0 || have == m.size();
            } finally {
                c.disconnect();
            }
        }
        throw new IOException(url + ": too many redirects");
    }

    private static FileChannel openLocal(String file, Path part, boolean append) throws IOException {
        try {
            return FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw localWriteFailed(file, part, e);
        }
    }

    /** A local write error (a full disk) is not a broken connection: retrying cannot help, so it is not retried. */
    private static IOException localWriteFailed(String file, Path part, IOException e) {
        return new tagllm.util.AtomicFiles.WriteFailedException("cannot write " + part + " (downloading " + file + "): "
                + tagllm.util.AtomicFiles.reason(e, part) + "; what arrived is kept there, free space and run again to resume", e);
    }

    private HttpURLConnection open(URI url, String method, long rangeFrom) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
        c.setInstanceFollowRedirects(false); // redirects are followed by hand, to keep the token off other hosts
        c.setRequestMethod(method);
        c.setConnectTimeout(connectTimeoutMs);
        c.setReadTimeout(readTimeoutMs);
        c.setRequestProperty("User-Agent", "tagllm/0.1");
        c.setRequestProperty("Accept-Encoding", "identity"); // byte ranges must refer to the stored bytes
        if (token != null && sameAuthority(url, endpoint)) c.setRequestProperty("Authorization", "Bearer " + token);
        if (rangeFrom > 0) c.setRequestProperty("Range", "bytes=" + rangeFrom + "-");
        return c;
    }

    private static URI location(URI from, HttpURLConnection c) throws IOException {
        String loc = c.getHeaderField("Location");
        if (loc == null) throw new IOException(from + ": redirect without a Location");
        try {
            return from.resolve(new URI(loc));
        } catch (URISyntaxException e) {
            throw new IOException(from + ": bad redirect Location '" + loc + "'");
        }
    }

    private static boolean sameAuthority(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && String.valueOf(a.getHost()).equalsIgnoreCase(String.valueOf(b.getHost()))
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) return u.getPort();
        return u.getScheme().toLowerCase(Locale.ROOT).equals("https") ? 443 : 80;
    }

    private static String firstNonNull(String a, String b) { return a != null ? a : b; }

    private static long parseLong(String s) {
        if (s == null) return -1;
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void sleep(long ms) throws IOException {
        if (ms <= 0) return;
        try {
            pause.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("download interrupted");
        }
    }
}
