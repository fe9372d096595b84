package tagllm.testutil;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (models, fixtures, data); tests that need it are skipped with a message when it is absent. */
public final class Shared {
    private Shared() {}

    public static Path root() {
        String prop = System.getProperty("tagllm.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "shared");
        Assumptions.assumeTrue(Files.isDirectory(p), "../shared is absent: skipping a test that needs it (" + p.toAbsolutePath() + ")");
        return p.toAbsolutePath().normalize();
    }

    public static Path path(String relative) {
        Path p = root().resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "missing in ../shared: " + relative);
        return p;
    }

    public static Path model(String name) { return path("models/" + name); }

    public static Path fixture(String name) { return path("fixtures/" + name); }

    public static Path data(String relative) { return path("data/" + relative); }
}
