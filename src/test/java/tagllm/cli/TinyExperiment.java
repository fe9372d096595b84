package tagllm.cli;

import tagllm.testutil.Shared;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The suite tests' experiment files: stories260K, tags of 2 vectors, and the tasks and stages a test gives. */
final class TinyExperiment {
    private TinyExperiment() {}

    /** Writes dir/exp.yaml: the model and tag length, then {@code tasksAndStages} (YAML from column 0). */
    static Path write(Path dir, String tasksAndStages) throws IOException {
        return Files.writeString(dir.resolve("exp.yaml"), "model: " + Shared.model("stories260K") + "\ntag_length: 2\n" + tasksAndStages);
    }
}
