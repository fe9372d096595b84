package tagllm.task;

import tagllm.chem.SmilesException;
import tagllm.chem.SmilesReader;
import tagllm.data.DatasetException;
import tagllm.data.Row;
import tagllm.tag.Template;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Checks prediction inputs by the domain tag written just before their placeholder: a field after {@code <SMILES>}
 * must be a SMILES RDKit would accept (sanitised: syntax, valence, aromaticity), a field after {@code <Protein>}
 * a protein sequence of IUPAC residue letters. An empty value there is refused too. So a model is never asked
 * about {@code notasmiles((} and answers as if it meant something.
 */
public final class InputCheck {
    /** IUPAC one-letter amino-acid codes (the 20, B/Z/J ambiguity, X unknown, U selenocysteine, O pyrrolysine). */
    private static final String RESIDUES = "ACDEFGHIKLMNPQRSTVWYBZJXUO";

    private enum Kind { SMILES, PROTEIN }

    private final Map<String, Kind> fields = new LinkedHashMap<>();

    private InputCheck(TaskSpec task) {
        String lastTag = null;
        for (Template.Part p : task.parsedTemplate().parts()) {
            switch (p) {
                case Template.TagRef t -> lastTag = t.name();
                case Template.Field f -> {
                    if (task.type() != TaskType.LANGUAGE_MODEL && f.column().equals(task.outputPlaceholder())) return;
                    Kind k = lastTag == null ? null : switch (lastTag.replaceAll("[<>]", "").toUpperCase(Locale.ROOT)) {
                        case "SMILES" -> Kind.SMILES;
                        case "PROTEIN" -> Kind.PROTEIN;
                        default -> null;
                    };
                    if (k != null) fields.put(task.column(f.column()), k);
                    lastTag = null;
                }
                case Template.Text t -> {
                    if (!t.text().isBlank()) lastTag = null; // words between tag and field: the field is not the tag's
                }
            }
        }
    }

    public static InputCheck of(TaskSpec task) { return new InputCheck(task); }

    /** The columns checked, with what they must hold ("SMILES" or "PROTEIN"), in template order. */
    public Map<String, String> checkedColumns() {
        Map<String, String> out = new LinkedHashMap<>();
        fields.forEach((c, k) -> out.put(c, k.name()));
        return out;
    }

    /** Throws a DatasetException naming the column and what is wrong; a missing column is left to the renderer. */
    public void check(Row row) {
        for (var e : fields.entrySet()) {
            String column = e.getKey();
            if (!row.has(column)) continue;
            String v = row.get(column);
            String problem = e.getValue() == Kind.SMILES ? smilesProblem(v) : proteinProblem(v);
            if (problem != null) throw new DatasetException(row.origin(), column + ": " + problem);
        }
    }

    private static String smilesProblem(String v) {
        if (v.isBlank()) return "empty; expected a SMILES";
        try {
            SmilesReader.forThread().parse(v);
            return null;
        } catch (SmilesException ex) {
            return ex.getMessage();
        } catch (StackOverflowError ex) {
            return "molecule too large to check (the parser ran out of stack)";
        }
    }

    private static String proteinProblem(String v) {
        if (v.isBlank()) return "empty; expected a protein sequence";
        for (int i = 0; i < v.length(); i++) {
            char c = Character.toUpperCase(v.charAt(i));
            if (RESIDUES.indexOf(c) < 0 && c != '*') {
                return "not a protein sequence: '" + v.charAt(i) + "' at position " + (i + 1) + " is not an amino-acid letter ("
                        + RESIDUES + ")";
            }
        }
        return null;
    }
}
