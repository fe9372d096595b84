package tagllm;

import tagllm.tensor.Parallel;
import tagllm.util.AtomicFiles;

/**
 * What a JVM that unloads tagllm and goes on calls once it is done with it: an application server undeploying a web
 * app that embeds tagllm ({@code ServletContextListener.contextDestroyed}), or a plugin host unloading it. tagllm
 * leaves two things of its own behind that hold its class loader, and with it every class and model it loaded: the
 * engine's worker threads and the shutdown hook that removes half-written files at exit. A third it cannot take back
 * from here: per-thread scratch (a SMILES parser, a QED calculator) left on the threads that called it, which are the
 * host's; a host that renews its request threads after an undeploy (Tomcat does by default) frees those. A JVM that
 * simply exits needs no call.
 */
public final class Tagllm {
    private Tagllm() {}

    /**
     * Stops the engine's worker threads ({@link Parallel#shutdown()}: a computation under way on another thread is
     * waited for, later ones run on their caller with the same results) and unregisters the half-written-file cleanup
     * hook ({@link AtomicFiles#removeShutdownHook()}). Idempotent.
     *
     * @throws IllegalStateException called from inside a task of a parallel computation, which would wait for itself
     */
    public static void shutdown() {
        Parallel.shutdown();
        AtomicFiles.removeShutdownHook();
    }
}
