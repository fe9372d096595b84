package tagllm.task;

import tagllm.config.ConfigException;

import tagllm.head.HeadSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper's tasks (digest §1 "Prompt templates", from the official code's get_data.py / TDCdata.py),
 * with placeholders named after the columns of the shared datasets. Stage-1 domain text drops BOS/EOS
 * as the code does; the regression tasks use the code's domain-isolating attention mask
 * (autoregressive_attn_mask: false in BA/DC/QED/Descriptor.yaml), the others plain causal attention.
 * Only the Protein and Descriptor tasks space protein sequences one residue per token, as in the code.
 */
public final class Presets {
    private Presets() {}

    public static final List<String> LANGUAGES = List.of("EN", "FR", "RU", "DE", "IT", "EL", "ES", "PT");

    public static List<String> names() {
        List<String> out = new java.util.ArrayList<>(List.of("Protein", "SMILES"));
        out.addAll(LANGUAGES);
        out.addAll(List.of("Descriptor", "QED", "DC", "BA", "Translate:<src>-<tgt>"));
        out.addAll(SuitePresets.NAMES);
        return out;
    }

    /** Kinds of the paper's tag names, so user templates may use them without declaring them. */
    public static Map<String, String> knownTagKinds() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("<Protein>", "domain");
        m.put("<SMILES>", "domain");
        for (String l : LANGUAGES) m.put("<" + l + ">", "domain");
        for (String f : List.of("Descriptor", "QED", "DC", "BA", "Translate")) m.put("<" + f + ">", "function");
        for (String f : SuitePresets.NAMES) m.put("<" + f + ">", "function");
        return m;
    }

    public static TaskSpec get(String name, String where) {
        if (name == null) throw new ConfigException(where + ": preset name missing");
        String n = name.trim();
        if (n.regionMatches(true, 0, "Translate:", 0, 10)) return translate(n.substring(10), where);
        for (String lang : LANGUAGES) {
            if (lang.equalsIgnoreCase(n)) {
                return lm(lang, "<" + lang + "> {text}", Map.of("<" + lang + ">", "domain"));
            }
        }
        TaskSpec suite = SuitePresets.get(n);
        if (suite != null) return suite;
        return switch (n.toLowerCase(Locale.ROOT)) {
            case "protein" -> lm("Protein", "<Protein> {sequence:spaced}", Map.of("<Protein>", "domain"));
            case "smiles" -> lm("SMILES", "<SMILES> {smiles}", Map.of("<SMILES>", "domain"));
            case "descriptor" -> regression("Descriptor",
                    "# # Input: The protein sequence is <Protein> {sequence:spaced}. \n# # Output: The descriptor value is <Descriptor> {label}.",
                    Map.of("<Protein>", "domain", "<Descriptor>", "function"), "blosum1", 1.0, Map.of());
            case "qed" -> regression("QED",
                    "# # Input: The SMILES of the molecule is <SMILES> {smiles}. \n# # Output: the quantitative estimate of druglikeness score is <QED> {label}.",
                    Map.of("<SMILES>", "domain", "<QED>", "function"), "qed", 1.0, Map.of());
            case "dc" -> regression("DC",
                    "# # Input: Drug 1 is {drug1}. Its SMILES is <SMILES> {smiles1}. \nDrug 2 is {drug2}. Its SMILES is <SMILES> {smiles2}. \n# # Output: The drug combination sensitivity score is <DC> {label}.",
                    Map.of("<SMILES>", "domain", "<DC>", "function"), "score", 0.1, Map.of());
            case "ba" -> regression("BA",
                    "# # Input: The protein sequence is <Protein> {protein}. \nThe SMILES of the drug is <SMILES> {smiles}. \n# # Output: The binding affinity is <BA> {label}.",
                    Map.of("<Protein>", "domain", "<SMILES>", "domain", "<BA>", "function"), "affinity", 1.0,
                    Map.of("protein", "protein_seq"));
            default -> throw new ConfigException(where + ": preset '" + name + "' is not known (known: " + String.join(", ", names()) + ")");
        };
    }

    private static TaskSpec lm(String name, String template, Map<String, String> tags) {
        return new TaskSpec(name, TaskType.LANGUAGE_MODEL, template, tags, null, 1.0, null, Map.of(), HeadSpec.paper(),
                false, false, false, false, TaskSpec.DEFAULT_MAX_LENGTH);
    }

    private static TaskSpec regression(String name, String template, Map<String, String> tags, String label, double scale,
                                       Map<String, String> columns) {
        return new TaskSpec(name, TaskType.REGRESSION, template, tags, label, scale, "label", columns, HeadSpec.paper(),
                true, true, false, false, TaskSpec.DEFAULT_MAX_LENGTH);
    }

    /** "en-fr": source English, target French, columns src and tgt (the shared translation TSVs). */
    private static TaskSpec translate(String pair, String where) {
        String[] p = pair.split("-");
        if (p.length != 2) throw new ConfigException(where + ": Translate preset needs a pair like Translate:en-fr, got '" + pair + "'");
        String src = p[0].trim().toUpperCase(Locale.ROOT), tgt = p[1].trim().toUpperCase(Locale.ROOT);
        if (src.isEmpty() || tgt.isEmpty() || src.equals(tgt)) throw new ConfigException(where + ": bad language pair '" + pair + "'");
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("<" + src + ">", "domain");
        tags.put("<" + tgt + ">", "domain");
        tags.put("<Translate>", "function");
        return new TaskSpec("Translate:" + src.toLowerCase(Locale.ROOT) + "-" + tgt.toLowerCase(Locale.ROOT), TaskType.TEXT,
                "# # Input: <" + src + "> {src} \n# # Output: <" + tgt + "> <Translate> {tgt}", tags, null, 1.0, "tgt", Map.of(),
                HeadSpec.paper(), false, true, true, false, TaskSpec.DEFAULT_MAX_LENGTH);
    }
}
