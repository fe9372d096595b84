package tagllm.testutil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The smallest experiment compare's folder tests run: stories260K, QED on 12 training and 6 evaluation rows of
 * ../shared's zinc20k, one stage-2 step with one-vector tags. Its results do not matter to those tests, only that a
 * compare finishes in a second or two and leaves a folder to resume, re-report or damage.
 */
public final class TinyQedExperiment {
    private TinyQedExperiment() {}

    /** Writes DIR/exp.yaml and returns it. */
    public static Path write(Path dir) throws IOException {
        Path yaml = dir.resolve("exp.yaml");
        Files.writeString(yaml, """
                model: %s
                seed: 0
                tag_length: 1
                tasks:
                  qed: {preset: QED, max_length: 200, data: {path: %s, max_train: 12, max_eval: 6}}
                stages:
                  - {name: s2, stage: 2, tasks: [qed], max_steps: 1}
                """.formatted(Shared.model("stories260K"), Shared.data("smiles/zinc20k.csv")));
        return yaml;
    }
}
