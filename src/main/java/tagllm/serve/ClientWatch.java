package tagllm.serve;

import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeoutException;

/**
 * Notices that the client of a request being worked on has closed its connection, and cancels the request's work.
 *
 * <p>Jetty reads nothing from an HTTP/1.1 connection while its request is handled, so a client that hangs up
 * after sending its body goes unnoticed until the answer is written, possibly minutes later (its failure
 * listeners are not called either). This registers interest in the connection becoming readable once the body
 * has been read: end-of-stream means the client is gone (as nginx decides for its 499). Bytes that arrive instead
 * belong to a pipelined next request; they are dropped and the connection is closed after this answer, which
 * HTTP/1.1 clients that pipeline must handle. The interest is withdrawn before the answer completes, as Jetty
 * would otherwise close the connection instead of keeping it alive.
 */
final class ClientWatch implements AutoCloseable {
    /** Our own withdrawal of the interest, told apart from real failures. */
    private static final Throwable WITHDRAWN = new Throwable("client watch withdrawn", null, false, false) {};

    private final AbstractEndPoint endPoint;
    private final Cancellation cancel;
    private final Probe probe = new Probe();
    private final ByteBuffer scratch = ByteBuffer.allocate(512);
    private boolean armed;
    private boolean closed;
    private boolean pipelined;

    /** For tests: runs each time bytes of a pipelined request have been dropped, so a test need not guess when. */
    static volatile Runnable afterDroppedBytes = () -> {};

    private ClientWatch(AbstractEndPoint endPoint, Cancellation cancel) {
        this.endPoint = endPoint;
        this.cancel = cancel;
    }

    /** Watches the request's connection (call once its body is read); a connection that cannot be watched is not. */
    static ClientWatch start(Request request, Cancellation cancel) {
        EndPoint e = request.getConnectionMetaData().getConnection().getEndPoint();
        ClientWatch w = new ClientWatch(e instanceof AbstractEndPoint a ? a : null, cancel);
        w.arm();
        return w;
    }

    /**
     * Stops watching, then says whether bytes of a next request arrived (and were dropped): the connection must then
     * close after this answer. One call, as asking before stopping missed bytes read in between: the connection was
     * kept alive and the client's next request parsed from its middle.
     */
    synchronized boolean stopAndSawPipelinedBytes() {
        close();
        return pipelined;
    }

    private synchronized void arm() {
        if (closed || endPoint == null || !endPoint.isOpen()) return;
        armed = endPoint.tryFillInterested(probe); // false: Jetty itself is reading, nothing to watch
    }

    private final class Probe implements Callback {
        @Override
        public void succeeded() {
            int n;
            synchronized (ClientWatch.this) {
                armed = false;
                if (closed) return;
                try {
                    scratch.clear().flip(); // fill appends after the limit: an empty buffer with room
                    n = endPoint.fill(scratch);
                } catch (IOException e) {
                    n = -1;
                }
                if (n > 0) pipelined = true; // under the lock: stopAndSawPipelinedBytes must see what was dropped
            }
            if (n < 0) {
                cancel.cancel("the client closed the connection");
                return;
            }
            if (n > 0) afterDroppedBytes.run();
            arm();
        }

        @Override
        public void failed(Throwable x) {
            synchronized (ClientWatch.this) {
                armed = false;
                if (closed || x == WITHDRAWN) return;
            }
            // the idle timeout fails pending reads: a client waiting for a busy model is still there
            if (x instanceof TimeoutException) arm();
            else cancel.cancel("the connection failed (" + x.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (armed) {
            armed = false;
            endPoint.getFillInterest().onFail(WITHDRAWN);
        }
    }
}
