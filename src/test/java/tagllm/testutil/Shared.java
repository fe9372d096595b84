package tagllm.testutil;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates ../shared (models, fixtures, data). A test that needs something absent from it is skipped with a message,
 * or fails when -Dtagllm.requireShared=true (CI: the golden and end-to-end tests must run, not vanish).
 */
public final class Shared {
    private Shared() {}

    public static Path root() {
        String prop = System.getProperty("tagllm.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "shared");
        require(Files.isDirectory(p), "../shared is absent (" + p.toAbsolutePath() + "): a test that needs it cannot run");
        return p.toAbsolutePath().normalize();
    }

    public static Path path(String relative) {
        Path p = root().resolve(relative);
        require(Files.exists(p), "missing in ../shared: " + relative);
        return p;
    }

    private static void require(boolean present, String message) {
        if (Boolean.getBoolean("tagllm.requireShared")) {
            if (!present) throw new IllegalStateException(message + " (tagllm.requireShared is set: nothing may be skipped)");
        } else {
            Assumptions.assumeTrue(present, message + ": skipped");
        }
    }

    public static Path model(String name) { return path("models/" + name); }

    public static Path fixture(String name) { return path("fixtures/" + name); }

    public static Path data(String relative) { return path("data/" + relative); }
}
