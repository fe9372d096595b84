package tagllm.util;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that readers see either the old content or the complete new one, never half:
 * write a temporary file beside the target, fsync it, then rename over the target. On failure (a full disk, a
 * folder that cannot be written) the temporary file is removed, the target is left as it was, and the
 * IOException names the target and the reason (the JDK's "No space left on device" alone names nothing).
 *
 * <p>A target that exists and is not a regular file (a device such as /dev/stdout, a named pipe) cannot be replaced
 * by a rename: it is written directly, and so is a path naming a file descriptor (/dev/stdout, /dev/fd/N): when the shell
 * redirected standard output into a file, /dev/stdout leads to that regular file, and a rename would have to replace
 * the link in /dev (refused, or worse, done as root) instead of writing where the shell sends the output. A symbolic
 * link to a file is written through: the file it names is replaced atomically and the link stays.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /**
     * Temporary files being written. Ctrl-C or a kill (SIGINT, SIGTERM) ends the JVM without running the finally that
     * removes them, so an interrupted chem run over a large file, or a training checkpoint, left a hidden partial copy
     * beside the target, one more per interrupted run; the shutdown hook removes the ones still in flight.
     */
    private static final java.util.Set<Path> IN_FLIGHT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final Thread CLEANUP = new Thread(AtomicFiles::removeInFlight, "atomic-files-cleanup");

    static {
        try {
            Runtime.getRuntime().addShutdownHook(CLEANUP);
        } catch (IllegalStateException alreadyExiting) {
            // first used while the JVM is exiting: nothing of ours is in flight yet
        }
    }

    /**
     * Unregisters the shutdown hook, for a JVM that unloads tagllm and goes on ({@link tagllm.Tagllm#shutdown()}): the
     * JVM keeps every registered hook, and with this one the class loader of an undeployed web app. A write still in
     * flight afterwards is no longer removed at exit; its locked copy is what the next write to that target removes
     * ({@link #removeLeftovers}).
     */
    public static void removeShutdownHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(CLEANUP);
        } catch (IllegalStateException exiting) {
            // the JVM is exiting: the hook runs now anyway, and no class loader outlives it
        }
    }

    private static void removeInFlight() {
        for (Path tmp : IN_FLIGHT) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the JVM is exiting; a file that cannot be removed stays as it would have without the hook
            }
        }
    }

    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Whether a write to target goes straight to it (a device, a pipe, /dev/stdout): nothing there to keep or replace. */
    public static boolean writtenDirectly(Path target) {
        if (!Files.exists(target)) return false;
        return DESCRIPTOR.matcher(target.toAbsolutePath().normalize().toString()).matches()
                || (!Files.isRegularFile(target) && !Files.isDirectory(target));
    }

    /**
     * Paths that name an open file descriptor (/dev/stdout, /dev/fd/N, /proc/self/fd/N), whatever file the shell
     * opened there; not other paths under /dev, such as a file in the /dev/shm memory file system, which is an output
     * like any other.
     */
    private static final java.util.regex.Pattern DESCRIPTOR =
            java.util.regex.Pattern.compile("/dev/(stdout|stderr|fd/[0-9]+)|/proc/(self|[0-9]+)/fd/[0-9]+");

    /** Whether target names this process's standard output (-, as the CLI gives it: /dev/stdout; /dev/fd/1). */
    public static boolean isStandardOutput(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        return abs.equals(Path.of("/dev/stdout")) || abs.equals(Path.of("/dev/fd/1")) || abs.equals(Path.of("/proc/self/fd/1"));
    }

    public static void write(Path target, Writer writer) throws IOException {
        if (writtenDirectly(target)) {
            if (isStandardOutput(target)) {
                // this process's own stdout, not the path opened anew: reopening a file the shell appends to (>>) would
                // truncate it, or write over it from its start
                OutputStream stdout = new java.io.FileOutputStream(java.io.FileDescriptor.out);
                try {
                    OutputStream out = new java.io.BufferedOutputStream(stdout, 1 << 16);
                    writer.write(out);
                    out.flush();
                } catch (IOException e) {
                    throw failed(target, null, e, "");
                }
                return;
            }
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(target), 1 << 16)) {
                writer.write(out);
            } catch (IOException e) {
                throw failed(target, null, e, "");
            }
            return;
        }
        if (Files.isSymbolicLink(target)) {
            // the file the link names is the output (as a shell's > writes through a link); renaming over the link
            // would turn it into a file of its own and leave the file it named as it was
            Path through = Files.exists(target) ? target.toRealPath()
                    : target.toAbsolutePath().getParent().resolve(Files.readSymbolicLink(target)); // a link to a file not there yet
            if (!Files.isSymbolicLink(through) && !Files.isDirectory(through)) {
                write(through, writer);
                return;
            }
        }
        Path tmp = null;
        FileChannel ch = null;
        try {
            Path dir = target.toAbsolutePath().getParent();
            // (FileErrors says when a file stands where a folder is needed: the JDK's own error read "already exists")
            if (dir != null) FileErrors.createFolder(dir);
            // the temporary file is locked from its creation to its rename: removeLeftovers (another run on the same
            // output) takes only copies nobody holds, those a killed run left
            while (true) {
                tmp = Files.createTempFile(dir, "." + temporaryStem(target.getFileName().toString()) + ".", ".tmp");
                IN_FLIGHT.add(tmp);
                try {
                    ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                } catch (java.nio.file.NoSuchFileException removedBeforeOpen) {
                    // another run's removeLeftovers took it between its creation and this open: another name
                    IN_FLIGHT.remove(tmp);
                    continue;
                }
                lock(ch);
                if (Files.exists(tmp)) break;
                // removed as a leftover between its creation and the lock: another name
                ch.close();
                ch = null;
                IN_FLIGHT.remove(tmp);
            }
            // written through the channel, which stays open (and locked) until the rename: a writer that closes its
            // stream (Jackson does) only flushes it
            OutputStream out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16) {
                @Override
                public void close() throws IOException { flush(); }
            };
            writer.write(out);
            out.flush();
            ch.force(true);
            shareLikeANewFile(tmp, target);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw failed(target, tmp, e, Files.exists(target) ? " (the earlier " + target.getFileName() + " is unchanged)" : " (nothing was written)");
        } finally {
            if (ch != null) {
                try {
                    ch.close(); // releases the lock
                } catch (IOException ignored) {
                    // the data was forced (or the write failed and says why); closing adds nothing to report
                }
            }
            if (tmp != null) {
                IN_FLIGHT.remove(tmp);
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write's own error (if any) is the one to report; a leftover .tmp is hidden and harmless
                }
            }
        }
    }

    /** An exclusive lock on a temporary file being written; none on a file system without locks (nothing to clean there). */
    private static void lock(FileChannel ch) throws IOException {
        try {
            ch.lock();
        } catch (java.nio.channels.ClosedChannelException | java.nio.channels.FileLockInterruptionException e) {
            // an interrupted thread (ClosedByInterruptException closes the channel): the write cannot go on, and the
            // interrupt is why (taken as "no locks", the error said only 'ClosedChannelException' at the first write)
            throw e;
        } catch (IOException noLocks) {
            // e.g. an NFS mount without a lock daemon: the write goes on; removeLeftovers cannot take such a file either
        }
    }

    /**
     * Removes the hidden partial copies of target (".NAME.N.tmp", this class's temporary names for it, nothing else)
     * that a run killed outright (kill -9, a power cut) left beside it: no shutdown hook ran to remove them. A copy
     * that some run is still writing is locked by it and stays, as does one this JVM is writing, and any file that
     * cannot be locked (a file system without locks). Returns the names removed, sorted; none for a target written
     * directly (/dev/stdout, a pipe).
     */
    public static java.util.List<String> removeLeftovers(Path target) throws IOException {
        java.util.List<String> removed = new java.util.ArrayList<>();
        if (writtenDirectly(target)) return removed;
        if (Files.isSymbolicLink(target)) {
            // write() replaces the file the link names, beside which its copies are
            Path through = Files.exists(target) ? target.toRealPath()
                    : target.toAbsolutePath().getParent().resolve(Files.readSymbolicLink(target));
            if (!Files.isSymbolicLink(through) && !Files.isDirectory(through)) target = through;
        }
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) return removed;
        java.util.regex.Pattern own = java.util.regex.Pattern.compile(
                "\\." + java.util.regex.Pattern.quote(temporaryStem(target.getFileName().toString())) + "\\.[0-9]+\\.tmp");
        try (var files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (own.matcher(n).matches() && removeLeftover(f)) removed.add(n);
            }
        }
        java.util.Collections.sort(removed);
        return removed;
    }

    /**
     * Deletes f, a temporary copy of this class's that a killed run left (the caller matched its name), unless a run is
     * still writing it: one in this JVM, or another process holding its lock. Not a regular file (a folder, a link):
     * left as it is. Returns whether it was removed.
     */
    public static boolean removeLeftover(Path f) {
        if (IN_FLIGHT.contains(f) || IN_FLIGHT.contains(f.toAbsolutePath().normalize())) return false;
        if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return false;
        return removeIfUnlocked(f);
    }

    /** Deletes f while holding its lock, when no one else holds it (no run is writing it). */
    private static boolean removeIfUnlocked(Path f) {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            java.nio.channels.FileLock lock = ch.tryLock();
            if (lock == null) return false; // another run is writing it
            return Files.deleteIfExists(f);
        } catch (java.nio.channels.OverlappingFileLockException inThisJvm) {
            return false;
        } catch (IOException cannotTell) {
            return false; // gone meanwhile, not ours to open, or no locks on this file system: left as it is
        }
    }

    /** Most UTF-8 bytes of the output's name kept in its temporary sibling's (".STEM.<up to 20 digits>.tmp"). */
    static final int TEMPORARY_STEM_BYTES = 200;

    /**
     * The output's name, cut (at a whole character) to {@link #TEMPORARY_STEM_BYTES} UTF-8 bytes: file systems allow
     * 255 bytes a name, and the temporary file's 26 more made a legal name of 230 bytes or more fail to write.
     */
    static String temporaryStem(String name) {
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= TEMPORARY_STEM_BYTES) return name;
        StringBuilder b = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + n > TEMPORARY_STEM_BYTES) break;
            b.appendCodePoint(cp);
            bytes += n;
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    public static void writeString(Path target, String content) throws IOException {
        write(target, out -> out.write(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** "cannot write TARGET: REASON (...)", keeping the original as the cause; already-named errors pass through. */
    private static IOException failed(Path target, Path tmp, IOException e, String outcome) {
        if (e instanceof WriteFailedException) return e;
        return new WriteFailedException("cannot write " + target + ": " + reason(e, tmp) + outcome, e);
    }

    /** The reason in words: the JDK's message, with the file it concerns when that is not our own temporary file. */
    public static String reason(IOException e, Path ownTemporary) {
        if (e instanceof FileSystemException f) {
            String why = FileErrors.why(f);
            String file = f.getFile();
            boolean own = file == null || (ownTemporary != null && Path.of(file).toAbsolutePath().equals(ownTemporary.toAbsolutePath()));
            return own ? why : why + " (" + file + ")";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** An IOException whose message already names the file written and why it failed. */
    public static final class WriteFailedException extends IOException {
        public WriteFailedException(String message, Throwable cause) { super(message, cause); }
    }

    /**
     * Temporary files are created owner-only (0600); the file that replaces the target should be as readable as
     * the one it replaces, or as an ordinary new file (0644), so that models and results can be shared.
     */
    private static void shareLikeANewFile(Path tmp, Path target) throws IOException {
        if (!Files.getFileStore(tmp).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) return;
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.exists(target)
                ? Files.getPosixFilePermissions(target)
                : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, perms);
    }
}
