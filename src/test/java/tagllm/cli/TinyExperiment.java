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

    /**
     * dir/d.csv (the eight training rows, two valid, two test) and dir/exp.yaml training QED for one step, with a
     * ridge-started biased head when {@code ridgeHead}: a suite run of seconds.
     */
    static Path oneStepQed(Path dir, boolean ridgeHead) throws IOException {
        StringBuilder csv = qedTrainingRows();
        csv.append("CO,0.2,valid\nCN,0.3,valid\nNCCN,0.5,test\nOCCCO,0.6,test\n");
        Files.writeString(dir.resolve("d.csv"), csv);
        return write(dir, "tasks:\n  qed: {preset: QED, " + (ridgeHead ? "head: {bias: true, init: ridge}, " : "") + "data: d.csv}\n"
                + "stages:\n  - {name: s, stage: 2, tasks: [qed], batch_size: 2, max_steps: 1}\n");
    }

    /** Writes dir/exp.yaml: the model and tag length, then {@code tasksAndStages} (YAML from column 0). */
    static Path write(Path dir, String tasksAndStages) throws IOException {
        return Files.writeString(dir.resolve("exp.yaml"), "model: " + Shared.model("stories260K") + "\ntag_length: 2\n" + tasksAndStages);
    }
}
