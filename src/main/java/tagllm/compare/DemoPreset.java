package tagllm.compare;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The experiment {@code tagllm demo} runs through {@code tagllm compare}: the paper's regression tasks at sizes two
 * CPU cores train in minutes. Stage 1 trains ⟨SMILES⟩ (zinc20k) and ⟨Protein⟩ (DeepSol) on their text; stage 2 ⟨QED⟩
 * (zinc20k), ⟨Descriptor⟩ (DeepSol BLOSUM1) and ⟨DC⟩ (O'Neil CSS, two drugs' SMILES) with the domain tags enriched;
 * stage 3 ⟨BA⟩ (Davis, ⟨Protein⟩ + ⟨SMILES⟩ frozen). Everything else is the robust recipe (docs/training.md,
 * "Recipes"). The demo writes this file as OUTPUT/demo.yaml, so {@code tagllm compare OUTPUT/demo.yaml} reruns or
 * widens it from any folder (paths in an experiment file resolve against the file's folder).
 */
public final class DemoPreset {
    /** The data files the preset reads, relative to a data folder in the shared layout. */
    public static final String ZINC = "smiles/zinc20k.csv", DEEPSOL = "protein/deepsol.csv", ONEIL = "drug_combination/oneil_css.csv",
            DAVIS = "binding_affinity/davis_sample.csv";
    public static final List<String> DATA_FILES = List.of(ZINC, DEEPSOL, ONEIL, DAVIS);

    /**
     * Rows per task (train; valid and test each), optimizer steps per stage, validation interval of stages 2 and 3,
     * batch size, residues of the protein kept in BA's prompt (stories260K reads 512 positions).
     */
    public record Sizes(int trainRows, int evalRows, int domainSteps, int functionSteps, int crossSteps, int evalEvery, int batchSize,
                        int proteinChars) {
        /** What {@code tagllm demo} runs: one seed of all four methods in about 2-4 minutes on two quiet cores (docs/training.md). */
        public static Sizes standard() { return new Sizes(600, 200, 100, 300, 200, 50, 8, 80); }

        /** A smoke test in seconds: every stage, method and file, on too few rows for the numbers to mean anything. */
        public static Sizes quick() { return new Sizes(32, 16, 3, 6, 4, 3, 4, 40); }
    }

    private DemoPreset() {}

    /**
     * The experiment file. model: a folder or Hub id, as the file writes it ({@link #ref}); data: the folder holding
     * {@link #DATA_FILES}; relativeTo: the folder the file is written to, against which the data paths are written
     * (null: absolute paths).
     */
    public static String yaml(String model, Path data, Path relativeTo, Sizes s, long seed) {
        String train = String.format(Locale.ROOT, "max_train: %d, max_eval: %d", s.trainRows(), s.evalRows());
        String modelRef = model;
        // Locale.ROOT: YAML reads ASCII digits only (%d in an Arabic or Marathi locale wrote seed: ٤٢, a text)
        return String.format(Locale.ROOT, """
                # The experiment `tagllm demo` ran (tagllm.compare.DemoPreset): the paper's QED, Descriptor, DC and BA
                # through its three stages, at sizes two CPU cores train in minutes. Rerun or widen it with, e.g.,
                #   tagllm compare THIS_FILE --seeds 3 -o OTHER_FOLDER
                # (paths resolve against this file's folder, so that works from any folder).
                # recipe: robust = p 4, function tags from the prompt words before them, heads with a bias on standardised
                # labels starting at the ridge fit, lr 0.01 / 0.005 / 0.001 per stage, heads at 0.1 x, stage 2 enriching
                # the domain tags, the best validation step kept (docs/training.md, "Recipes"). The linear probe, prompt
                # tuning and LoRA get the same rows, splits, heads and each task's share of its stage's steps.
                # Proteins are not spaced: the small models' 512-piece tokenizer gives one token per residue already.
                model: %s
                output: train
                seed: %d
                recipe: robust
                tasks:
                  smiles_text: {preset: SMILES, max_length: 96, data: {path: %s, %s}}
                  protein_text: {preset: Protein, template: "<Protein> {sequence}", max_length: 160, data: {path: %s, %s}}
                  qed: {preset: QED, max_length: 160, data: {path: %s, %s}}
                  descriptor:
                    preset: Descriptor
                    template: "# # Input: The protein sequence is <Protein> {sequence}. \\n# # Output: The descriptor value is <Descriptor> {label}."
                    max_length: 200
                    data: {path: %s, %s}
                  dc: {preset: DC, max_length: 320, data: {path: %s, %s}}
                  ba:
                    preset: BA
                    template: "# # Input: The protein sequence is <Protein> {protein:max=%d}. \\nThe SMILES of the drug is <SMILES> {smiles}. \\n# # Output: The binding affinity is <BA> {label}."
                    max_length: 256
                    data: {path: %s, %s}
                stages:
                  - {name: stage1-domains, stage: 1, tasks: [smiles_text, protein_text], max_steps: %d, batch_size: %d}
                  - {name: stage2-functions, stage: 2, tasks: [qed, descriptor, dc], max_steps: %d, batch_size: %d, eval_every: %d}
                  - {name: stage3-ba, stage: 3, tasks: [ba], max_steps: %d, batch_size: %d, eval_every: %d}
                """,
                quote(modelRef), seed,
                file(data, ZINC, relativeTo), train, file(data, DEEPSOL, relativeTo), train,
                file(data, ZINC, relativeTo), train, file(data, DEEPSOL, relativeTo), train,
                file(data, ONEIL, relativeTo), train,
                s.proteinChars(), file(data, DAVIS, relativeTo), train,
                s.domainSteps(), s.batchSize(), s.functionSteps(), s.batchSize(), s.evalEvery(), s.crossSteps(), s.batchSize(), s.evalEvery());
    }

    /** A data file, refused by name when the folder lacks it. */
    private static String file(Path data, String relative, Path relativeTo) {
        Path p = data.resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("demo data file missing: " + p + " (--data must be a folder holding " + String.join(", ", DATA_FILES) + ")");
        }
        return quote(ref(p, relativeTo));
    }

    /** A path as an experiment file in relativeTo writes it: relative where it can be (same root), else absolute. */
    public static String ref(Path p, Path relativeTo) {
        Path abs = p.toAbsolutePath().normalize();
        if (relativeTo != null) {
            Path base = relativeTo.toAbsolutePath().normalize();
            if (abs.getRoot() != null && abs.getRoot().equals(base.getRoot())) return base.relativize(abs).toString().replace('\\', '/');
        }
        return abs.toString().replace('\\', '/');
    }

    /** A YAML double-quoted scalar: any path (spaces, colons, #) reads back as written. */
    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** The sizes as the demo prints them. */
    public static String describe(Sizes s) {
        return String.format(Locale.ROOT, "%d training and %d valid/test rows per task; %d / %d / %d steps in stages 1 / 2 / 3, batch %d",
                s.trainRows(), s.evalRows(), s.domainSteps(), s.functionSteps(), s.crossSteps(), s.batchSize());
    }
}
