package tagllm.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Failed writes name the file and leave nothing half-written. The disk-full case is the real thing: Linux's
 * /dev/full answers every write with ENOSPC ("No space left on device").
 */
class AtomicFilesTest {
    @TempDir
    Path dir;

    static void assumeDevFull() {
        assumeTrue(Files.isWritable(Path.of("/dev/full")), "/dev/full is absent or not writable here (not Linux?)");
    }

    /** Some megabytes, more than any buffer between the writer and the device. */
    static String big() { return "x".repeat(3 << 20); }

    /**
     * A file name near the file system's limit (255 bytes on Linux and macOS) is a legal output: its temporary
     * sibling ".NAME.<random>.tmp" was 25 bytes longer, so 240 characters failed with "File name too long".
     */
    @Test
    void writesAFileWhoseNameIsNearTheLengthLimit(@TempDir Path dir) throws IOException {
        for (String name : new String[]{"a".repeat(240) + ".csv", "é".repeat(125) + ".csv"}) { // 244 and 254 bytes
            Path probe = dir.resolve(name);
            Files.writeString(probe, "probe"); // the file system takes the name itself
            Files.delete(probe);
            AtomicFiles.writeString(probe, "x,y\n");
            assertEquals("x,y\n", Files.readString(probe));
            try (var s = Files.list(dir)) {
                assertEquals(List.of(probe), s.toList(), "no temporary file left");
            }
            Files.delete(probe);
        }
    }

    @Test
    void aFullDeviceGivesAnErrorNamingThePath() throws IOException {
        assumeDevFull();
        Path out = dir.resolve("predictions.csv");
        Files.createSymbolicLink(out, Path.of("/dev/full"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(out, big()));
        assertTrue(e.getMessage().startsWith("cannot write " + out + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertEquals(List.of(out), listing(), "no temporary file left beside it");
    }

    @Test
    void aFailureMidwayLeavesTheEarlierFileAndNoTemporary() throws IOException {
        Path out = dir.resolve("final.tags.safetensors");
        Files.writeString(out, "earlier");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(out, o -> {
            o.write(new byte[200_000]); // past the buffer: bytes reached the temporary file
            throw new IOException("No space left on device");
        }));
        assertEquals("cannot write " + out + ": No space left on device (the earlier final.tags.safetensors is unchanged)", e.getMessage());
        assertEquals("earlier", Files.readString(out));
        assertEquals(List.of(out), listing());
    }

    @Test
    void aNewFileThatFailsLeavesNothing() {
        Path out = dir.resolve("sub").resolve("metrics.json");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(out, o -> {
            o.write(1);
            throw new IOException("Disk quota exceeded");
        }));
        assertEquals("cannot write " + out + ": Disk quota exceeded (nothing was written)", e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void aFolderThatIsAFileIsNamed() throws IOException {
        Path notADir = dir.resolve("results");
        Files.writeString(notADir, "a file, not a folder");
        Path out = notADir.resolve("report.json");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(out, "{}"));
        assertTrue(e.getMessage().startsWith("cannot write " + out + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(notADir.toString()), "names the folder in the way: " + e.getMessage());
    }

    /**
     * An output under a regular file (keep.csv/x.csv, or deeper) says the file is not a folder: the JDK's
     * FileAlreadyExistsException read "already exists (PATH)", as if the output itself were there already.
     */
    @Test
    void aFileInPlaceOfTheOutputsFolderIsSaidToBeNoFolder() throws IOException {
        Path notADir = dir.resolve("keep.csv");
        Files.writeString(notADir, "a,b\n");
        for (Path out : List.of(notADir.resolve("x.csv"), notADir.resolve("sub").resolve("x.csv"))) {
            IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(out, "{}"));
            assertTrue(e.getMessage().startsWith("cannot write " + out + ": cannot create the folder "), e.getMessage());
            assertTrue(e.getMessage().contains(notADir + " is a file, not a folder")
                    || e.getMessage().contains(notADir + ": a file of that name is in the way"), e.getMessage());
            assertFalse(e.getMessage().contains("already exists"), e.getMessage());
            assertEquals("a,b\n", Files.readString(notADir));
        }
    }

    @Test
    void aDeviceIsWrittenDirectly() throws IOException {
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.isWritable(devNull), "/dev/null is absent");
        Path out = dir.resolve("discard.csv");
        Files.createSymbolicLink(out, devNull);
        AtomicFiles.writeString(out, "a,b\n1,2\n"); // a rename over /dev/null would need to write in /dev
        assertTrue(Files.isSymbolicLink(out), "the link is written through, not replaced");
        assertEquals(List.of(out), listing());
    }

    /** An output path that is a link to a file: the file gets the output, the link stays (it was replaced by a file of its own). */
    @Test
    void aLinkToAFileIsWrittenThrough() throws IOException {
        Path real = Files.writeString(dir.resolve("results.csv"), "earlier\n");
        Path link = Files.createSymbolicLink(dir.resolve("latest.csv"), real.getFileName());
        AtomicFiles.writeString(link, "a,b\n1,2\n");
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals("a,b\n1,2\n", Files.readString(real));
        assertEquals(List.of(link, real), listing(), "no temporary file left");
    }

    /**
     * /dev/stdout when the shell sent standard output into a file (tagllm predict -o /dev/stdout > preds.csv) leads to a
     * regular file through /proc/self/fd/1: it is written directly (a rename would have to create a file in /proc or
     * /dev). Here the same through another descriptor of this process, open on a file.
     */
    @Test
    void aProcFdPathLeadingToARegularFileIsWrittenDirectly() throws IOException {
        Path fds = Path.of("/proc/self/fd");
        assumeTrue(Files.isDirectory(fds), "no /proc (not Linux)");
        Path redirected = dir.resolve("redirected.csv");
        try (var held = new java.io.FileOutputStream(redirected.toFile())) {
            Path fd = null;
            try (var s = Files.list(fds)) {
                for (Path p : s.toList()) {
                    try {
                        if (Files.readSymbolicLink(p).equals(redirected.toAbsolutePath())) fd = p;
                    } catch (IOException gone) {
                        // the descriptor of the listing itself, closed meanwhile
                    }
                }
            }
            assertNotNull(fd, "the open file's descriptor is in /proc/self/fd");
            assertTrue(AtomicFiles.writtenDirectly(fd));
            AtomicFiles.writeString(fd, "a,b\n");
        }
        assertEquals("a,b\n", Files.readString(redirected));
    }

    /** A file in /dev/shm (a memory file system) is an output like any other: replaced atomically, kept without --force. */
    @Test
    void aRegularFileUnderDevIsNoStream() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no writable /dev/shm");
        Path out = Files.createTempFile(shm, "tagllm-test-", ".csv");
        try {
            Files.writeString(out, "earlier\n");
            assertFalse(AtomicFiles.writtenDirectly(out), "an earlier result, not a stream");
            AtomicFiles.writeString(out, "a,b\n");
            assertEquals("a,b\n", Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private List<Path> listing() throws IOException {
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
