package tagllm.serve;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * How the HTTP server listens, what it accepts and how long it waits for a client.
 *
 * @param host           address to bind (127.0.0.1 by default); any other address needs a {@code token}
 * @param port           port to bind; 0 picks a free one
 * @param threads        platform threads that parse and answer requests (model work runs on its own thread)
 * @param queue          most API requests whose body has arrived in the server at once (waiting for the model or
 *                       running; one still sending its body holds no place);
 *                       beyond, a request is answered 503 with Retry-After at once
 * @param maxBodyBytes   request bodies above this get 413; bodies in memory at once total at most twice this
 * @param maxInputs      most input objects per request
 * @param maxTokens      highest max_tokens a generate request may ask for
 * @param readTimeout    a connection that sends nothing for this long is closed (idle keep-alive included)
 * @param headerTimeout  a request whose header is not complete this long after its first byte is dropped
 * @param bodyTimeout    a request whose body is not complete this long after its header gets 408
 * @param maxConnections open connections beyond which the server stops accepting (they wait in the backlog)
 * @param maxConnectionsPerClient most open connections from one client address (a further one is closed at once);
 *                       0 for a quarter of maxConnections (see {@link #connectionsPerClient})
 * @param token          access token clients send as {@code Authorization: Bearer TOKEN}; null for none
 * @param log            receives one access-log line per request and the details of internal errors
 */
public record ServerOptions(String host, int port, int threads, int queue, long maxBodyBytes, int maxInputs, int maxTokens,
                            Duration readTimeout, Duration headerTimeout, Duration bodyTimeout, int maxConnections,
                            int maxConnectionsPerClient, String token, Consumer<String> log) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_THREADS = 16;
    public static final int DEFAULT_QUEUE = 256;
    public static final long DEFAULT_MAX_BODY = 8L << 20;
    public static final int DEFAULT_MAX_INPUTS = 1024;
    public static final int DEFAULT_MAX_TOKENS = 1024;
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
    /** max_tokens when a generate request gives none. */
    public static final int DEFAULT_NEW_TOKENS = 64;

    public ServerOptions {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host: missing");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port: expected 0..65535, got " + port);
        if (threads < 1 || threads > 1024) throw new IllegalArgumentException("threads: expected 1..1024, got " + threads);
        if (queue < 1 || queue > 100_000) throw new IllegalArgumentException("queue: expected 1..100000, got " + queue);
        if (maxBodyBytes < 1 || maxBodyBytes > (1L << 30)) {
            throw new IllegalArgumentException("max body size: expected 1 byte .. 1 GiB, got " + maxBodyBytes);
        }
        if (maxInputs < 1 || maxInputs > 1_000_000) throw new IllegalArgumentException("max inputs: expected 1..1000000, got " + maxInputs);
        if (maxTokens < 1 || maxTokens > 1_000_000) throw new IllegalArgumentException("max tokens: expected 1..1000000, got " + maxTokens);
        positive("read timeout", readTimeout);
        positive("header timeout", headerTimeout);
        positive("body timeout", bodyTimeout);
        if (maxConnections < 1 || maxConnections > 1_000_000) {
            throw new IllegalArgumentException("max connections: expected 1..1000000, got " + maxConnections);
        }
        if (maxConnectionsPerClient < 0 || maxConnectionsPerClient > 1_000_000) {
            throw new IllegalArgumentException("max connections per client: expected 1..1000000 (or 0 for a quarter of max connections), got "
                    + maxConnectionsPerClient);
        }
        if (token != null && token.isBlank()) throw new IllegalArgumentException("token: empty");
        if (log == null) log = line -> { };
    }

    /** The constructor before the per-client connection limit: that limit is then a quarter of maxConnections. */
    public ServerOptions(String host, int port, int threads, int queue, long maxBodyBytes, int maxInputs, int maxTokens,
                         Duration readTimeout, Duration headerTimeout, Duration bodyTimeout, int maxConnections,
                         String token, Consumer<String> log) {
        this(host, port, threads, queue, maxBodyBytes, maxInputs, maxTokens, readTimeout, headerTimeout, bodyTimeout, maxConnections, 0, token, log);
    }

    /**
     * Most open connections from one client address: maxConnectionsPerClient, or a quarter of maxConnections (at
     * least 1) when it is 0, so that one client cannot take every connection whatever maxConnections is.
     */
    public int connectionsPerClient() {
        return maxConnectionsPerClient > 0 ? maxConnectionsPerClient : Math.max(1, maxConnections / 4);
    }

    private static void positive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero() || d.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException(what + ": expected more than 0 s and at most 3600 s, got " + d);
        }
    }

    public static ServerOptions defaults() {
        return new ServerOptions(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_THREADS, DEFAULT_QUEUE, DEFAULT_MAX_BODY, DEFAULT_MAX_INPUTS,
                DEFAULT_MAX_TOKENS, DEFAULT_READ_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_CONNECTIONS, 0, null, null);
    }

    /** Bytes of request bodies held at once, all requests together: a small multiple of the body limit. */
    public long bodyBudgetBytes() { return 2 * maxBodyBytes; }

    public ServerOptions withHost(String h) { return new ServerOptions(h, port, threads, queue, maxBodyBytes, maxInputs, maxTokens, readTimeout, headerTimeout, bodyTimeout, maxConnections, maxConnectionsPerClient, token, log); }

    public ServerOptions withPort(int p) { return new ServerOptions(host, p, threads, queue, maxBodyBytes, maxInputs, maxTokens, readTimeout, headerTimeout, bodyTimeout, maxConnections, maxConnectionsPerClient, token, log); }

    public ServerOptions withThreads(int t) { return new ServerOptions(host, port, t, queue, maxBodyBytes, maxInputs, maxTokens, readTimeout, headerTimeout, bodyTimeout, maxConnections, maxConnectionsPerClient, token, log); }

    public ServerOptions withQueue(int q) { return new ServerOptions(host, port, threads, q, maxBodyBytes, maxInputs, maxTokens, readTimeout, headerTimeout, bodyTimeout, maxConnections, maxConnectionsPerClient, token, log); }

    public ServerOptions withMaxBodyBytes(long b) { return new ServerOptions(host, port, threads, queue, b, maxInputs, maxTokens, readTimeout, headerTimeout, bodyTimeout, maxConnections, maxConnectionsPerClient, token, log); }

    public ServerOptions withMaxInputs(int n) { return new ServerOptions(host, port, threads, queue, maxBodyBytes, n, maxTokens, readTimeout, headerTimeout, bodyTimeout, maxConnections, maxConnectionsPerClient, token, log); }

    public ServerOptions withMaxTokens(int n) { return new ServerOptions(host, port, threads, queue, maxBodyBytes, maxInputs, n, readTimeout, headerTimeout, bodyTimeout, maxConnections, maxConnectionsPerClient, token, log); }

    public ServerOptions withTimeouts(Duration read, Duration header, Duration body) { return new ServerOptions(host, port, threads, queue, maxBodyBytes, maxInputs, maxTokens, read, header, body, maxConnections, maxConnectionsPerClient, token, log); }

    public ServerOptions withMaxConnections(int n) { return new ServerOptions(host, port, threads, queue, maxBodyBytes, maxInputs, maxTokens, readTimeout, headerTimeout, bodyTimeout, n, maxConnectionsPerClient, token, log); }

    /** n most open connections from one client address; 0 for a quarter of maxConnections. */
    public ServerOptions withMaxConnectionsPerClient(int n) { return new ServerOptions(host, port, threads, queue, maxBodyBytes, maxInputs, maxTokens, readTimeout, headerTimeout, bodyTimeout, maxConnections, n, token, log); }

    public ServerOptions withToken(String t) { return new ServerOptions(host, port, threads, queue, maxBodyBytes, maxInputs, maxTokens, readTimeout, headerTimeout, bodyTimeout, maxConnections, maxConnectionsPerClient, t, log); }

    public ServerOptions withLog(Consumer<String> l) { return new ServerOptions(host, port, threads, queue, maxBodyBytes, maxInputs, maxTokens, readTimeout, headerTimeout, bodyTimeout, maxConnections, maxConnectionsPerClient, token, l); }
}
