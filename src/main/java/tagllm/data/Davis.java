package tagllm.data;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The Davis kinase binding-affinity set in the shared layout: {@code davis_pairs.csv} (drug_id, protein_id,
 * affinity, kd_nm, split) joined on ids with {@code davis_proteins.csv} (protein_id, protein_seq) and
 * {@code davis_ligands.csv} (drug_id, smiles); or {@code davis_sample.csv} with sequence and SMILES inline.
 * The affinity is pKd.
 */
public final class Davis {
    private Davis() {}

    /** Reads davis_pairs.csv, davis_proteins.csv and davis_ligands.csv from {@code dir}. */
    public static Splits<DtiExample> readDirectory(Path dir, RowIssues issues) {
        return read(dir.resolve("davis_pairs.csv"), dir.resolve("davis_proteins.csv"), dir.resolve("davis_ligands.csv"), issues);
    }

    /** Joins the pairs with the protein sequences and ligand SMILES; a pair with an unknown id goes to {@code issues}. */
    public static Splits<DtiExample> read(Path pairs, Path proteins, Path ligands, RowIssues issues) {
        Map<String, String> sequences = lookup(proteins, "protein_id", "protein_seq");
        Map<String, String> smiles = lookup(ligands, "drug_id", "smiles");
        Dataset ds = Dataset.read(pairs, Format.CSV, issues).requireColumns("drug_id", "protein_id", "affinity", "split");
        return SplitColumn.DEFAULT.split(ds.rows(), issues).map(issues, row -> {
            String drug = row.getNonEmpty("drug_id"), protein = row.getNonEmpty("protein_id");
            String seq = sequences.get(protein);
            if (seq == null) throw new DatasetException(row.origin(), "protein_id '" + protein + "' is not in " + proteins);
            String smi = smiles.get(drug);
            if (smi == null) throw new DatasetException(row.origin(), "drug_id '" + drug + "' is not in " + ligands);
            return new DtiExample(smi, seq, row.getDouble("affinity"), drug, protein, row.origin());
        });
    }

    /** Reads davis_sample.csv (protein_seq, smiles, affinity, split, drug_id, protein_id). */
    public static Splits<DtiExample> sample(Path file, RowIssues issues) {
        Dataset ds = Dataset.read(file, Format.CSV, issues).requireColumns("protein_seq", "smiles", "affinity", "split");
        return SplitColumn.DEFAULT.split(ds.rows(), issues).map(issues, row -> new DtiExample(row.getNonEmpty("smiles"),
                row.getNonEmpty("protein_seq"), row.getDouble("affinity"), TdcCsv.optional(row, "drug_id"),
                TdcCsv.optional(row, "protein_id"), row.origin()));
    }

    /** id → value from a two-column table; a repeated id or an empty value is an error in that file. */
    private static Map<String, String> lookup(Path file, String idColumn, String valueColumn) {
        Dataset ds = Dataset.read(file, Format.CSV).requireColumns(idColumn, valueColumn);
        Map<String, String> map = new HashMap<>(ds.size() * 2);
        Map<String, Long> firstLine = new HashMap<>();
        for (Row r : ds.rows()) {
            String id = r.getNonEmpty(idColumn);
            if (map.putIfAbsent(id, r.getNonEmpty(valueColumn)) != null) {
                throw new DatasetException(r.origin(), idColumn + " '" + id + "' appears twice (first at line " + firstLine.get(id) + ")");
            }
            firstLine.put(id, r.line());
        }
        return map;
    }
}
