package tagllm.spark;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** ../shared (models, data): a developer's run without it skips; CI (-Dtagllm.requireShared=true, or CI=true) must have it. */
final class SharedFiles {
    private SharedFiles() {}

    static Path get(String relative) {
        Path p = Path.of(System.getProperty("tagllm.shared", "../../shared")).resolve(relative);
        if (!Files.exists(p)) {
            String msg = p + " is missing (the shared models and data beside the project)";
            if (Boolean.getBoolean("tagllm.requireShared") || "true".equals(System.getenv("CI"))) throw new AssertionError(msg);
            Assumptions.assumeTrue(false, msg);
        }
        return p;
    }
}
