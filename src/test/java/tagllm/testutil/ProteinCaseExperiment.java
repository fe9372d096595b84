package tagllm.testutil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A regression task on eight short proteins after {@code <Protein>} (four train, two valid, two test rows), written once
 * with the residues in lower case and once in upper case: a method that folds case as Tag-LLM's renderer does sees the
 * same tokens, and scores the same, on both files. Compare's and the suite's baselines are tested with it.
 */
public final class ProteinCaseExperiment {
    private static final String[] PROTEINS = {"mkvlaag", "mktayiak", "gsshhhh", "mvlspad", "mkkllpt", "maltr", "mstnpkp", "mgqq"};
    private static final String[] SPLITS = {"train", "train", "train", "train", "valid", "valid", "test", "test"};

    private ProteinCaseExperiment() {}

    /** Writes DIR/NAME.csv and DIR/NAME.yaml (one stage-2 step on {@code model}) and returns the YAML. */
    public static Path write(Path dir, Path model, String name, boolean upperCase) throws IOException {
        StringBuilder csv = new StringBuilder("protein,y,split\n");
        for (int i = 0; i < PROTEINS.length; i++) {
            String p = upperCase ? PROTEINS[i].toUpperCase(Locale.ROOT) : PROTEINS[i];
            // labels that a line through the rows does not fit exactly: the probe's λ is then chosen on something
            csv.append(p).append(',').append(0.1 * (i + 1) + 0.03 * (i % 3)).append(',').append(SPLITS[i]).append('\n');
        }
        Path data = Files.writeString(dir.resolve(name + ".csv"), csv);
        Path yaml = dir.resolve(name + ".yaml");
        Files.writeString(yaml, """
                model: %s
                seed: 1
                tag_length: 2
                tasks:
                  t:
                    type: regression
                    template: "The protein <Protein> {protein} scores <Score> {label}"
                    label: y
                    tags: {"<Score>": function}
                    data: {path: %s}
                stages:
                  - {name: s, stage: 2, tasks: [t], max_steps: 1, batch_size: 2}
                """.formatted(model, data));
        return yaml;
    }
}
