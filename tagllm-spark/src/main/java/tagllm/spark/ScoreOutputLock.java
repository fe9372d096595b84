package tagllm.spark;

import tagllm.util.FileTrees;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lock a spark score run holds on its --output from its start to its end: an fcntl lock on the hidden file
 * ".NAME.lock" beside the output, which the kernel releases when the driver dies (kill -9 included). It proves what
 * the temporary folders ".NAME.tmp-PID" beside the output are: a run that holds the lock knows that no other run of
 * this kind is writing one, so a folder whose PID is no live process here is what a killed driver left
 * ({@link #removeLeftovers}).
 *
 * <p>The lock file is never removed: removing it would let a run lock a file another run had just unlinked, and
 * telling the two apart means opening the file by its path again, which on Linux drops every fcntl lock this process
 * holds on it the moment that second handle closes (the first version of this class did that, and each run released
 * its own lock at once). For the same reason no code in this JVM may open the file while it is held: a run in this
 * JVM is told from {@link #HELD} before it opens anything.
 */
final class ScoreOutputLock implements AutoCloseable {
    /** The lock files this JVM holds, and by whom: opening and closing one of them would release its fcntl lock. */
    private static final Map<Path, String> HELD = new ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel; // null: not held
    private final String heldBy; // who holds the lock when this run could not take it; null otherwise
    private final String noLocks; // why this file system gave no lock; null otherwise

    private ScoreOutputLock(Path file, FileChannel channel, String heldBy, String noLocks) {
        this.file = file;
        this.channel = channel;
        this.heldBy = heldBy;
        this.noLocks = noLocks;
    }

    /** The hidden lock file of output (absolute, normalized). */
    static Path lockFile(Path output) {
        return output.resolveSibling("." + output.getFileName() + ".lock");
    }

    /** The hidden temporary folder a run with this PID writes output into before renaming it into place. */
    static Path temporaryFolder(Path output, long pid) {
        return output.resolveSibling("." + output.getFileName() + ".tmp-" + pid);
    }

    /** What this process writes into the lock file, for another run to name it. */
    static String holder() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "this host";
        }
        return "pid " + ProcessHandle.current().pid() + " on " + host;
    }

    /**
     * Takes output's lock, or says who holds it ({@link #heldBy}), or why this file system has no locks
     * ({@link #noLocks}). output: absolute and normalized; its folder is created if missing.
     */
    static ScoreOutputLock acquire(Path output) throws IOException {
        Files.createDirectories(output.getParent());
        // one key per file, however the folder was named (a symbolic link, a relative path)
        Path file = lockFile(output.getParent().toRealPath().resolve(output.getFileName()));
        String me = holder();
        String inThisJvm = HELD.putIfAbsent(file, me + " (this JVM)");
        if (inThisJvm != null) return new ScoreOutputLock(file, null, inThisJvm, null);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (IOException e) {
                // e.g. NFS without a lock daemon, some FUSE file systems: no run can be told live or dead here
                ch.close();
                HELD.remove(file);
                return new ScoreOutputLock(file, null, null, tagllm.util.FileErrors.why(e));
            }
            if (lock == null) {
                // read through the channel already open: the other holder is another process, so closing it is harmless
                ByteBuffer buf = ByteBuffer.allocate(4096);
                ch.read(buf, 0);
                ch.close();
                HELD.remove(file);
                String other = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
                return new ScoreOutputLock(file, null, other.isEmpty() ? "a run that is starting" : other, null);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(true);
            return new ScoreOutputLock(file, ch, null, null);
        } catch (IOException | RuntimeException | Error e) {
            if (ch != null && ch.isOpen()) {
                try {
                    ch.close();
                } catch (IOException c) {
                    e.addSuppressed(c);
                }
            }
            HELD.remove(file);
            throw e;
        }
    }

    /** Who holds the lock, when this run could not take it; null when this run holds it or locks do not work here. */
    String heldBy() {
        return heldBy;
    }

    /** Why the output's file system gave no lock (the system's reason); null when it did. */
    String noLocks() {
        return noLocks;
    }

    /**
     * Removes the temporary folders ".NAME.tmp-PID" beside output that a driver killed outright left, and returns
     * their names, sorted. Only while this run holds the lock (no other run of this kind is writing one), and only a
     * folder whose PID is neither this process nor a live process on this host (an older tagllm's run, which takes
     * no lock, may be writing it): a folder that may belong to a live run stays. Lists the folder only: the lock file
     * is not opened.
     */
    List<String> removeLeftovers(Path output) throws IOException {
        List<String> removed = new ArrayList<>();
        if (channel == null) return removed;
        Pattern own = Pattern.compile("\\." + Pattern.quote(output.getFileName().toString()) + "\\.tmp-([0-9]{1,18})");
        long self = ProcessHandle.current().pid();
        try (var entries = Files.newDirectoryStream(output.getParent())) {
            for (Path f : entries) {
                Matcher m = own.matcher(f.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) continue;
                long pid = Long.parseLong(m.group(1));
                if (pid == self || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                FileTrees.delete(f);
                removed.add(f.getFileName().toString());
            }
        }
        java.util.Collections.sort(removed);
        return removed;
    }

    /** Empties the lock file (no stale name for the next run to read) while still holding it, then releases it. */
    @Override
    public void close() throws IOException {
        if (channel == null) return;
        try {
            channel.truncate(0);
        } finally {
            try {
                channel.close();
            } finally {
                HELD.remove(file);
            }
        }
    }
}
