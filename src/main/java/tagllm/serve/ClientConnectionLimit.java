package tagllm.serve;

import org.eclipse.jetty.io.Connection;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most {@code max} open connections from one client address: the connection over it is closed as soon as it is
 * opened, before anything is read from it. Without this, one client holding sockets open (slow headers, idle
 * keep-alives) could take every {@code --max-connections} slot, and every other client waited in the listen backlog.
 *
 * <p>Built on Jetty's connection events (a {@link Connection.Listener} on the connector, the hook Jetty's own
 * connection statistics use): the global limit ({@code NetworkConnectionLimit}) counts the refused connection for
 * the moment it is open, then frees its slot. A refused connection gets no HTTP answer: no request has been read
 * yet, and answering one before it was read could be lost to a reset. It is counted in /metrics as a
 * {@code client_connections} refusal.
 */
final class ClientConnectionLimit implements Connection.Listener {
    private final int max;
    private final ServerMetrics metrics;
    private final Map<InetAddress, Integer> open = new ConcurrentHashMap<>();
    /**
     * The connections counted in {@link #open}, with their client's address (read at opening: a closed socket has
     * none): a refused one is not, so its closing gives nothing back.
     */
    private final Map<Connection, InetAddress> counted = new ConcurrentHashMap<>();

    ClientConnectionLimit(int max, ServerMetrics metrics) {
        this.max = max;
        this.metrics = metrics;
    }

    @Override
    public void onOpened(Connection connection) {
        InetAddress client = address(connection.getEndPoint().getRemoteSocketAddress());
        if (client == null) return;
        boolean[] over = {false};
        open.compute(client, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= max) {
                over[0] = true;
                return now;
            }
            return now + 1;
        });
        if (over[0]) {
            metrics.refused("client_connections");
            connection.getEndPoint().close();
        } else {
            counted.put(connection, client);
        }
    }

    @Override
    public void onClosed(Connection connection) {
        InetAddress client = counted.remove(connection);
        if (client != null) open.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
    }

    private static InetAddress address(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getAddress() : null;
    }
}
