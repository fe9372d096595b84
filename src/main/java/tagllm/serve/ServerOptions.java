package tagllm.serve;

import java.util.function.Consumer;

/**
 * How the HTTP server listens and what it accepts.
 *
 * @param host         address to bind (127.0.0.1 by default: the API has no authentication)
 * @param port         port to bind; 0 picks a free one
 * @param threads      request-handling threads (model work takes turns anyway, see {@link ComputeGate})
 * @param queue        requests waiting for a thread beyond which connections are closed unanswered
 * @param maxBodyBytes request bodies above this get 413
 * @param maxInputs    most input objects per request
 * @param maxTokens    highest max_tokens a generate request may ask for
 * @param log          receives one access-log line per request and the details of internal errors
 */
public record ServerOptions(String host, int port, int threads, int queue, long maxBodyBytes, int maxInputs, int maxTokens,
                            Consumer<String> log) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_THREADS = 4;
    public static final long DEFAULT_MAX_BODY = 8L << 20;
    public static final int DEFAULT_MAX_INPUTS = 1024;
    public static final int DEFAULT_MAX_TOKENS = 1024;
    /** max_tokens when a generate request gives none. */
    public static final int DEFAULT_NEW_TOKENS = 64;

    public ServerOptions {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host: missing");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port: expected 0..65535, got " + port);
        if (threads < 1 || threads > 1024) throw new IllegalArgumentException("threads: expected 1..1024, got " + threads);
        if (queue < 0) throw new IllegalArgumentException("queue: must not be negative, got " + queue);
        if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("max body size: expected 1 byte .. 2 GiB, got " + maxBodyBytes);
        }
        if (maxInputs < 1) throw new IllegalArgumentException("max inputs: must be at least 1, got " + maxInputs);
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens: must be at least 1, got " + maxTokens);
        if (log == null) log = line -> { };
    }

    public static ServerOptions defaults() {
        return new ServerOptions(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_THREADS, 64, DEFAULT_MAX_BODY, DEFAULT_MAX_INPUTS,
                DEFAULT_MAX_TOKENS, null);
    }

    public ServerOptions withHost(String h) { return new ServerOptions(h, port, threads, queue, maxBodyBytes, maxInputs, maxTokens, log); }

    public ServerOptions withPort(int p) { return new ServerOptions(host, p, threads, queue, maxBodyBytes, maxInputs, maxTokens, log); }

    public ServerOptions withThreads(int t) { return new ServerOptions(host, port, t, queue, maxBodyBytes, maxInputs, maxTokens, log); }

    public ServerOptions withQueue(int q) { return new ServerOptions(host, port, threads, q, maxBodyBytes, maxInputs, maxTokens, log); }

    public ServerOptions withMaxBodyBytes(long b) { return new ServerOptions(host, port, threads, queue, b, maxInputs, maxTokens, log); }

    public ServerOptions withMaxInputs(int n) { return new ServerOptions(host, port, threads, queue, maxBodyBytes, n, maxTokens, log); }

    public ServerOptions withMaxTokens(int n) { return new ServerOptions(host, port, threads, queue, maxBodyBytes, maxInputs, n, log); }

    public ServerOptions withLog(Consumer<String> l) { return new ServerOptions(host, port, threads, queue, maxBodyBytes, maxInputs, maxTokens, l); }
}
