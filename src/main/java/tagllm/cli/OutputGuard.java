package tagllm.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The one rule of every command that writes results: another run's output is replaced only with --force. */
final class OutputGuard {
    private OutputGuard() {}

    /**
     * A results folder: refused when it holds any of the files a run of this command writes. resumeHint (or null)
     * says how to continue that run instead, which --force would throw away.
     */
    static void requireFresh(Path folder, boolean force, String resumeHint, String... runFiles) {
        if (force || !Files.isDirectory(folder)) return;
        List<String> found = Arrays.stream(runFiles).filter(f -> Files.exists(folder.resolve(f))).toList();
        if (!found.isEmpty()) {
            throw new IllegalArgumentException("output folder " + folder + " already holds a run (" + String.join(", ", found)
                    + "); " + (resumeHint == null ? "" : resumeHint + ", ") + "use --force to replace it, or -o for another folder");
        }
    }

    /**
     * Before writing a results file: the hidden partial copies of it (".NAME.N.tmp") that an earlier run killed with
     * kill -9 left beside it are removed and named on err (AtomicFiles.removeLeftovers: only that output's own
     * temporary names, and none that a running command still writes).
     */
    static void removeLeftovers(Path file, java.io.PrintWriter err) throws java.io.IOException {
        if (file == null) return;
        List<String> removed = tagllm.util.AtomicFiles.removeLeftovers(file);
        if (removed.isEmpty()) return;
        Path dir = file.toAbsolutePath().getParent();
        err.println("removed " + String.join(", ", removed) + " from " + dir + ": partial " + (removed.size() == 1 ? "copy" : "copies")
                + " of " + file.getFileName() + " that an interrupted run (kill -9) did not finish");
        err.flush();
    }

    /** A results file: refused when it is a folder, or when it exists, unless it is a stream such as /dev/stdout (nothing there to lose). */
    static void requireNew(Path file, boolean force) {
        // --force cannot replace a folder (the write fails "Is a directory"): said before any work, not "use --force"
        if (file != null && Files.isDirectory(file) && !tagllm.util.AtomicFiles.writtenDirectly(file)) {
            throw new IllegalArgumentException(file + " is a folder; expected a file to write (give a file name, e.g. "
                    + file.resolve(file.getFileName() == null ? "out" : file.getFileName().toString()) + ")");
        }
        if (file != null && !force && Files.exists(file) && !tagllm.util.AtomicFiles.writtenDirectly(file)) {
            throw new IllegalArgumentException(file + " already exists; use --force to replace it, or another --output");
        }
    }
}
