package tagllm.task;

import tagllm.head.HeadSpec;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The MoleculeNet-style property tasks on the shared datasets, in the paper's prompt style: BBBP (blood-brain
 * barrier penetration, binary, bbbp.csv {@code p_np}), Solubility (DeepSol protein solubility, binary,
 * deepsol.csv {@code solubility}), and the regression tasks ESOL (log solubility in mol/L), FreeSolv (hydration
 * free energy, kcal/mol) and Lipophilicity (logD at pH 7.4). Like the paper's regression presets they isolate
 * domain spans; heads are the paper's (no bias, mean-embedding rows) unless the experiment overrides them.
 */
public final class SuitePresets {
    private SuitePresets() {}

    public static final List<String> NAMES = List.of("BBBP", "Solubility", "ESOL", "FreeSolv", "Lipophilicity");

    /** The preset, or null when the name is not one of these. */
    static TaskSpec get(String name) {
        String molecule = "# # Input: The SMILES of the molecule is <SMILES> {smiles}. \n# # Output: ";
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bbbp" -> classification("BBBP", molecule + "whether the molecule penetrates the blood-brain barrier is <BBBP> {label}.",
                    Map.of("<SMILES>", "domain", "<BBBP>", "function"), "p_np");
            case "solubility" -> classification("Solubility",
                    "# # Input: The protein sequence is <Protein> {sequence:spaced}. \n# # Output: whether the protein is soluble is <Solubility> {label}.",
                    Map.of("<Protein>", "domain", "<Solubility>", "function"), "solubility");
            case "esol" -> regression("ESOL", molecule + "the log solubility in mols per litre is <ESOL> {label}.",
                    "measured_log_solubility");
            case "freesolv" -> regression("FreeSolv", molecule + "the hydration free energy in kcal/mol is <FreeSolv> {label}.",
                    "hydration_free_energy_expt");
            case "lipophilicity" -> regression("Lipophilicity", molecule + "the octanol/water distribution coefficient logD is <Lipophilicity> {label}.",
                    "logd");
            default -> null;
        };
    }

    private static TaskSpec classification(String name, String template, Map<String, String> tags, String label) {
        return new TaskSpec(name, TaskType.CLASSIFICATION, template, tags, label, 1.0, "label", Map.of(), HeadSpec.paper(),
                true, true, false, false, TaskSpec.DEFAULT_MAX_LENGTH, new ClassSpec(null, List.of("0", "1"), null, null, false));
    }

    private static TaskSpec regression(String name, String template, String label) {
        return new TaskSpec(name, TaskType.REGRESSION, template, Map.of("<SMILES>", "domain", "<" + name + ">", "function"), label, 1.0,
                "label", Map.of(), HeadSpec.paper(), true, true, false, false, TaskSpec.DEFAULT_MAX_LENGTH);
    }
}
