package tagllm.serve;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP JSON API over a {@link TagService}, on the JDK's built-in server. Requests are handled by a fixed
 * number of threads with a bounded queue; past it, new connections are closed unanswered rather than piling up.
 *
 * <pre>{@code
 * try (TagServer s = TagServer.start(PredictorService.load("model-dir", List.of(tagFile), Duration.ofMinutes(2)),
 *                                   ServerOptions.defaults().withPort(0))) {
 *     URI base = s.uri();   // http://127.0.0.1:PORT
 * }
 * }</pre>
 */
public final class TagServer implements AutoCloseable {
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final URI uri;
    private boolean stopped;

    private TagServer(HttpServer server, ThreadPoolExecutor executor, URI uri) {
        this.server = server;
        this.executor = executor;
        this.uri = uri;
    }

    /** Binds and starts serving; throws a BindException naming the address when it is taken. */
    public static TagServer start(TagService service, ServerOptions options) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(options.host()), options.port());
        HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (BindException e) {
            BindException b = new BindException("cannot listen on " + hostPort(options.host(), options.port()) + ": " + e.getMessage());
            b.initCause(e);
            throw b;
        }
        ThreadPoolExecutor executor = new ThreadPoolExecutor(options.threads(), options.threads(), 0, TimeUnit.MILLISECONDS,
                options.queue() == 0 ? new java.util.concurrent.SynchronousQueue<>() : new ArrayBlockingQueue<>(options.queue()),
                daemonThreads());
        server.setExecutor(executor);
        server.createContext("/", new ApiHandler(service, options));
        server.start();
        int port = server.getAddress().getPort();
        return new TagServer(server, executor, URI.create("http://" + hostPort(options.host(), port)));
    }

    private static String hostPort(String host, int port) {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "tagllm-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The base address, e.g. http://127.0.0.1:8080 (with the actual port when 0 was asked for). */
    public URI uri() { return uri; }

    public int port() { return server.getAddress().getPort(); }

    /** Stops accepting, lets running requests finish for up to graceSeconds, then stops the threads. */
    public synchronized void stop(int graceSeconds) {
        if (stopped) return;
        stopped = true;
        server.stop(graceSeconds);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(Math.max(1, graceSeconds), TimeUnit.SECONDS)) executor.shutdownNow();
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() { stop(0); }
}
