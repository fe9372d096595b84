package tagllm.serve;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server for a {@link TagService}, on Jetty (core, no servlets).
 *
 * <p>Why Jetty: its connections are non-blocking, so a slow or idle client holds a socket, not a thread; it closes
 * connections idle past the read timeout and stops accepting past a connection limit (new clients then wait in the
 * listen backlog instead of being reset). On top: a header deadline (a client that trickles its header one byte at
 * a time is dropped, see {@link #dropSlowHeaders}), a body deadline, admission and a memory budget
 * ({@link Admission}), and requests handled on virtual threads, so that a request waiting for the model never keeps
 * {@code /health} waiting.
 *
 * <pre>{@code
 * try (TagServer s = TagServer.start(PredictorService.load("model-dir", List.of(tagFile), Duration.ofMinutes(2)),
 *                                   ServerOptions.defaults().withPort(0))) {
 *     URI base = s.uri();   // http://127.0.0.1:PORT
 * }
 * }</pre>
 */
public final class TagServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final ScheduledExecutorService sweeper;
    private final URI uri;
    private final ApiHandler handler;
    private final Admission admission;
    private final java.util.function.Consumer<String> log;
    private boolean stopped;

    private TagServer(Server server, ServerConnector connector, ScheduledExecutorService sweeper, URI uri, ApiHandler handler,
                      Admission admission, java.util.function.Consumer<String> log) {
        this.server = server;
        this.connector = connector;
        this.sweeper = sweeper;
        this.uri = uri;
        this.handler = handler;
        this.admission = admission;
        this.log = log;
    }

    /**
     * Binds and starts serving; throws a BindException naming the address when it is taken, and refuses to listen
     * on an address other than loopback without an access token.
     */
    public static TagServer start(TagService service, ServerOptions options) throws IOException {
        if (options.token() == null && !InetAddress.getByName(options.host()).isLoopbackAddress()) {
            throw new IllegalArgumentException("listening on " + options.host() + " (not a loopback address) needs an access token "
                    + "(--token-file FILE or the environment variable TAGLLM_TOKEN): anyone who can reach the address could use the API");
        }
        // the acceptor and the selector each keep a platform thread: the request threads come on top
        QueuedThreadPool pool = new QueuedThreadPool(options.threads() + 4, Math.min(4, options.threads() + 2));
        pool.setName("tagllm-http");
        pool.setDaemon(true);
        // Requests are handled on virtual threads: one waiting for the model costs no platform thread.
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(16 * 1024);
        http.setIdleTimeout(options.readTimeout().toMillis());
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setIdleTimeout(options.readTimeout().toMillis());
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(options.maxConnections(), connector));
        Admission admission = new Admission(options.queue(), options.bodyBudgetBytes());
        ServerMetrics metrics = new ServerMetrics(admission::inFlight, admission::bytesHeld);
        if (options.connectionsPerClient() < options.maxConnections()) {
            connector.addEventListener(new ClientConnectionLimit(options.connectionsPerClient(), metrics));
        }
        if (service instanceof PredictorService p) p.onBatch(metrics::batch);
        ApiHandler handler = new ApiHandler(service, options, admission, metrics);
        server.setHandler(handler);
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(2000);
        try {
            server.start();
        } catch (IOException e) {
            stopQuietly(server);
            BindException b = new BindException("cannot listen on " + hostPort(options.host(), options.port()) + ": " + bindFailure(e));
            b.initCause(e);
            throw b;
        } catch (Exception e) {
            stopQuietly(server);
            throw new IOException("cannot start the HTTP server on " + hostPort(options.host(), options.port()) + ": " + e.getMessage(), e);
        }
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tagllm-http-header-deadline");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(50, Math.min(1000, options.headerTimeout().toMillis() / 4));
        Map<EndPoint, long[]> seen = new ConcurrentHashMap<>();
        sweeper.scheduleWithFixedDelay(() -> dropSlowHeaders(connector, seen, options.headerTimeout().toNanos(), metrics),
                period, period, TimeUnit.MILLISECONDS);
        return new TagServer(server, connector, sweeper, URI.create("http://" + hostPort(options.host(), connector.getLocalPort())),
                handler, admission, options.log());
    }

    /**
     * Closes connections whose request header has been arriving for longer than the header timeout. Jetty's idle
     * timeout alone lets a client keep a connection by sending one byte every few seconds (slow loris).
     */
    private static void dropSlowHeaders(ServerConnector connector, Map<EndPoint, long[]> seen, long timeoutNanos, ServerMetrics metrics) {
        try {
            long now = System.nanoTime();
            var open = connector.getConnectedEndPoints();
            seen.keySet().retainAll(open);
            for (EndPoint e : open) {
                Connection c = e.getConnection();
                if (!(c instanceof org.eclipse.jetty.server.internal.HttpConnection hc)) continue;
                HttpParser parser = hc.getParser();
                if (parser.isStart() || !parser.inHeaderState()) {
                    seen.remove(e);
                    continue;
                }
                long[] since = seen.computeIfAbsent(e, k -> new long[]{now, hc.getMessagesIn()});
                if (since[1] != hc.getMessagesIn()) {
                    since[0] = now;
                    since[1] = hc.getMessagesIn();
                } else if (now - since[0] > timeoutNanos) {
                    seen.remove(e);
                    metrics.refused("header_timeout");
                    e.close();
                }
            }
        } catch (RuntimeException ignored) {
            // a connection closing meanwhile: the next sweep sees the new state
        }
    }

    /**
     * Why binding failed, in the JDK's words ("Address already in use", "Cannot assign requested address"): Jetty's
     * own message only repeats the address ("Failed to bind to /127.0.0.1:8080"). A port in use says what to do.
     */
    static String bindFailure(IOException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String why = root.getMessage() != null ? root.getMessage() : e.getMessage();
        if (root instanceof BindException && why != null && why.toLowerCase(java.util.Locale.ROOT).contains("in use")) {
            why += " (another process holds the port; choose another with --port, or 0 for a free one)";
        }
        return why;
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // already failing to start: the start's error is the one to report
        }
    }

    private static String hostPort(String host, int port) {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The base address, e.g. http://127.0.0.1:8080 (with the actual port when 0 was asked for). */
    public URI uri() { return uri; }

    public int port() { return connector.getLocalPort(); }

    /** API requests in the server now (reading, waiting or running). */
    int inFlight() { return (int) admission.inFlight(); }

    /**
     * Stops: requests waiting for the model (and any that arrive now) are answered 503 "the server is shutting down"
     * at once; the ones running get up to graceSeconds to finish, then are stopped between tokens or batches and
     * answered the same 503 (their number is logged); then Jetty stops. Every answer while stopping closes its
     * connection. Without this, Jetty's stop closed the connections of unfinished requests with no answer at all.
     */
    public synchronized void stop(int graceSeconds) {
        if (stopped) return;
        stopped = true;
        sweeper.shutdownNow();
        handler.beginStopping();
        awaitIdle(System.nanoTime() + Math.max(0, graceSeconds) * 1_000_000_000L);
        int cut = handler.cancelRunning();
        if (cut > 0) {
            if (log != null) log.accept("stopping: " + cut + " request(s) still running after the " + graceSeconds + " s grace were cancelled (503)");
            awaitIdle(System.nanoTime() + CANCEL_WAIT_NANOS); // they stop at the next token or batch and send their 503
        }
        server.setStopTimeout(500);
        try {
            server.stop();
        } catch (Exception e) {
            // stopping is best effort: the threads are daemons
        }
    }

    /** Longest wait, after cancelling the requests still running, for their 503s to be written. */
    private static final long CANCEL_WAIT_NANOS = 3_000_000_000L;

    private void awaitIdle(long deadline) {
        while (admission.inFlight() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() { stop(0); }
}
