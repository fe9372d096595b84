package tagllm.train;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a run's output folder, held while a run writes it. Two runs on one folder (a train --resume
 * started while the first still trains) both resumed from the same checkpoint and appended to one metrics.jsonl,
 * every step logged twice. The lock is the operating system's, on a hidden file in the folder, so a run killed
 * outright (kill -9) releases it with its process: nothing stale is left to clear by hand. compare takes it on its
 * output folder too (two compares resuming one folder trained the same unfinished runs at once).
 */
public final class RunFolderLock implements AutoCloseable {
    static final String FILE = ".tagllm.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunFolderLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the folder's lock (the folder exists), or refuses naming the folder when another run holds it. */
    public static RunFolderLock take(Path folder) throws IOException {
        Path file = folder.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException sameJvm) {
            l = null;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new IllegalStateException("output folder " + folder + " is being written by another run (it holds the lock "
                    + file + "); wait for that run to end, or use another -o");
        }
        return new RunFolderLock(ch, l);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
