package tagllm.cli;

import tagllm.util.JdkModules;
import tagllm.util.Terminal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the CLI in a child JVM that has the flags the JDK demands: {@code --add-modules jdk.incubator.vector} (a jar
 * manifest cannot add a module) and native access. So {@code java -jar tagllm.jar} and {@code ./tagllm} need no flag.
 *
 * <p>Why a child rather than asking the user: the Vector API is an incubator module in JDK 25, and the JVM resolves
 * it only from the command line. The child's standard input and output are this process's own; its standard error
 * passes through here so that the JDK's "WARNING: Using incubator modules" line, printed at every start, is dropped
 * (it says nothing a user can act on). Everything after it is copied byte for byte, unbuffered, so progress bars
 * redraw as before. The exit code is the child's; stopping this process stops the child, and the child stops by
 * itself when this process is killed outright ({@link #stopWithParent}).
 */
final class Relaunch {
    static final String MARKER = "tagllm.relaunched";
    /**
     * The child's JVM options, set by ./tagllm: they are separated by U+001F, a character that no option contains.
     * With them, this parent runs on options of its own. It only starts the child and copies its stderr, so C1 and a
     * small heap do (docs/architecture.md, "Launching").
     */
    static final String CHILD_OPTIONS = "tagllm.childJvmOptions";
    /**
     * The child's class path, set by ./tagllm. The parent itself runs on the jar alone (its manifest adds lib/), so it
     * never opens the jars only the CLI needs. ProcessBuilder.start looks for a logger through ServiceLoader, which
     * opens every jar on the class path, and Spark's ~240 did not fit the parent's heap.
     */
    static final String CHILD_CLASS_PATH = "tagllm.childClassPath";
    static final char SEPARATOR = '\u001f';
    private static final String INCUBATOR_WARNING = "WARNING: Using incubator modules";
    /** Longest wait for the child's last stderr bytes once it has exited. */
    private static final long PUMP_WAIT_MS = 5000;

    private Relaunch() {}

    /**
     * Whether main must relaunch. It must when this is not already the relaunched child, and either the Vector API is
     * missing or ./tagllm gave the child's options (then this JVM runs on the parent's small options even if
     * JDK_JAVA_OPTIONS added the module).
     */
    static boolean needed() {
        return System.getProperty(MARKER) == null
                && (System.getProperty(CHILD_OPTIONS) != null || !JdkModules.vectorApiPresent());
    }

    /** How often the relaunched child looks whether its parent is still there. */
    private static final long PARENT_POLL_MS = 200;

    /**
     * In the relaunched child: exits (143, as after a SIGTERM, so shutdown hooks run) once the parent is gone. A
     * SIGKILL of the parent (kill -9 of the PID ./tagllm started) cannot be passed on, and the child went on alone: a
     * killed train kept writing its run folder in the background, beside a train --resume started after it. The
     * JDK's onExit polls a process that is not our child ever more slowly (up to every 5 s), so a thread of our own
     * asks every 200 ms. Does nothing in a JVM that was not relaunched.
     */
    static void stopWithParent() {
        if (System.getProperty(MARKER) == null) return;
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        if (parent == null || !parent.isAlive()) return;
        Thread.ofPlatform().daemon().name("tagllm-parent-watch").start(() -> {
            try {
                while (parent.isAlive()) Thread.sleep(PARENT_POLL_MS);
            } catch (InterruptedException e) {
                return;
            }
            System.exit(143);
        });
    }

    static int run(String[] args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(childOptions(System.getProperty(CHILD_OPTIONS)));
        cmd.add("--add-modules=" + JdkModules.VECTOR);
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-D" + MARKER + "=true");
        // the child's stderr is our pipe: tell it whether ours is a terminal
        cmd.add("-Dtagllm.terminal=" + Terminal.stderr());
        cmd.add("-cp");
        cmd.add(System.getProperty(CHILD_CLASS_PATH, System.getProperty("java.class.path")));
        cmd.add(Main.class.getName());
        cmd.addAll(inheritedDescriptors(List.of(args), ProcessHandle.current().pid(), java.nio.file.Files::exists));
        return supervise(new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.PIPE));
    }

    /**
     * Starts the child, copies its stderr (less the incubator warning) and returns its exit code. When this JVM is
     * stopped (SIGTERM, Ctrl-C), the child is signalled and waited for, and what it writes while it stops (serve's
     * access-log lines of the requests it still answers) is still copied: the child is signalled through its
     * ProcessHandle, because Process.destroy() would also close the stderr pipe, and the child's last writes would
     * then fail with EPIPE and be lost.
     */
    static int supervise(ProcessBuilder builder) {
        // The hook is in place before the child starts, and starting it and stopping it exclude each other: a
        // SIGTERM right after the start (the child may already be logging) never leaves the child running alone.
        record Running(Process child, Thread pump) {}
        Object lock = new Object();
        Running[] running = new Running[1];
        boolean[] stopping = new boolean[1];
        Thread stop = new Thread(() -> {
            Running r;
            synchronized (lock) {
                stopping[0] = true;
                r = running[0];
            }
            if (r == null) return;
            try {
                if (r.child().isAlive()) {
                    r.child().toHandle().destroy();
                    r.child().waitFor();
                }
                r.pump().join(PUMP_WAIT_MS); // the pipe ends when the child is gone; the bound covers a grandchild holding it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            Runtime.getRuntime().addShutdownHook(stop);
        } catch (IllegalStateException shuttingDown) {
            return 143;
        }
        Running r;
        synchronized (lock) {
            if (stopping[0]) return 143;
            Process child;
            try {
                child = builder.start();
            } catch (IOException e) {
                System.err.println("error: could not start " + builder.command().getFirst() + " with the Vector API: " + e.getMessage()
                        + "; " + JdkModules.VECTOR_FIX);
                return 1;
            }
            r = new Running(child, Thread.ofPlatform().daemon().start(() -> copyErrors(child.getErrorStream())));
            running[0] = r;
        }
        try {
            int code = r.child().waitFor();
            r.pump().join(PUMP_WAIT_MS);
            return code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private static final java.util.regex.Pattern DESCRIPTOR_PATH =
            java.util.regex.Pattern.compile("(--[A-Za-z0-9-]+=)?(?:/dev/fd/|/proc/self/fd/)([0-9]{1,9})");

    /**
     * The arguments, with a path naming one of this process's inherited descriptors ({@code /dev/fd/N} or
     * {@code /proc/self/fd/N}, N >= 3: what bash's {@code <(zcat f.gz)} passes) written as {@code /proc/PID/fd/N}.
     * ProcessBuilder hands the child only descriptors 0-2, so in the child /dev/fd/63 names nothing; through this
     * process's /proc entry the child opens the same pipe. Where that entry does not exist (no /proc) the argument is
     * left as it is.
     */
    static List<String> inheritedDescriptors(List<String> args, long pid, java.util.function.Predicate<Path> exists) {
        List<String> out = new ArrayList<>(args.size());
        for (String a : args) {
            var m = DESCRIPTOR_PATH.matcher(a);
            if (m.matches() && Long.parseLong(m.group(2)) > 2) {
                String viaParent = "/proc/" + pid + "/fd/" + m.group(2);
                if (exists.test(Path.of(viaParent))) {
                    out.add((m.group(1) == null ? "" : m.group(1)) + viaParent);
                    continue;
                }
            }
            out.add(a);
        }
        return out;
    }

    /** The options ./tagllm gave for the child (null: none given), else this JVM's own, passed on. */
    static List<String> childOptions(String given) {
        if (given == null) return jvmOptions();
        List<String> out = new ArrayList<>();
        for (String o : given.split(String.valueOf(SEPARATOR))) if (!o.isEmpty()) out.add(o);
        return out;
    }

    /** This JVM's options (heap, GC, -D...), passed on; none where the management module is absent. */
    private static List<String> jvmOptions() {
        try {
            List<String> out = new ArrayList<>();
            for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!a.startsWith("-Dtagllm.terminal=")) out.add(a);
            }
            return out;
        } catch (LinkageError e) {
            return List.of();
        }
    }

    /** The child's stderr to ours, less the JDK's incubator-module warning line. */
    static void copyErrors(InputStream in) {
        OutputStream err = new FileOutputStream(FileDescriptor.err);
        try {
            copyFilteringWarning(in, err);
        } catch (IOException e) {
            // the child died or our stderr closed: nothing left to copy
        }
    }

    static void copyFilteringWarning(InputStream in, OutputStream out) throws IOException {
        // The JVM prints the warning before main, after the launcher's and the VM's notes of the options they picked up
        // from the environment (JDK_JAVA_OPTIONS, JAVA_TOOL_OPTIONS: "Picked up ..."; with either set, the warning was
        // the second or third line and got through). Those notes pass; the warning is dropped; then everything passes
        // through as it comes.
        while (true) {
            var line = new java.io.ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                line.write(b);
                if (b == '\n') break;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            if (text.startsWith(INCUBATOR_WARNING)) break;
            out.write(line.toByteArray());
            out.flush();
            if (b < 0 || !(text.startsWith("Picked up ") || text.startsWith("NOTE: Picked up "))) break;
        }
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            out.flush();
        }
    }
}
