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
 * the hidden folders beside the output are, so that what a killed driver left can be cleaned up
 * ({@link #removeLeftovers}):
 * <ul>
 * <li>the temporary folders ".NAME.tmp-PID-HOST" a run writes into ({@link #temporaryFolder}): a run that holds the
 * lock knows that no other run of this kind is writing one, so a folder of this host whose PID is no live process
 * here is what a killed driver left, and is removed (one whose process is alive stays);</li>
 * <li>the old outputs ".NAME.old-PID-HOST" a --force run moves aside while it renames its new output in
 * ({@link #asideFolder}, {@link #moveIntoPlace}): one a dead run of this host left is put back when the output is
 * missing (the only copy of the old output) and removed when the output is there. They are seen to before the
 * temporary folders.</li>
 * </ul>
 * A folder of another host (an output on a shared mount), or a temporary folder named ".NAME.tmp-PID" by an older
 * tagllm (no host), is left and listed with why and what to do by hand: its PID means nothing here, and the lock
 * proves nothing across hosts on a file system whose locks are per host. On a file system that gives no lock
 * ({@link #noLocks}) nothing is removed or put back, but every aside and temporary folder is listed as left, with
 * what to do by hand.
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

    /**
     * The hidden temporary folder a run with this PID on this host writes output into before renaming it into place.
     * The host is in the name since a PID only tells a live process from a dead one on its own host: the folder was
     * ".NAME.tmp-PID", and a run on another host sharing the folder took a live run's folder for a dead one's.
     */
    static Path temporaryFolder(Path output, long pid) {
        return output.resolveSibling("." + output.getFileName() + ".tmp-" + pid + "-" + Host.NAME);
    }

    /**
     * The hidden folder a --force run with this PID on this host moves the old output to while it renames its new one
     * into place, and removes once the new one is there: a driver killed between the two renames leaves the old
     * output complete here, for the next run to put back ({@link #removeLeftovers}).
     */
    static Path asideFolder(Path output, long pid) {
        return output.resolveSibling("." + output.getFileName() + ".old-" + pid + "-" + Host.NAME);
    }

    /** The points of {@link #moveIntoPlace} a test can stop at (kill the JVM there, or throw). */
    enum Step { MOVED_ASIDE, RENAMED_IN }

    /**
     * Renames the finished folder tmp to output. An existing output (--force) is first moved aside
     * ({@link #asideFolder}), not deleted, and removed only once tmp is in its place: the old code deleted it first, so
     * a driver killed between the delete and the rename lost both (the old output gone, the new one removed by the
     * next run as a leftover). A rename that fails puts the old output back. step: called at each point, a test's
     * seam; the command gives a no-op.
     */
    static void moveIntoPlace(Path tmp, Path output, long pid, java.util.function.Consumer<Step> step) throws IOException {
        Path aside = asideFolder(output, pid);
        boolean replacing = Files.exists(output, LinkOption.NOFOLLOW_LINKS);
        if (replacing) {
            FileTrees.delete(aside); // this PID's own, of a dead run that had this PID: the output is there, so it is stale
            Files.move(output, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            if (replacing) step.accept(Step.MOVED_ASIDE);
            Files.move(tmp, output, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException | Error e) {
            if (replacing && !Files.exists(output, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.move(aside, output, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException r) {
                    e.addSuppressed(new IOException("the old output could not be put back from " + aside + ": " + r.getMessage(), r));
                }
            }
            throw e;
        }
        step.accept(Step.RENAMED_IN);
        if (replacing) {
            try {
                FileTrees.delete(aside);
            } catch (IOException e) {
                throw new IOException(output + " is written, but the old output moved aside to " + aside + " could not be removed ("
                        + tagllm.util.FileErrors.why(e) + "); remove it by hand", e);
            }
        }
    }

    /** This host's name as a file name holds it: letters, digits, '.' and '-' kept, anything else '_'. */
    private static final class Host {
        static final String NAME = name();

        private static String name() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "unknown-host";
            }
            String safe = host.replaceAll("[^A-Za-z0-9.-]", "_");
            return safe.isEmpty() ? "unknown-host" : safe;
        }
    }

    /** What this process writes into the lock file, for another run to name it. */
    static String holder() {
        return "pid " + ProcessHandle.current().pid() + " on " + Host.NAME;
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
                return withoutLocks(output, tagllm.util.FileErrors.why(e));
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

    /**
     * A lock that this file system could not give (why: the system's reason), as {@link #acquire} returns it there; a
     * test's seam for a file system without working locks.
     */
    static ScoreOutputLock withoutLocks(Path output, String why) {
        return new ScoreOutputLock(lockFile(output), null, null, why);
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
     * What {@link #removeLeftovers} did with the folders killed runs left beside the output: temporary folders
     * removed (names, sorted); folders left, each name with why; an old output put back in place of a missing one
     * (restored: the aside folder's name); old outputs removed since the new one is in place (discarded).
     */
    record Leftovers(List<String> removed, List<String> left, List<String> restored, List<String> discarded) {
        Leftovers(List<String> removed, List<String> left) {
            this(removed, left, List.of(), List.of());
        }
    }

    /**
     * Removes the temporary folders ".NAME.tmp-PID-HOST" beside output that a driver killed outright on this host
     * left. Only while this run holds the lock (no other run of this kind is writing one), and only a folder of this
     * host whose PID is neither this process nor a live process (an older tagllm's run, which takes no lock, may be
     * writing it): a folder that may belong to a live run stays. A folder of another host, or one named
     * ".NAME.tmp-PID" by an older tagllm, which says no host, stays too, with why: whether its process is alive cannot
     * be told here. Lists the folder only: the lock file is not opened.
     *
     * <p>An old output a dead --force run of this host moved aside ({@link #asideFolder}) is put back when the output
     * is missing (the run died before its new output was renamed in: the old one is the only copy in place), and
     * removed when the output is there (the run died after). Asides are seen to before the temporary folders, so the
     * output is back before any of them goes.
     *
     * <p>On a file system without working locks ({@link #noLocks}) nothing is removed or put back, since no run can be
     * told live or dead there, but every aside and temporary folder is listed as left, with what to do by hand: an
     * aside when the output is missing is the only copy of the old output.
     */
    Leftovers removeLeftovers(Path output) throws IOException {
        List<String> removed = new ArrayList<>(), left = new ArrayList<>(), restored = new ArrayList<>(), discarded = new ArrayList<>();
        String quoted = Pattern.quote(output.getFileName().toString());
        Pattern own = Pattern.compile("\\." + quoted + "\\.tmp-([0-9]{1,18})(?:-(.+))?");
        Pattern old = Pattern.compile("\\." + quoted + "\\.old-([0-9]{1,18})-(.+)");
        if (channel == null) return noLocks == null ? new Leftovers(removed, left) : listedOnly(output, own, old);
        long self = ProcessHandle.current().pid();
        List<Path> asides = new ArrayList<>();
        try (var entries = Files.newDirectoryStream(output.getParent())) {
            for (Path f : entries) if (old.matcher(f.getFileName().toString()).matches()) asides.add(f);
        }
        asides.sort(null);
        for (Path f : asides) {
            String name = f.getFileName().toString();
            Matcher m = old.matcher(name);
            m.matches();
            long pid = Long.parseLong(m.group(1));
            String host = m.group(2);
            boolean there = Files.exists(output, LinkOption.NOFOLLOW_LINKS);
            if (!host.equals(Host.NAME)) {
                left.add(name + " (the old output a --force run on host " + host + " moved aside, not this one (" + Host.NAME + "): whether pid "
                        + pid + " is alive there cannot be told here; " + (there ? "remove it by hand once no run on " + host + " is replacing "
                        + output.getFileName() : "rename it to " + output.getFileName() + " by hand once no run on " + host + " is replacing it") + ")");
            } else if (pid != self && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                if (there) {
                    FileTrees.delete(f);
                    discarded.add(name);
                } else {
                    Files.move(f, output, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    restored.add(name);
                }
            }
        }
        try (var entries = Files.newDirectoryStream(output.getParent())) {
            for (Path f : entries) {
                String name = f.getFileName().toString();
                Matcher m = own.matcher(name);
                if (!m.matches() || !Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) continue;
                long pid = Long.parseLong(m.group(1));
                String host = m.group(2);
                if (host == null) {
                    left.add(name + " (its name says no host, as an older tagllm named it: whether pid " + pid + " is alive cannot be told here; "
                            + "remove it by hand once no run on " + output.getFileName() + " is writing it)");
                } else if (!host.equals(Host.NAME)) {
                    left.add(name + " (written by a run on host " + host + ", not this one (" + Host.NAME + "): whether pid " + pid
                            + " is alive there cannot be told here; remove it by hand once no run on " + host + " is writing it)");
                } else if (pid != self && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    FileTrees.delete(f);
                    removed.add(name);
                }
            }
        }
        java.util.Collections.sort(removed);
        java.util.Collections.sort(left);
        return new Leftovers(removed, left, restored, discarded);
    }

    /** What removeLeftovers finds where locks do not work: each folder left, with why and what to do by hand. */
    private Leftovers listedOnly(Path output, Pattern own, Pattern old) throws IOException {
        List<String> left = new ArrayList<>();
        String name = output.getFileName().toString();
        String cannot = "this file system gives no lock (" + noLocks + "), so whether that run is still ";
        boolean there = Files.exists(output, LinkOption.NOFOLLOW_LINKS);
        try (var entries = Files.newDirectoryStream(output.getParent())) {
            for (Path f : entries) {
                String n = f.getFileName().toString();
                Matcher a = old.matcher(n), t = own.matcher(n);
                if (a.matches()) {
                    left.add(n + " (the old output a --force run, pid " + a.group(1) + " on host " + a.group(2) + ", moved aside; " + cannot
                            + "replacing " + name + " cannot be told here: " + (there ? "remove it by hand once no run is writing " + name
                            : name + " is missing, so rename " + n + " back to " + name + " by hand once no run is writing it") + ")");
                } else if (t.matches() && Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
                    left.add(n + " (the temporary folder of a run, pid " + t.group(1) + (t.group(2) == null ? "" : " on host " + t.group(2)) + "; "
                            + cannot + "writing it cannot be told here: remove it by hand once no run is writing " + name + ")");
                }
            }
        }
        java.util.Collections.sort(left);
        return new Leftovers(List.of(), left);
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
