package tagllm.cli;

import tagllm.testutil.Shared;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The suite tests' experiment files (stories260K, tags of 2 vectors, the tasks and stages a test gives) and their QED rows. */
final class TinyExperiment {
    private TinyExperiment() {}

    /** A QED CSV's header (smiles, qed, split) and eight training rows; each test adds its valid and test rows. */
    static StringBuilder qedTrainingRows() {
        StringBuilder csv = new StringBuilder("smiles,qed,split\n");
        String[] train = {"CCO", "CCN", "CCC", "CCCl", "CCCO", "OCCO", "NCCO", "CC(C)O"};
        for (int i = 0; i < train.length; i++) csv.append(train[i]).append(',').append(0.1 + 0.05 * i).append(",train\n");
        return csv;
    }

    /** Writes dir/exp.yaml: the model and tag length, then {@code tasksAndStages} (YAML from column 0). */
    static Path write(Path dir, String tasksAndStages) throws IOException {
        return Files.writeString(dir.resolve("exp.yaml"), "model: " + Shared.model("stories260K") + "\ntag_length: 2\n" + tasksAndStages);
    }
}
