package tagllm.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing a file or a folder with everything in it. */
public final class FileTrees {
    private FileTrees() {}

    /** Deletes path and, for a folder, everything below it (deepest first); nothing when it does not exist. */
    public static void delete(Path path) throws IOException {
        if (!Files.exists(path)) return;
        try (Stream<Path> s = Files.walk(path)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
